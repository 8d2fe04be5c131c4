// Jobs (upstream pkg/registry/batch/job): a selector generated from the Job's uid (unless
// spec.manualSelector), pods that never restart Always, and a spec mostly immutable.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { fe, type Cause } from '../../registry/fielderrors';
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { ResourceStrategy } from '../../registry/strategy';
import { deepEqual } from '../../registry/objects';
import { AGE, NAME, ageOf, col, nameOf, num } from '../../tables/columns';
import { containerCells, formatLabelSelector, humanDuration } from '../../tables/format';
import { defineMessages } from '../../protobuf/messages';
import { isObj, objAt, setIfAbsent, type Obj } from '../helpers';
import { bool, int64, nonNegative, nonNegativeInt32, oneOf } from '../../registry/validation';
import { defaultTemplate } from '../core/podspec';
import { CONTAINERS, IMAGES, SELECTOR, selectorAndTemplate, validatePodTemplate } from '../workloads';

/** Upstream generates a Job's selector from its uid (unless spec.manualSelector). */
function defaultJobSelector(job: Obj): void {
  const spec = job.spec;
  if (!spec || typeof spec !== 'object' || spec.manualSelector === true) return;
  const uid = job.metadata.uid;
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const t = objAt(spec, 'template');
  const m = t && objAt(t, 'metadata');
  if (!m || !(m.labels === undefined || m.labels === null || isObj(m.labels))) return;
  m.labels = {
    ...(m.labels ?? {}),
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': job.metadata.name,
    'controller-uid': uid,
    'job-name': job.metadata.name,
  };
}

/** SetDefaults_JobSpec (also applied to a CronJob's job template). */
export function defaultJobSpec(spec: Obj | undefined): void {
  if (!spec) return;
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setIfAbsent(spec, 'parallelism', 1);
  setIfAbsent(spec, 'backoffLimit', 6);
  setIfAbsent(spec, 'completionMode', 'NonIndexed');
  setIfAbsent(spec, 'suspend', false);
  defaultTemplate(spec);
}

/** The fields of validateJobSpec besides the template, at `path`. */
function jobFields(errs: Cause[], path: string, spec: Obj): void {
  for (const f of ['parallelism', 'completions', 'backoffLimit', 'backoffLimitPerIndex', 'maxFailedIndexes', 'ttlSecondsAfterFinished']) nonNegativeInt32(errs, `${path}.${f}`, spec[f]);
  nonNegative(errs, `${path}.activeDeadlineSeconds`, int64(errs, `${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds));
  const mode = oneOf(errs, `${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed'] as const);
  if (mode === 'Indexed' && (spec.completions === undefined || spec.completions === null)) errs.push(fe.required(`${path}.completions`, 'when completion mode is Indexed'));
  oneOf(errs, `${path}.podReplacementPolicy`, spec.podReplacementPolicy, ['TerminatingOrFailed', 'Failed'] as const);
  for (const f of ['suspend', 'manualSelector']) bool(errs, `${path}.${f}`, spec[f]);
}

/** A Job's pods never restart Always. */
function restartPolicy(errs: Cause[], path: string, template: unknown): void {
  if (!isObj(template) || !isObj(template.spec)) return;
  const rp = template.spec.restartPolicy;
  if (rp !== 'OnFailure' && rp !== 'Never') errs.push(fe.notSupported(`${path}.spec.restartPolicy`, rp ?? '', ['OnFailure', 'Never']));
}

/** validateJobSpec of a CronJob's job template at `path` ("spec.jobTemplate.spec"). */
export function validateJobTemplateSpec(errs: Cause[], path: string, spec: Obj): void {
  jobFields(errs, path, spec);
  validatePodTemplate(errs, `${path}.template`, spec.template);
  restartPolicy(errs, `${path}.template`, spec.template);
}

function validate(o: Obj): Cause[] {
  const spec = o.spec;
  if (!isObj(spec)) return [fe.required('spec')];
  const errs: Cause[] = [];
  jobFields(errs, 'spec', spec);
  // the selector (generated from the uid, or the user's with manualSelector) must match the template
  selectorAndTemplate(errs, spec, 'job', spec.manualSelector === true);
  restartPolicy(errs, 'spec.template', spec.template);
  return errs;
}

function validateUpdate(next: Obj, old: Obj): Cause[] {
  const ns = next.spec ?? {};
  const os = old.spec ?? {};
  const errs: Cause[] = [];
  if (!deepEqual(ns.selector, os.selector)) errs.push(fe.immutable('spec.selector', ns.selector));
  if (!deepEqual(ns.template, os.template)) errs.push(fe.immutable('spec.template', ns.template));
  if (ns.completions !== os.completions) errs.push(fe.immutable('spec.completions', ns.completions));
  return errs;
}

function jobStatus(o: any): string {
  const conds: any[] = o.status?.conditions ?? [];
  const has = (type: string) => conds.find((c) => c.type === type)?.status === 'True';
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (o.metadata?.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

const message = defineMessages(
  `
message JobSpec {
  optional int32 parallelism = 1; optional int32 completions = 2; optional int64 activeDeadlineSeconds = 3; optional LabelSelector selector = 4;
  optional bool manualSelector = 5; optional PodTemplateSpec template = 6; optional int32 backoffLimit = 7; optional int32 ttlSecondsAfterFinished = 8;
  optional string completionMode = 9; optional bool suspend = 10;
}
message Job { optional ObjectMeta metadata = 1; optional JobSpec spec = 2; }
message JobTemplateSpec { optional ObjectMeta metadata = 1; optional JobSpec spec = 2; }
`,
  ['parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished', 'suspend', 'manualSelector', 'completionMode'],
);

export const jobs: ResourceStrategy = {
  group: 'batch',
  kind: 'Job',
  resource: 'jobs',
  namespaced: true,
  categories: ['all'],
  versions: [{ name: 'v1' }],
  status: {},
  prepareForCreate: defaultJobSelector,
  defaults: (o) => defaultJobSpec(isObj(o.spec) ? o.spec : undefined),
  validate,
  validateUpdate,
  table: {
    columns: [
      NAME,
      col('Status', { description: 'Status of the job.' }),
      col('Completions', { description: 'The desired number of successfully finished pods the job should be run with.' }),
      col('Duration', { description: 'Time required to complete the job.' }),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    cells(o, now) {
      const spec = o.spec ?? {};
      const succeeded = num(o.status?.succeeded);
      let completions: string;
      if (spec.completions != null) completions = `${succeeded}/${spec.completions}`;
      else if ((spec.parallelism ?? 1) > 1) completions = `${succeeded}/1 of ${spec.parallelism}`;
      else completions = `${succeeded}/1`;
      const start = o.status?.startTime;
      const end = o.status?.completionTime;
      const duration = !start ? '' : end ? humanDuration(Date.parse(end) - Date.parse(start)) : humanDuration(now - Date.parse(start));
      const [names, images] = containerCells(spec.template?.spec?.containers);
      return [nameOf(o), jobStatus(o), completions, duration, ageOf(o, now), names, images, formatLabelSelector(spec.selector)];
    },
  },
  selectableFields: { ...METADATA_SELECTABLE, 'status.successful': (o) => String(o.status?.succeeded ?? 0) },
  protobuf: message('Job'),
};

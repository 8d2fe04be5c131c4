// CronJobs (upstream pkg/registry/batch/cronjob).
import { fe, type Cause } from '../../registry/fielderrors';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, int, nameOf } from '../../tables/columns';
import { containerCells, formatLabelSelector, since } from '../../tables/format';
import { defineMessages } from '../../protobuf/messages';
import { isObj, setIfAbsent, type Obj } from '../helpers';
import { CONTAINERS, IMAGES, SELECTOR } from '../workloads';
import { defaultJobSpec, validateJobTemplateSpec } from './job';
import { annotations } from '../../registry/meta';
import { bool, each, int64, labels, nonNegative, nonNegativeInt32, obj, oneOf, str } from '../../registry/validation';
import { scheduleErrors, timeZoneErrors } from '@minik8s/shared';

/** The cronjob controller names Jobs <cronjob>-<11 digits>, and a Job name is a 63-character label. */
const MAX_NAME = 52;

/**
 * validateCronJobSpec (and the name rule of ValidateCronJobCreate). Upstream relaxes two rules on update for
 * objects older than them (TZ= in a schedule, an unchanged timeZone); objects stored here passed them on create.
 */
function validate(o: Obj): Cause[] {
  const errs: Cause[] = [];
  const name = o.metadata?.name;
  if (typeof name === 'string' && name.length > MAX_NAME) errs.push(fe.invalid('metadata.name', name, `must be no more than ${MAX_NAME} characters`));
  const spec = o.spec;
  if (!isObj(spec)) return [...errs, fe.required('spec')];
  const schedule = str(errs, 'spec.schedule', spec.schedule, true);
  const tz = str(errs, 'spec.timeZone', spec.timeZone);
  if (schedule) each(errs, 'spec.schedule', schedule, scheduleErrors(schedule, tz));
  if (tz !== undefined) each(errs, 'spec.timeZone', tz, timeZoneErrors(tz));
  nonNegative(errs, 'spec.startingDeadlineSeconds', int64(errs, 'spec.startingDeadlineSeconds', spec.startingDeadlineSeconds));
  oneOf(errs, 'spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace'] as const, true);
  bool(errs, 'spec.suspend', spec.suspend);
  for (const f of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) nonNegativeInt32(errs, `spec.${f}`, spec[f]);
  const jt = obj(errs, 'spec.jobTemplate', spec.jobTemplate, true);
  if (jt) {
    const meta = obj(errs, 'spec.jobTemplate.metadata', jt.metadata) ?? {};
    labels(errs, 'spec.jobTemplate.metadata.labels', meta.labels);
    annotations(errs, 'spec.jobTemplate.metadata.annotations', meta.annotations);
    const js = obj(errs, 'spec.jobTemplate.spec', jt.spec, true);
    if (js) validateJobTemplateSpec(errs, 'spec.jobTemplate.spec', js);
  }
  return errs;
}

const message = defineMessages(
  `
message CronJobSpec {
  optional string schedule = 1; optional int64 startingDeadlineSeconds = 2; optional string concurrencyPolicy = 3; optional bool suspend = 4;
  optional JobTemplateSpec jobTemplate = 5; optional int32 successfulJobsHistoryLimit = 6; optional int32 failedJobsHistoryLimit = 7; optional string timeZone = 8;
}
message CronJob { optional ObjectMeta metadata = 1; optional CronJobSpec spec = 2; }
`,
  ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit', 'timeZone'],
);

export const cronJobs: ResourceStrategy = {
  group: 'batch',
  kind: 'CronJob',
  resource: 'cronjobs',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  versions: [{ name: 'v1' }],
  status: {},
  defaults(o) {
    const spec = isObj(o.spec) ? o.spec : undefined;
    if (!spec) return;
    setIfAbsent(spec, 'concurrencyPolicy', 'Allow');
    setIfAbsent(spec, 'suspend', false);
    setIfAbsent(spec, 'successfulJobsHistoryLimit', 3);
    setIfAbsent(spec, 'failedJobsHistoryLimit', 1);
    if (spec.jobTemplate?.spec) defaultJobSpec(isObj(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined);
  },
  validate,
  table: {
    columns: [
      NAME,
      col('Schedule', { description: 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.' }),
      col('Timezone', { description: 'The time zone name for the given schedule.' }),
      col('Suspend', { type: 'boolean', description: 'This flag tells the controller to suspend subsequent executions.' }),
      int('Active', 'A list of pointers to currently running jobs.'),
      col('Last Schedule', { description: 'Information when was the last time the job was successfully scheduled.' }),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    cells(o, now) {
      const spec = o.spec ?? {};
      const last = o.status?.lastScheduleTime ? since(o.status.lastScheduleTime, now) : '<none>';
      const [names, images] = containerCells(spec.jobTemplate?.spec?.template?.spec?.containers);
      const suspend = spec.suspend == null ? '<unset>' : spec.suspend ? 'True' : 'False';
      return [nameOf(o), spec.schedule ?? '', spec.timeZone ?? '<none>', suspend, (o.status?.active ?? []).length, last, ageOf(o, now), names, images, formatLabelSelector(spec.jobTemplate?.spec?.selector)];
    },
  },
  protobuf: message('CronJob'),
};

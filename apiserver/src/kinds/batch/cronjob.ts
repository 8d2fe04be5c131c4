// CronJobs (upstream pkg/registry/batch/cronjob).
import { fe, type Cause } from '../../registry/fielderrors';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, int, nameOf } from '../../tables/columns';
import { containerCells, formatLabelSelector, since } from '../../tables/format';
import { defineMessages } from '../../protobuf/messages';
import { isObj, setIfAbsent, type Obj } from '../helpers';
import { validatePodSpec } from '../core/podspec';
import { CONTAINERS, IMAGES, SELECTOR } from '../workloads';
import { defaultJobSpec } from './job';

function validate(o: Obj): Cause[] {
  const spec = o.spec;
  if (!isObj(spec)) return [fe.required('spec')];
  const errs: Cause[] = [];
  if (!spec.schedule || typeof spec.schedule !== 'string') errs.push(fe.required('spec.schedule'));
  if (!isObj(spec.jobTemplate)) errs.push(fe.required('spec.jobTemplate'));
  else if (isObj(spec.jobTemplate.spec?.template)) validatePodSpec('spec.jobTemplate.spec.template.spec', spec.jobTemplate.spec.template.spec, errs);
  if (spec.concurrencyPolicy !== undefined && !['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy))
    errs.push(fe.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
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

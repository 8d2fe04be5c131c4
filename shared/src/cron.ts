// CronJob schedules and time zones, written once: the apiserver validates them (upstream's
// validateScheduleFormat and validateTimeZone), the CronJob controller computes schedule times with them.
// Standard 5-field cron plus the @hourly-style descriptors, as robfig/cron's ParseStandard reads them, on
// cron-parser.
import parser, { type CronExpression } from 'cron-parser';

export class ScheduleError extends Error {}

const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
/** robfig's TZ=Zone / CRON_TZ=Zone prefix. */
const TZ_PREFIX = /^(?:CRON_)?TZ=\S*\s+/;

/** Why a schedule does not parse (robfig's wording where it has one), or undefined. */
function scheduleProblem(schedule: string): string | undefined {
  const s = schedule.replace(TZ_PREFIX, '').trim();
  if (s.startsWith('@')) return DESCRIPTORS.has(s) ? undefined : `unrecognized descriptor: ${s}`;
  const fields = s.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  try {
    parser.parseExpression(fields.join(' '), { tz: 'UTC' });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** upstream validateScheduleFormat: the messages for a bad schedule ([] when valid). */
export function scheduleErrors(schedule: string, timeZone?: string | null, allowTZInSchedule = false): string[] {
  const errs: string[] = [];
  const problem = scheduleProblem(schedule);
  if (problem) errs.push(problem);
  if (allowTZInSchedule && schedule.includes('TZ') && timeZone != null) errs.push('cannot use both timeZone field and TZ or CRON_TZ in schedule');
  else if (!allowTZInSchedule && schedule.includes('TZ')) errs.push('cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
  return errs;
}

const TZ_PART = /^[A-Za-z._+\-0-9]+$/;

/** upstream validateTimeZone (the IANA database Node carries stands in for Go's time.LoadLocation). */
export function timeZoneErrors(tz: string): string[] {
  if (tz === '') return ['timeZone must be nil or non-empty string'];
  for (const part of tz.split('/')) if (part === '.' || part === '..' || part.startsWith('-') || !TZ_PART.test(part)) return [`unknown time zone ${tz}`];
  if (tz.toLowerCase() === 'local') return ['timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return [];
  } catch {
    return [`unknown time zone ${tz}`];
  }
}

/** The schedule's times from `from` on, in `tz` (UTC when unset). Throws ScheduleError. */
export function cronSchedule(schedule: string, tz: string | undefined, from: number): CronExpression {
  const problem = scheduleProblem(schedule) ?? (tz ? timeZoneErrors(tz)[0] : undefined);
  if (problem) throw new ScheduleError(`unparseable schedule "${schedule}": ${problem}`);
  try {
    return parser.parseExpression(schedule.replace(TZ_PREFIX, '').trim(), { currentDate: new Date(from), tz: tz || 'UTC' });
  } catch (e) {
    throw new ScheduleError(`unparseable schedule "${schedule}": ${(e as Error).message}`, { cause: e });
  }
}

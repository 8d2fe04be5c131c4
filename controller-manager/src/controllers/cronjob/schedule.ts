// CronJob schedule arithmetic (upstream cronjob utils: mostRecentScheduleTime, nextScheduleTime) on the
// shared schedule parser (the one the apiserver validates with).
import { cronSchedule as parse } from '@minik8s/shared';

export { ScheduleError } from '@minik8s/shared';

export interface ScheduleWindow {
  /** The latest schedule time in (earliest, now], if any. */
  mostRecent?: number;
  /** How many schedule times fell in the window (capped at 101: upstream warns above 100). */
  missed: number;
  /** The first schedule time after now. */
  next: number;
}

export function scheduleWindow(schedule: string, tz: string | undefined, earliest: number, now: number): ScheduleWindow {
  const next = parse(schedule, tz, now).next().toDate().getTime();
  const it = parse(schedule, tz, earliest);
  let missed = 0;
  let mostRecent: number | undefined;
  while (missed <= 100) {
    const t = it.next().toDate().getTime();
    if (t > now) break;
    mostRecent = t;
    missed++;
  }
  if (missed > 100) {
    // Too many to walk: the latest one is the one right before `next`.
    mostRecent = parse(schedule, tz, now + 1000).prev().toDate().getTime();
    if (mostRecent > now) mostRecent = parse(schedule, tz, mostRecent).prev().toDate().getTime();
  }
  return { mostRecent, missed, next };
}

/** Job name for a schedule time: `<cronjob>-<unix minutes>` (getJobName). */
export function jobNameFor(cronJob: string, scheduledMs: number): string {
  return `${cronJob}-${Math.floor(scheduledMs / 60_000)}`;
}

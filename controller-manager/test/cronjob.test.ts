import { describe, expect, it } from 'vitest';
import { jobNameFor, scheduleWindow } from '../src/controllers/cronjob/schedule';

const t = (s: string) => Date.parse(s);

describe('scheduleWindow', () => {
  it.each<[string, string, string, string | undefined, number, string]>([
    ['*/5 * * * *', '2026-01-01T00:00:00Z', '2026-01-01T00:12:00Z', '2026-01-01T00:10:00Z', 2, '2026-01-01T00:15:00Z'],
    ['*/5 * * * *', '2026-01-01T00:10:00Z', '2026-01-01T00:12:00Z', undefined, 0, '2026-01-01T00:15:00Z'],
    ['0 * * * *', '2026-01-01T00:30:00Z', '2026-01-01T01:00:00Z', '2026-01-01T01:00:00Z', 1, '2026-01-01T02:00:00Z'],
    ['@hourly', '2026-01-01T00:30:00Z', '2026-01-01T00:59:59Z', undefined, 0, '2026-01-01T01:00:00Z'],
  ])('%s from %s at %s', (sched, earliest, now, recent, missed, next) => {
    const w = scheduleWindow(sched, undefined, t(earliest), t(now));
    expect(w.mostRecent === undefined ? undefined : new Date(w.mostRecent).toISOString().replace('.000', '')).toBe(recent);
    expect(w.missed).toBe(missed);
    expect(new Date(w.next).toISOString().replace('.000', '')).toBe(next);
  });
  it('many missed times: capped count, the latest one still found', () => {
    const w = scheduleWindow('* * * * *', undefined, t('2026-01-01T00:00:00Z'), t('2026-01-02T00:00:30Z'));
    expect(w.missed).toBe(101);
    expect(new Date(w.mostRecent!).toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });
  it('time zones', () => {
    const w = scheduleWindow('0 9 * * *', 'Europe/Paris', t('2026-01-01T00:00:00Z'), t('2026-01-01T12:00:00Z'));
    expect(new Date(w.mostRecent!).toISOString()).toBe('2026-01-01T08:00:00.000Z');
  });
  it.each(['* * * * * *', 'bad', '@every 5m', '61 * * * *'])('rejects %j', (s) => {
    expect(() => scheduleWindow(s, undefined, 0, 1)).toThrow(/unparseable schedule/);
  });
  it('job names are <cronjob>-<unix minutes>', () => {
    expect(jobNameFor('tick', t('2026-01-01T00:10:00Z'))).toBe(`tick-${t('2026-01-01T00:10:00Z') / 60000}`);
  });
});

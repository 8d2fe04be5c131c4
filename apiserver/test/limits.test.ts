// The pure parts of bounded resources: request classes and the in-flight limiter, body depth, and when
// etcd maintenance defragments.
import { describe, expect, it } from 'vitest';
import { InflightLimiter, classify } from '../src/limits/inflight';
import { MAX_DEPTH, jsonDepth, valueDepth } from '../src/routes/body';
import { DEFRAG_MIN_BYTES, planMaintenance } from '../src/storage/maintenance';

describe('request classes (upstream BasicLongRunningRequestCheck)', () => {
  it.each([
    ['GET', '/api/v1/namespaces/a/pods', 'readonly'],
    ['POST', '/api/v1/namespaces/a/pods', 'mutating'],
    ['PATCH', '/apis/apps/v1/namespaces/a/deployments/d', 'mutating'],
    ['GET', '/api/v1/pods?watch=true&labelSelector=a', 'watch'],
    ['GET', '/api/v1/pods?watch=1', 'watch'],
    ['GET', '/api/v1/watch/pods', 'watch'],
    ['GET', '/api/v1/pods?watch=false', 'readonly'],
    ['GET', '/api/v1/namespaces/a/pods/p/log?follow=true', 'stream'],
    ['POST', '/api/v1/namespaces/a/pods/p/exec?command=sh', 'stream'],
    ['GET', '/api/v1/namespaces/a/pods/p/portforward', 'stream'],
    ['GET', '/healthz', 'exempt'],
    ['GET', '/readyz?verbose', 'exempt'],
    ['GET', '/metrics', 'exempt'],
    ['GET', '/openapi/v3', 'readonly'],
  ])('%s %s is %s', (method, url, want) => {
    expect(classify(method, url)).toBe(want);
  });
});

describe('InflightLimiter', () => {
  const limiter = () => new InflightLimiter({ maxReadonly: 2, maxMutating: 1, maxLongRunning: 3, maxWatchesPerClient: 2, maxStreamsPerClient: 1 });
  const ok = (s: ReturnType<InflightLimiter['acquire']>) => {
    if ('refuse' in s) throw new Error(`refused: ${s.refuse.message}`);
    return s.release;
  };

  it('refuses the request past each limit with 429 and Retry-After 1, and takes it again once a slot frees', () => {
    const l = limiter();
    const r1 = ok(l.acquire('readonly', 'a'));
    ok(l.acquire('readonly', 'b'));
    const refused = l.acquire('readonly', 'c');
    expect(refused).toMatchObject({ refuse: { code: 429, reason: 'TooManyRequests', message: 'Too many requests, please try again later.', details: { retryAfterSeconds: 1 } } });
    // writes have their own budget
    const w = ok(l.acquire('mutating', 'a'));
    expect('refuse' in l.acquire('mutating', 'a')).toBe(true);
    w();
    w(); // a second release is a no-op
    ok(l.acquire('mutating', 'a'));
    r1();
    ok(l.acquire('readonly', 'c'));
    expect(l.inflight()).toEqual({ readonly: 2, mutating: 1, longRunning: 0 });
  });

  it('bounds long-running requests per client and in total, outside the request budgets', () => {
    const l = limiter();
    ok(l.acquire('readonly', 'a'));
    ok(l.acquire('readonly', 'a'));
    const w1 = ok(l.acquire('watch', 'a'));
    ok(l.acquire('watch', 'a'));
    expect(l.acquire('watch', 'a')).toMatchObject({ refuse: { code: 429, message: 'Too many watches from this client (limit is 2), please try again later.' } });
    ok(l.acquire('stream', 'a'));
    expect(l.acquire('stream', 'a')).toMatchObject({ refuse: { code: 429 } });
    // the total (3) is reached: another client is refused too
    expect('refuse' in l.acquire('watch', 'b')).toBe(true);
    w1();
    ok(l.acquire('watch', 'b'));
  });
});

describe('body depth (400 instead of a stack overflow)', () => {
  it('measures JSON text without parsing, strings and escapes skipped', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[{{{"}],"c":"\\\\\\"["}')).toBe(3);
    expect(jsonDepth('[]')).toBe(1);
    expect(jsonDepth('1')).toBe(0);
    expect(jsonDepth('['.repeat(100_000))).toBe(100_000);
  });
  it('measures decoded values without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: [deep] };
    expect(valueDepth(deep)).toBe(MAX_DEPTH + 1);
    expect(valueDepth({ a: [{ b: 1 }] })).toBe(3);
  });
});

describe('etcd maintenance', () => {
  const cfg = { compactionIntervalMs: 300_000, defragIntervalMs: 3_600_000 };
  const big = DEFRAG_MIN_BYTES * 4;
  it.each([
    ['a mostly free file, interval passed', { dbSize: big, dbSizeInUse: big / 4, alarms: [] }, 4_000_000, { defrag: true, disarm: false }],
    ['a mostly free file, too soon', { dbSize: big, dbSizeInUse: big / 4, alarms: [] }, 1_000, { defrag: false, disarm: false }],
    ['a full file', { dbSize: big, dbSizeInUse: big * 0.9, alarms: [] }, 4_000_000, { defrag: false, disarm: false }],
    ['a small file', { dbSize: DEFRAG_MIN_BYTES / 2, dbSizeInUse: 1, alarms: [] }, 4_000_000, { defrag: false, disarm: false }],
    ['the NOSPACE alarm, at once', { dbSize: big, dbSizeInUse: big * 0.9, alarms: ['Nospace'] }, 1_000, { defrag: true, disarm: true }],
  ])('%s', (_w, st, since, want) => {
    expect(planMaintenance(st, 10_000_000, 10_000_000 - since, cfg)).toEqual(want);
  });
  it('never defragments when turned off', () => {
    expect(planMaintenance({ dbSize: 1e9, dbSizeInUse: 1, alarms: ['Nospace'] }, 1e9, 0, { ...cfg, defragIntervalMs: 0 })).toEqual({ defrag: false, disarm: true });
  });
});

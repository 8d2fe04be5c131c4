import { describe, expect, it } from 'vitest';
import { kind, kinds } from './kinds';
import { collectionPrefix, objectKey } from '../src/storage/keys';
import { encodeObj, prefixEnd } from '../src/storage/etcd';
import { dispatch, type CacheEvent, type CacheWatcher } from '../src/storage/watchcache';
import { mergePatch, applyPatch } from '../src/registry/patch';
import { parseApiPath } from '../src/routes/api';
import { parseFlags } from '../src/flags';

const R = {
  pods: kind('pods'),
  services: kind('services'),
  endpoints: kind('endpoints'),
  nodes: kind('nodes'),
  deployments: kind('deployments', 'apps'),
  namespaces: kind('namespaces'),
  bindings: kind('bindings'),
};

describe('etcd key layout', () => {
  it('follows upstream key names', () => {
    expect(objectKey('/registry', R.pods, 'p', 'default')).toBe('/registry/pods/default/p');
    expect(objectKey('/registry', R.services, 's', 'ns')).toBe('/registry/services/specs/ns/s');
    expect(objectKey('/registry', R.endpoints, 's', 'ns')).toBe('/registry/services/endpoints/ns/s');
    expect(objectKey('/registry/', R.nodes, 'n1')).toBe('/registry/minions/n1');
    expect(objectKey('/registry', R.deployments, 'd', 'x')).toBe('/registry/deployments/x/d');
    expect(collectionPrefix('/registry', R.pods)).toBe('/registry/pods/');
    expect(collectionPrefix('/registry', R.pods, 'ns1')).toBe('/registry/pods/ns1/');
    expect(collectionPrefix('/registry', R.namespaces, 'ignored')).toBe('/registry/namespaces/');
  });

  it('gives every resource a prefix that is not a prefix of another one', () => {
    const prefixes = kinds.stored().map((r) => collectionPrefix('/registry', r));
    for (const a of prefixes) for (const b of prefixes) if (a !== b) expect(b.startsWith(a)).toBe(false);
  });

  it('stores objects without resourceVersion and computes range ends', () => {
    expect(JSON.parse(encodeObj({ metadata: { name: 'a', resourceVersion: '7' } }))).toEqual({ metadata: { name: 'a' } });
    expect(prefixEnd('/registry/pods/')).toBe('/registry/pods0');
  });
});

describe('watch dispatch', () => {
  const obj = (app: string, rv: number) => ({ metadata: { name: 'p', namespace: 'd', labels: { app }, resourceVersion: String(rv) } });
  const collect = (fromRev = 0) => {
    const got: string[] = [];
    const w: CacheWatcher = {
      fromRev,
      filter: (o) => o.metadata.labels?.app === 'a',
      send: (t, o) => got.push(`${t}:${o.metadata.labels?.app}`),
      expire: () => undefined,
    };
    return { w, got };
  };
  const ev = (type: CacheEvent['type'], cur: string, prev: string | undefined, rev: number): CacheEvent => ({
    type,
    rev,
    key: 'k',
    obj: obj(cur, rev),
    prev: prev ? obj(prev, rev - 1) : undefined,
  });

  it('turns selector transitions into ADDED / DELETED as upstream', () => {
    const { w, got } = collect();
    dispatch(w, ev('ADDED', 'a', undefined, 2));
    dispatch(w, ev('MODIFIED', 'a', 'a', 3));
    dispatch(w, ev('MODIFIED', 'b', 'a', 4));
    dispatch(w, ev('MODIFIED', 'b', 'b', 5));
    dispatch(w, ev('MODIFIED', 'a', 'b', 6));
    dispatch(w, ev('DELETED', 'a', 'a', 7));
    dispatch(w, ev('ADDED', 'b', undefined, 8));
    expect(got).toEqual(['ADDED:a', 'MODIFIED:a', 'DELETED:b', 'ADDED:a', 'DELETED:a']);
  });

  it('skips events at or before the watch revision', () => {
    const { w, got } = collect(3);
    dispatch(w, ev('ADDED', 'a', undefined, 3));
    dispatch(w, ev('MODIFIED', 'a', 'a', 4));
    expect(got).toEqual(['MODIFIED:a']);
  });
});

describe('patches', () => {
  it('implements RFC 7386 merge patch (appendix A cases)', () => {
    expect(mergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: 'b' }, { b: 'c' })).toEqual({ a: 'b', b: 'c' });
    expect(mergePatch({ a: 'b' }, { a: null })).toEqual({});
    expect(mergePatch({ a: 'b', b: 'c' }, { a: null })).toEqual({ b: 'c' });
    expect(mergePatch({ a: ['b'] }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } })).toEqual({ a: { b: 'd' } });
    expect(mergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(mergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
    expect(mergePatch({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });

  it('applies JSON patches and rejects malformed ones', () => {
    const o = { metadata: { name: 'x' }, spec: { replicas: 1, list: [1, 2] } };
    expect(
      applyPatch('json', o, [
        { op: 'replace', path: '/spec/replicas', value: 3 },
        { op: 'add', path: '/spec/list/-', value: 3 },
      ]).spec,
    ).toEqual({ replicas: 3, list: [1, 2, 3] });
    expect(o.spec.replicas).toBe(1);
    expect(() => applyPatch('json', o, { op: 'x' })).toThrow();
    expect(() => applyPatch('json', o, [{ op: 'test', path: '/spec/replicas', value: 9 }])).toThrow();
    expect(() => applyPatch('merge', o, [1])).toThrow();
  });

  it('applies strategic merge patches by merge key', () => {
    const o = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [
          { name: 'a', image: 'x' },
          { name: 'b', image: 'y' },
        ],
      },
    };
    const out = applyPatch('strategic', o, { spec: { containers: [{ name: 'b', image: 'z' }] } });
    expect(out.spec.containers).toEqual([
      { name: 'a', image: 'x' },
      { name: 'b', image: 'z' },
    ]);
  });
});

describe('API paths', () => {
  it.each([
    ['/api/v1/namespaces/default/pods', { r: R.pods, namespace: 'default' }],
    ['/api/v1/pods', { r: R.pods }],
    ['/api/v1/namespaces/default/pods/p1', { r: R.pods, namespace: 'default', name: 'p1' }],
    ['/api/v1/namespaces/default/pods/p1/status', { r: R.pods, namespace: 'default', name: 'p1', sub: 'status' }],
    ['/api/v1/namespaces/kube-system', { r: R.namespaces, name: 'kube-system' }],
    ['/api/v1/namespaces/x/finalize', { r: R.namespaces, name: 'x', sub: 'finalize' }],
    ['/api/v1/namespaces/x/status', { r: R.namespaces, name: 'x', sub: 'status' }],
    ['/apis/apps/v1/namespaces/d/deployments/web/scale?x=1', { r: R.deployments, namespace: 'd', name: 'web', sub: 'scale' }],
    ['/api/v1/nodes/n%3A1', { r: R.nodes, name: 'n:1' }],
    ['/api/v1/namespaces/d/bindings', { r: R.bindings, namespace: 'd' }],
    [
      '/apis/autoscaling/v1/namespaces/d/horizontalpodautoscalers/h',
      { r: kinds.lookup('autoscaling', 'v1', 'horizontalpodautoscalers'), namespace: 'd', name: 'h' },
    ],
  ])('%s', (path, expected) => {
    expect(parseApiPath(kinds, path)).toEqual(expect.objectContaining(expected));
  });

  it.each([
    '/api/v2/pods',
    '/api/v1/pods/p1',
    '/api/v1/nodes/n/binding',
    '/apis/apps/v1/pods',
    '/api/v1/namespaces/d/nodes/n',
    '/api/v1/namespaces/d/pods/p/status/x',
    '/api/v1/foos',
  ])('%s is not found', (path) => expect(parseApiPath(kinds, path)).toBeUndefined());
});

describe('flags', () => {
  it('parses upstream flag names and Go durations', () => {
    const f = parseFlags([
      '--etcd-servers',
      'http://a:1,http://b:2',
      '--secure-port=7443',
      '--bind-address',
      '127.0.0.1',
      '--etcd-compaction-interval=1m30s',
      '--v=4',
    ]);
    expect(f).toMatchObject({
      etcdServers: ['http://a:1', 'http://b:2'],
      securePort: 7443,
      bindAddress: '127.0.0.1',
      etcdPrefix: '/registry',
      serviceClusterIpRange: '10.96.0.0/12',
      serviceNodePortRange: '30000-32767',
      etcdCompactionIntervalMs: 90_000,
    });
    expect(parseFlags(['--etcd-request-timeout', '500ms']).etcdTimeoutMs).toBe(500);
    expect(() => parseFlags(['--etcd-request-timeout', '5x'])).toThrow(
      'invalid argument "5x" for "--etcd-request-timeout" flag: time: unknown unit "x" in duration "5x"',
    );
    expect(() => parseFlags(['--nope', '1'])).toThrow(/unknown flag/);
    expect(parseFlags(['--default-watch-cache-size', '100']).watchCacheSize).toBe(100);
    for (const bad of ['0', '-1', '1.5', 'lots'])
      expect(() => parseFlags(['--default-watch-cache-size', bad])).toThrow(/--default-watch-cache-size/);
  });
});

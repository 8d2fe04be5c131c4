import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  applyStrategicMergePatch,
  createThreeWayMergePatch,
  createTwoWayMergePatch,
  StrategicMergePatchError,
} from '../src/patch/strategic-merge';

// Copy of kubectl-compat's fixture pair (../shared/fixtures/strategic-merge).
const FIXTURES = join(__dirname, 'fixtures', 'strategic-merge');
const DEPLOY = { apiVersion: 'apps/v1', kind: 'Deployment' };
const POD = { apiVersion: 'v1', kind: 'Pod' };

// The patch the real kubectl v1.32 sent for before.yaml → after.yaml (kubectl-compat.md §4.5), annotation omitted.
const KUBECTL_PATCH = {
  metadata: { annotations: {}, labels: { tier: null } },
  spec: {
    strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
    template: {
      spec: {
        '$setElementOrder/containers': [{ name: 'a' }],
        '$setElementOrder/volumes': [{ name: 'v' }],
        containers: [
          {
            '$setElementOrder/env': [{ name: 'B' }],
            '$setElementOrder/ports': [{ containerPort: 81 }],
            args: ['y'],
            env: [
              { name: 'B', value: '3' },
              { $patch: 'delete', name: 'A' },
            ],
            name: 'a',
            ports: [{ $patch: 'delete', containerPort: 80 }],
          },
          { $patch: 'delete', name: 'b' },
        ],
        volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' }, emptyDir: null, name: 'v' }],
      },
    },
  },
};

function fixture(name: string): Record<string, unknown> {
  return parse(readFileSync(`${FIXTURES}/${name}`, 'utf8'));
}

/** The live object as the apiserver would store it: the manifest plus server-owned fields. */
function stored(manifest: Record<string, unknown>): Record<string, unknown> {
  const o = structuredClone(manifest) as { metadata: Record<string, unknown> };
  o.metadata = { ...o.metadata, uid: 'u-1', resourceVersion: '7', generation: 1, creationTimestamp: '2026-11-22T00:00:00Z' };
  return o;
}

describe('fixture pair (kubectl-compat §4.5)', () => {
  it('the patch kubectl sends turns the stored "before" into "after"', () => {
    const before = stored(fixture('before.yaml'));
    const result = applyStrategicMergePatch(before, KUBECTL_PATCH, DEPLOY);
    const expected = stored(fixture('after.yaml'));
    (expected.metadata as Record<string, unknown>).annotations = {};
    expect(result).toEqual(expected);
  });

  it('the three-way patch we compute equals the one kubectl sent', () => {
    const before = fixture('before.yaml');
    const after = fixture('after.yaml');
    const patch = createThreeWayMergePatch(before, after, stored(before), DEPLOY);
    const expected = structuredClone(KUBECTL_PATCH) as { metadata: Record<string, unknown> };
    delete expected.metadata.annotations;
    expect(sortDeep(patch)).toEqual(sortDeep(expected));
  });

  it('a three-way patch applied to the live object gives the new manifest plus server fields', () => {
    const before = fixture('before.yaml');
    const after = fixture('after.yaml');
    const live = stored(before);
    const patch = createThreeWayMergePatch(before, after, live, DEPLOY);
    expect(applyStrategicMergePatch(live, patch, DEPLOY)).toEqual(stored(after));
  });

  it('an unchanged manifest gives an empty patch', () => {
    const before = fixture('before.yaml');
    expect(createThreeWayMergePatch(before, before, stored(before), DEPLOY)).toEqual({});
  });
});

/** Lists of merge-keyed items are compared as sets: the order of patch items carries no meaning. */
function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, sortDeep(x)]),
    );
  return v;
}

const pod = (containers: unknown[], extra: Record<string, unknown> = {}) => ({
  ...POD,
  metadata: { name: 'p' },
  spec: { containers, ...extra },
});

describe('applyStrategicMergePatch', () => {
  const cases: Array<{ name: string; original: object; patch: object; expected: object; gvk?: object }> = [
    { name: 'null deletes a key', original: { a: 1, b: 2 }, patch: { a: null }, expected: { b: 2 } },
    {
      name: 'maps merge recursively',
      original: { m: { x: 1, y: 2 } },
      patch: { m: { y: 3, z: 4 } },
      expected: { m: { x: 1, y: 3, z: 4 } },
    },
    {
      name: 'lists without a merge key are replaced',
      original: pod([{ name: 'a', args: ['1', '2'] }]),
      patch: { spec: { containers: [{ name: 'a', args: ['3'] }] } },
      expected: pod([{ name: 'a', args: ['3'] }]),
    },
    {
      name: 'containers merge by name, new ones are appended',
      original: pod([{ name: 'a', image: 'x' }]),
      patch: {
        spec: {
          containers: [
            { name: 'a', image: 'y' },
            { name: 'b', image: 'z' },
          ],
        },
      },
      expected: pod([
        { name: 'a', image: 'y' },
        { name: 'b', image: 'z' },
      ]),
    },
    {
      name: '$patch: delete removes a list item by key',
      original: pod([{ name: 'a' }, { name: 'b' }]),
      patch: { spec: { containers: [{ name: 'a', $patch: 'delete' }] } },
      expected: pod([{ name: 'b' }]),
    },
    {
      name: '$patch: replace replaces a whole merge list',
      original: pod([{ name: 'a', image: 'x' }, { name: 'b' }]),
      patch: { spec: { containers: [{ $patch: 'replace' }, { name: 'c' }] } },
      expected: pod([{ name: 'c' }]),
    },
    {
      name: '$patch: replace on a map replaces it',
      original: { spec: { m: { a: 1 } } },
      patch: { spec: { m: { $patch: 'replace', b: 2 } } },
      expected: { spec: { m: { b: 2 } } },
    },
    {
      name: '$patch: delete on a map empties it',
      original: { m: { a: 1 }, k: 1 },
      patch: { m: { $patch: 'delete' } },
      expected: { m: {}, k: 1 },
    },
    {
      name: 'env merges by name, ports by containerPort, volumeMounts by mountPath',
      original: pod([
        {
          name: 'a',
          env: [{ name: 'A', value: '1' }],
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          volumeMounts: [{ name: 'v', mountPath: '/d' }],
        },
      ]),
      patch: {
        spec: {
          containers: [
            {
              name: 'a',
              env: [{ name: 'B', value: '2' }],
              ports: [{ containerPort: 80, name: 'http' }],
              volumeMounts: [{ mountPath: '/d', readOnly: true }],
            },
          ],
        },
      },
      expected: pod([
        {
          name: 'a',
          // a new item goes before server-only ones (upstream mergeSortedSlice); kubectl adds $setElementOrder
          env: [
            { name: 'B', value: '2' },
            { name: 'A', value: '1' },
          ],
          ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
          volumeMounts: [{ name: 'v', mountPath: '/d', readOnly: true }],
        },
      ]),
    },
    {
      name: 'tolerations are atomic',
      original: pod([], { tolerations: [{ key: 'a', operator: 'Exists' }] }),
      patch: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
      expected: pod([], { tolerations: [{ key: 'b', operator: 'Exists' }] }),
    },
    {
      name: '$setElementOrder orders the named items; server-only items interleave by live position (mergeSortedSlice)',
      original: pod([{ name: 'a' }, { name: 's' }, { name: 'b' }]),
      patch: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'b', image: 'i' }] } },
      expected: pod([{ name: 's' }, { name: 'b', image: 'i' }, { name: 'a' }]),
    },
    {
      name: 'without $setElementOrder the patch order wins (design doc: live B,C,A + patch A,B,D → C,A,B,D)',
      original: pod([{ name: 'B' }, { name: 'C' }, { name: 'A' }]),
      patch: { spec: { containers: [{ name: 'A', image: '1' }, { name: 'B', image: '2' }, { name: 'D' }] } },
      expected: pod([{ name: 'C' }, { name: 'A', image: '1' }, { name: 'B', image: '2' }, { name: 'D' }]),
    },
    {
      name: 'finalizers merge as a set; $deleteFromPrimitiveList removes',
      original: { ...POD, metadata: { name: 'p', finalizers: ['x', 'y'] } },
      patch: { metadata: { finalizers: ['z', 'x'], '$deleteFromPrimitiveList/finalizers': ['y'] } },
      expected: { ...POD, metadata: { name: 'p', finalizers: ['z', 'x'] } },
    },
    {
      name: 'ownerReferences merge by uid',
      original: { ...POD, metadata: { name: 'p', ownerReferences: [{ uid: '1', name: 'a' }] } },
      patch: { metadata: { ownerReferences: [{ uid: '2', name: 'b' }] } },
      expected: {
        ...POD,
        metadata: {
          name: 'p',
          ownerReferences: [
            { uid: '2', name: 'b' },
            { uid: '1', name: 'a' },
          ],
        },
      },
    },
    {
      name: 'Service ports merge by port',
      gvk: { apiVersion: 'v1', kind: 'Service' },
      original: { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } },
      patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
      expected: { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } },
    },
    {
      name: 'status conditions merge by type',
      original: {
        ...POD,
        metadata: { name: 'p' },
        status: {
          conditions: [
            { type: 'Ready', status: 'False' },
            { type: 'PodScheduled', status: 'True' },
          ],
        },
      },
      patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      expected: {
        ...POD,
        metadata: { name: 'p' },
        status: {
          conditions: [
            { type: 'Ready', status: 'True' },
            { type: 'PodScheduled', status: 'True' },
          ],
        },
      },
    },
    {
      name: 'unknown kinds replace lists (merge-patch semantics)',
      gvk: { apiVersion: 'example.com/v1', kind: 'Foo' },
      original: { spec: { containers: [{ name: 'a' }] } },
      patch: { spec: { containers: [{ name: 'b' }] } },
      expected: { spec: { containers: [{ name: 'b' }] } },
    },
    {
      name: 'new values are added without directives or nulls',
      original: pod([]),
      patch: {
        spec: {
          volumes: [
            { name: 'v', emptyDir: {}, hostPath: null },
            { name: 'w', $patch: 'delete' },
          ],
        },
      },
      expected: pod([], { volumes: [{ name: 'v', emptyDir: {} }] }),
    },
  ];
  it.each(cases)('$name', ({ original, patch, expected, gvk }) => {
    const before = structuredClone(original);
    expect(applyStrategicMergePatch(original, patch, gvk)).toEqual(expected);
    expect(original).toEqual(before);
  });

  it.each([
    [{ $patch: 'explode' }, /unknown patch type/],
    [{ $bogus: 1 }, /unknown patch directive/],
    [{ spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, /merge key "name"/],
    [{ spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }, /retainKeys/],
  ])('rejects malformed patch %j', (patch, msg) => {
    expect(() =>
      applyStrategicMergePatch({ ...DEPLOY, metadata: {}, spec: { template: { spec: { containers: [] } } } }, patch, DEPLOY),
    ).toThrow(msg);
    try {
      applyStrategicMergePatch({ metadata: {} }, patch, DEPLOY);
    } catch (e) {
      expect(e).toBeInstanceOf(StrategicMergePatchError);
    }
  });
});

describe('createTwoWayMergePatch', () => {
  const cases: Array<{ name: string; original: object; modified: object; expected: object }> = [
    { name: 'no change', original: pod([{ name: 'a' }]), modified: pod([{ name: 'a' }]), expected: {} },
    { name: 'removed field → null', original: { a: 1, b: 2 }, modified: { a: 1 }, expected: { b: null } },
    {
      name: 'changed container image carries the merge key and the order',
      original: pod([
        { name: 'a', image: 'x' },
        { name: 'b', image: 'y' },
      ]),
      modified: pod([
        { name: 'a', image: 'x' },
        { name: 'b', image: 'z' },
      ]),
      expected: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'b', image: 'z' }] } },
    },
    {
      name: 'removed container → $patch: delete',
      original: pod([{ name: 'a' }, { name: 'b' }]),
      modified: pod([{ name: 'a' }]),
      expected: { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'b', $patch: 'delete' }] } },
    },
    {
      name: 'primitive set lists get additions and $deleteFromPrimitiveList',
      original: { ...POD, metadata: { finalizers: ['x', 'y'] } },
      modified: { ...POD, metadata: { finalizers: ['x', 'z'] } },
      expected: {
        metadata: { finalizers: ['z'], '$deleteFromPrimitiveList/finalizers': ['y'], '$setElementOrder/finalizers': ['x', 'z'] },
      },
    },
  ];
  it.each(cases)('$name', ({ original, modified, expected }) => {
    const patch = createTwoWayMergePatch(original, modified);
    expect(patch).toEqual(expected);
    expect(applyStrategicMergePatch(original, patch)).toEqual(modified);
  });
});

describe('createThreeWayMergePatch', () => {
  it('keeps fields other writers set (not in last-applied) and drops fields the user removed', () => {
    const lastApplied = { ...DEPLOY, metadata: { name: 'w', labels: { app: 'w', old: 'x' } }, spec: { replicas: 2 } };
    const live = {
      ...DEPLOY,
      metadata: { name: 'w', uid: 'u', labels: { app: 'w', old: 'x', added: 'by-someone' } },
      spec: { replicas: 5, paused: false },
    };
    const modified = { ...DEPLOY, metadata: { name: 'w', labels: { app: 'w' } }, spec: { replicas: 3 } };
    const patch = createThreeWayMergePatch(lastApplied, modified, live);
    expect(patch).toEqual({ metadata: { labels: { old: null } }, spec: { replicas: 3 } });
    expect(applyStrategicMergePatch(live, patch)).toEqual({
      ...DEPLOY,
      metadata: { name: 'w', uid: 'u', labels: { app: 'w', added: 'by-someone' } },
      spec: { replicas: 3, paused: false },
    });
  });

  it('re-adds a field changed on the server back to the manifest value', () => {
    const m = { ...DEPLOY, metadata: { name: 'w' }, spec: { replicas: 2 } };
    const live = { ...m, spec: { replicas: 4 } };
    expect(createThreeWayMergePatch(m, m, live)).toEqual({ spec: { replicas: 2 } });
  });
});

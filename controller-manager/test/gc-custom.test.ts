// The garbage collector's view of a CustomResourceDefinition: which resource it watches for owners and
// dependents, table-driven.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@minik8s/shared';
import { customResourceType } from '../src/controllers/garbagecollector/decide';

const crd = (over: Record<string, unknown> = {}, established = 'True'): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'foos.samplecontroller.k8s.io' },
  spec: {
    group: 'samplecontroller.k8s.io',
    scope: 'Namespaced',
    names: { kind: 'Foo', plural: 'foos' },
    versions: [
      { name: 'v1alpha1', served: true, storage: false },
      { name: 'v1', served: true, storage: true },
    ],
    ...over,
  },
  status: { conditions: [{ type: 'Established', status: established }] },
});

describe('the resource a CRD serves, for the garbage collector', () => {
  it.each<[string, KubeObject, Record<string, unknown> | undefined]>([
    [
      'an Established CRD, at its storage version',
      crd(),
      {
        group: 'samplecontroller.k8s.io',
        version: 'v1',
        kind: 'Foo',
        resource: 'foos',
        namespaced: true,
        singular: 'foo',
        listKind: 'FooList',
      },
    ],
    ['cluster-scoped', crd({ scope: 'Cluster' }), { namespaced: false }],
    ['not Established yet', crd({}, 'False'), undefined],
    [
      'the storage version not served: another served one',
      crd({
        versions: [
          { name: 'v1', served: false, storage: true },
          { name: 'v2', served: true },
        ],
      }),
      { version: 'v2' },
    ],
    ['no served version', crd({ versions: [{ name: 'v1', served: false, storage: true }] }), undefined],
  ])('%s', (_name, c, want) => {
    const rt = customResourceType(c);
    if (want === undefined) expect(rt).toBeUndefined();
    else expect(rt).toMatchObject(want);
  });
});

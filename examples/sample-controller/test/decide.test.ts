// The sample-controller's pure decisions, table-driven.
import { describe, expect, it } from 'vitest';
import { fooKeyOf, isControlledBy, newDeployment, replicasToSet, statusToWrite, type Deployment, type Foo } from '../src/decide';

const foo = (replicas?: number, available?: number): Foo => ({
  apiVersion: 'samplecontroller.k8s.io/v1alpha1',
  kind: 'Foo',
  metadata: { name: 'example-foo', namespace: 'ns', uid: 'u-1' },
  spec: { deploymentName: 'web', replicas },
  ...(available === undefined ? {} : { status: { availableReplicas: available } }),
});

describe('the Deployment a Foo wants', () => {
  it('is owned by the Foo (controller, blockOwnerDeletion), labelled and sized as upstream', () => {
    const d = newDeployment(foo(3), { image: 'nginx:latest' });
    expect(d.metadata).toEqual({
      name: 'web',
      namespace: 'ns',
      ownerReferences: [
        {
          apiVersion: 'samplecontroller.k8s.io/v1alpha1',
          kind: 'Foo',
          name: 'example-foo',
          uid: 'u-1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    expect(d.spec?.replicas).toBe(3);
    expect(d.spec?.selector).toEqual({ matchLabels: { app: 'nginx', controller: 'example-foo' } });
    expect(d.spec?.template.spec?.containers).toEqual([{ name: 'nginx', image: 'nginx:latest' }]);
    expect(newDeployment(foo(1), { image: 'busybox', command: ['sleep', '9'] }).spec?.template.spec?.containers[0].command).toEqual([
      'sleep',
      '9',
    ]);
  });
});

describe('ownership', () => {
  const owned = newDeployment(foo(1), { image: 'x' });
  it.each<[string, Deployment, string | undefined, boolean]>([
    ['owned by the Foo', owned, 'ns/example-foo', true],
    ['no owner', { ...owned, metadata: { name: 'web', namespace: 'ns' } }, undefined, false],
    [
      'owned by a ReplicaSet',
      {
        ...owned,
        metadata: {
          ...owned.metadata,
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid: 'u-1', controller: true }],
        },
      },
      undefined,
      true,
    ],
    [
      'another Foo of the same name (other uid)',
      { ...owned, metadata: { ...owned.metadata, ownerReferences: [{ ...owned.metadata.ownerReferences![0], uid: 'u-2' }] } },
      'ns/example-foo',
      false,
    ],
    [
      'a non-controller reference only',
      { ...owned, metadata: { ...owned.metadata, ownerReferences: [{ ...owned.metadata.ownerReferences![0], controller: false }] } },
      undefined,
      false,
    ],
  ])('%s', (_name, d, key, controlled) => {
    expect(fooKeyOf(d)).toBe(key);
    expect(isControlledBy(d, foo(1))).toBe(controlled);
  });
});

describe('replicas and status', () => {
  const dep = (replicas: number, available?: number): Deployment => ({
    ...newDeployment(foo(replicas), { image: 'x' }),
    status: available === undefined ? {} : { availableReplicas: available },
  });
  it.each<[string, Foo, Deployment, number | undefined, Foo['status']]>([
    ['in step', foo(2, 2), dep(2, 2), undefined, undefined],
    ['scale up, status behind', foo(3, 2), dep(2, 2), 3, undefined],
    ['status to catch up', foo(2, 0), dep(2, 2), undefined, { availableReplicas: 2 }],
    ['no status yet reads as 0', foo(1), dep(1), undefined, { availableReplicas: 0 }],
    ['replicas unset: the Deployment keeps its own', foo(undefined, 1), dep(4, 1), undefined, undefined],
  ])('%s', (_name, f, d, replicas, status) => {
    expect(replicasToSet(f, d)).toBe(replicas);
    expect(statusToWrite(f, d)).toEqual(status);
  });
});

// NodeRestriction's pure decisions (upstream's noderestriction admission tests, in table form).
import { describe, expect, it } from 'vitest';
import { forbiddenNodeLabels, nodeRestriction, type NodeRequest } from '../src/kinds/core/noderestriction/rules';

const pod = (nodeName: string | undefined, extra: Record<string, unknown> = {}) => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'pod-uid', labels: { app: 'a' }, ...extra },
  spec: { nodeName, containers: [{ name: 'c', image: 'i' }] },
});
const mirror = (spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({
  metadata: { name: 'm', namespace: 'ns', annotations: { 'kubernetes.io/config.mirror': 'x' }, ...meta },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }], ...spec },
});
const node = (name: string, labels: Record<string, string> = {}, taints?: unknown[]) => ({ metadata: { name, labels }, spec: { taints } });
const req = (r: Partial<NodeRequest>): NodeRequest => ({
  operation: 'UPDATE',
  resource: 'pods',
  subresource: '',
  namespace: 'ns',
  name: 'p',
  obj: {},
  ...r,
});

describe('NodeRestriction', () => {
  it.each<[string, NodeRequest, Record<string, unknown>, string | undefined]>([
    // pods
    [
      'a regular pod',
      req({ operation: 'CREATE', obj: pod('n1') }),
      {},
      'pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods',
    ],
    ['a mirror pod bound to itself', req({ operation: 'CREATE', obj: mirror() }), {}, undefined],
    [
      'a mirror pod bound to another node',
      req({ operation: 'CREATE', obj: mirror({ nodeName: 'n2' }) }),
      {},
      'node "n1" can only create pods with spec.nodeName set to itself',
    ],
    [
      'a mirror pod naming a secret',
      req({ operation: 'CREATE', obj: mirror({ volumes: [{ name: 'v', secret: { secretName: 's' } }] }) }),
      {},
      'node "n1" can not create pods that reference secrets',
    ],
    [
      'a mirror pod with a service account',
      req({ operation: 'CREATE', obj: mirror({ serviceAccountName: 'sa' }) }),
      {},
      'node "n1" can not create pods that reference a service account',
    ],
    [
      'a mirror pod owned by its node (uid checked)',
      req({
        operation: 'CREATE',
        obj: mirror({}, { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'u1', controller: true }] }),
      }),
      { nodeUid: 'u2' },
      'node n1 UID mismatch: expected u1 got u2',
    ],
    [
      'an update of a pod',
      req({ obj: pod('n1'), old: pod('n1') }),
      {},
      'unexpected operation "UPDATE", node "n1" can only create and delete mirror pods',
    ],
    ['a delete of its pod', req({ operation: 'DELETE', obj: pod('n1'), old: pod('n1') }), {}, undefined],
    [
      'a delete of another pod',
      req({ operation: 'DELETE', obj: pod('n2'), old: pod('n2') }),
      {},
      'node "n1" can only delete pods with spec.nodeName set to itself',
    ],
    ['status of its pod', req({ subresource: 'status', obj: pod('n1'), old: pod('n1') }), {}, undefined],
    [
      'status of another pod',
      req({ subresource: 'status', obj: pod('n2'), old: pod('n2') }),
      {},
      'node "n1" can only update pod status for pods with spec.nodeName set to itself',
    ],
    [
      'labels through status',
      req({ subresource: 'status', obj: pod('n1', { labels: { app: 'b' } }), old: pod('n1') }),
      {},
      'node "n1" cannot update labels through pod status',
    ],
    ['eviction of its pod', req({ operation: 'CREATE', subresource: 'eviction', obj: {} }), { pod: pod('n1') }, undefined],
    [
      'eviction of another pod',
      req({ operation: 'CREATE', subresource: 'eviction', obj: {} }),
      { pod: pod('n2') },
      'node n1 can only evict pods with spec.nodeName set to itself',
    ],
    // nodes
    [
      'create itself',
      req({ operation: 'CREATE', resource: 'nodes', name: 'n1', obj: node('n1', { 'kubernetes.io/hostname': 'n1' }) }),
      {},
      undefined,
    ],
    [
      'create another node',
      req({ operation: 'CREATE', resource: 'nodes', name: 'n2', obj: node('n2') }),
      {},
      'node "n1" is not allowed to modify node "n2"',
    ],
    [
      'create itself with a restricted label',
      req({ operation: 'CREATE', resource: 'nodes', name: 'n1', obj: node('n1', { 'node-restriction.kubernetes.io/pci': 'yes' }) }),
      {},
      'node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/pci',
    ],
    [
      'patch another node',
      req({ resource: 'nodes', subresource: 'status', name: 'n2', obj: node('n2'), old: node('n2') }),
      {},
      'node "n1" is not allowed to modify node "n2"',
    ],
    [
      'change its taints',
      req({ resource: 'nodes', name: 'n1', obj: node('n1'), old: node('n1', {}, [{ key: 'k', effect: 'NoSchedule' }]) }),
      {},
      'node "n1" is not allowed to modify taints',
    ],
    [
      'change a kubernetes.io label',
      req({ resource: 'nodes', name: 'n1', obj: node('n1', { 'node-role.kubernetes.io/control-plane': '' }), old: node('n1') }),
      {},
      'is not allowed to modify labels: node-role.kubernetes.io/control-plane',
    ],
    [
      'change its own labels',
      req({ resource: 'nodes', name: 'n1', obj: node('n1', { 'node.kubernetes.io/x': '1', team: 'a' }), old: node('n1') }),
      {},
      undefined,
    ],
    // leases
    [
      'its lease',
      req({
        operation: 'CREATE',
        resource: 'coordination.k8s.io/leases',
        namespace: 'kube-node-lease',
        name: 'n1',
        obj: { metadata: { name: 'n1' } },
      }),
      {},
      undefined,
    ],
    [
      'another lease',
      req({
        operation: 'CREATE',
        resource: 'coordination.k8s.io/leases',
        namespace: 'kube-node-lease',
        name: 'n2',
        obj: { metadata: { name: 'n2' } },
      }),
      {},
      'can only access node lease with the same name as the requesting node',
    ],
    // tokens
    [
      'a token bound to its pod',
      req({
        operation: 'CREATE',
        resource: 'serviceaccounts',
        subresource: 'token',
        obj: { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'pod-uid' } } },
      }),
      { pod: pod('n1') },
      undefined,
    ],
    [
      'a token bound to a pod elsewhere',
      req({
        operation: 'CREATE',
        resource: 'serviceaccounts',
        subresource: 'token',
        obj: { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'pod-uid' } } },
      }),
      { pod: pod('n2') },
      'node requested token bound to a pod scheduled on a different node',
    ],
    [
      'an unbound token',
      req({ operation: 'CREATE', resource: 'serviceaccounts', subresource: 'token', obj: { spec: {} } }),
      {},
      'node requested token not bound to a pod',
    ],
    ['anything else', req({ operation: 'CREATE', resource: 'events', obj: {} }), {}, undefined],
  ])('%s', (_what, r, ctx, want) => {
    expect(nodeRestriction('n1', r, ctx)).toBe(want);
  });

  it('forbidden labels: restricted prefix, unknown kubernetes.io/k8s.io keys; kubelet labels and other domains pass', () => {
    expect(
      forbiddenNodeLabels({
        'kubernetes.io/hostname': 'n1',
        'topology.kubernetes.io/zone': 'z',
        'kubelet.kubernetes.io/x': '1',
        'a.node.kubernetes.io/y': '1',
        'example.com/z': '1',
        'foo.k8s.io/w': '1',
        'x.node-restriction.kubernetes.io/v': '1',
      }),
    ).toEqual(['foo.k8s.io/w', 'x.node-restriction.kubernetes.io/v']);
  });
});

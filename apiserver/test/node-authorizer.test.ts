// The Node authorizer's pure parts: the graph of pods bound to nodes and what they name, and the
// decisions a node identity gets (upstream's node_authorizer_test cases, in table form).
import { describe, expect, it } from 'vitest';
import { requestInfo } from '../src/auth/request-info';
import { NodeGraph } from '../src/auth/node-graph';
import { authorizeNode, nodeIdentity } from '../src/auth/node-authorizer';
import type { Attributes, UserInfo } from '../src/auth/types';

const node1: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

function graph(): NodeGraph {
  const g = new NodeGraph();
  g.setPod({
    metadata: { name: 'web', namespace: 'ns' },
    spec: {
      nodeName: 'n1',
      serviceAccountName: 'runner',
      imagePullSecrets: [{ name: 'pull' }],
      containers: [
        {
          name: 'c',
          envFrom: [{ secretRef: { name: 'env-all' } }, { configMapRef: { name: 'cm-all' } }],
          env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'env-one', key: 'k' } } }],
        },
      ],
      initContainers: [{ name: 'i', env: [{ name: 'C', valueFrom: { configMapKeyRef: { name: 'init-cm', key: 'k' } } }] }],
      volumes: [
        { name: 's', secret: { secretName: 'vol-secret' } },
        { name: 'p', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'kube-root-ca.crt' } }] } },
        { name: 'd', persistentVolumeClaim: { claimName: 'data' } },
      ],
    },
  });
  g.setPod({
    metadata: { name: 'other', namespace: 'ns' },
    spec: { nodeName: 'n2', containers: [], volumes: [{ name: 's', secret: { secretName: 'n2-secret' } }] },
  });
  g.setPod({
    metadata: { name: 'pending', namespace: 'ns' },
    spec: { containers: [], volumes: [{ name: 's', secret: { secretName: 'unbound' } }] },
  });
  g.setClaim({ metadata: { name: 'data', namespace: 'ns' }, spec: { volumeName: 'pv-1' } });
  g.setVolume({
    metadata: { name: 'pv-1' },
    spec: { csi: { driver: 'd', volumeHandle: 'h', nodePublishSecretRef: { name: 'csi-secret', namespace: 'storage' } } },
  });
  return g;
}

const req = (method: string, url: string, user = node1): Attributes => {
  const { apiPrefix: _p, parts: _q, ...info } = requestInfo(method, url);
  return { ...info, user };
};

describe('NodeGraph', () => {
  const g = graph();
  it.each([
    ['secret', 'ns', 'pull', true],
    ['secret', 'ns', 'env-all', true],
    ['secret', 'ns', 'env-one', true],
    ['secret', 'ns', 'vol-secret', true],
    ['secret', 'ns', 'proj-secret', true],
    ['secret', 'storage', 'csi-secret', true],
    ['secret', 'ns', 'n2-secret', false],
    ['secret', 'ns', 'unbound', false],
    ['secret', 'other-ns', 'pull', false],
    ['configmap', 'ns', 'cm-all', true],
    ['configmap', 'ns', 'init-cm', true],
    ['configmap', 'ns', 'kube-root-ca.crt', true],
    ['pvc', 'ns', 'data', true],
    ['pv', '', 'pv-1', true],
    ['pv', '', 'pv-2', false],
    ['serviceaccount', 'ns', 'runner', true],
    ['serviceaccount', 'ns', 'default', false],
    ['pod', 'ns', 'web', true],
    ['pod', 'ns', 'other', false],
  ] as const)('n1 → %s %s/%s: %s', (kind, ns, name, want) => {
    expect(g.hasPath('n1', kind, ns, name)).toBe(want);
  });

  it('forgets a deleted pod, and a pod that moves takes its edges along; shared edges are counted', () => {
    const h = graph();
    h.setPod({
      metadata: { name: 'web2', namespace: 'ns' },
      spec: { nodeName: 'n1', containers: [], imagePullSecrets: [{ name: 'pull' }] },
    });
    h.deletePod('ns', 'web');
    expect(h.hasPath('n1', 'secret', 'ns', 'pull')).toBe(true);
    expect(h.hasPath('n1', 'secret', 'ns', 'vol-secret')).toBe(false);
    expect(h.hasPath('n1', 'secret', 'storage', 'csi-secret')).toBe(false);
    h.setPod({
      metadata: { name: 'web2', namespace: 'ns' },
      spec: { nodeName: 'n2', containers: [], imagePullSecrets: [{ name: 'pull' }] },
    });
    expect(h.hasPath('n1', 'secret', 'ns', 'pull')).toBe(false);
    expect(h.hasPath('n2', 'secret', 'ns', 'pull')).toBe(true);
  });

  it('a claim unbound from its volume no longer leads to it', () => {
    const h = graph();
    h.setClaim({ metadata: { name: 'data', namespace: 'ns' }, spec: {} });
    expect(h.hasPath('n1', 'pv', '', 'pv-1')).toBe(false);
    h.reset('pods');
    expect(h.hasPath('n1', 'secret', 'ns', 'pull')).toBe(false);
  });
});

describe('Node authorizer', () => {
  const g = graph();
  it.each([
    // graph-restricted reads
    ['GET', '/api/v1/namespaces/ns/secrets/vol-secret', 'allow', ''],
    ['GET', '/api/v1/namespaces/ns/secrets/n2-secret', 'no-opinion', "no relationship found between node 'n1' and this object"],
    ['GET', '/api/v1/namespaces/ns/secrets?fieldSelector=metadata.name%3Dpull&watch=1', 'allow', ''],
    ['GET', '/api/v1/namespaces/ns/secrets', 'no-opinion', 'can only read individual resources of this type'],
    ['PUT', '/api/v1/namespaces/ns/secrets/pull', 'no-opinion', 'can only read resources of this type'],
    ['GET', '/api/v1/namespaces/ns/configmaps/kube-root-ca.crt', 'allow', ''],
    ['GET', '/api/v1/namespaces/ns/configmaps/other', 'no-opinion', "no relationship found between node 'n1' and this object"],
    ['GET', '/api/v1/namespaces/ns/persistentvolumeclaims/data', 'allow', ''],
    ['GET', '/api/v1/namespaces/ns/persistentvolumeclaims', 'no-opinion', 'can only get individual resources of this type'],
    ['PATCH', '/api/v1/namespaces/ns/persistentvolumeclaims/data/status', 'allow', ''],
    ['GET', '/api/v1/persistentvolumes/pv-1', 'allow', ''],
    ['GET', '/api/v1/persistentvolumes/pv-2', 'no-opinion', "no relationship found between node 'n1' and this object"],
    ['POST', '/api/v1/namespaces/ns/serviceaccounts/runner/token', 'allow', ''],
    [
      'POST',
      '/api/v1/namespaces/ns/serviceaccounts/default/token',
      'no-opinion',
      "no relationship found between node 'n1' and this object",
    ],
    ['GET', '/api/v1/namespaces/ns/serviceaccounts/runner', 'no-opinion', 'can only create tokens for individual service accounts'],
    // leases
    ['PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1', 'allow', ''],
    ['POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', 'allow', ''],
    [
      'PUT',
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2',
      'no-opinion',
      'can only access node lease with the same name as the requesting node',
    ],
    [
      'GET',
      '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/n1',
      'no-opinion',
      'can only access leases in the kube-node-lease namespace',
    ],
    [
      'GET',
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
      'no-opinion',
      'can only get, create, update, patch, or delete a node lease',
    ],
    // the node rules
    ['GET', '/api/v1/services?watch=1', 'allow', ''],
    ['GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1', 'allow', ''],
    ['PATCH', '/api/v1/namespaces/ns/pods/web/status', 'allow', ''],
    ['POST', '/api/v1/namespaces/ns/pods/web/eviction', 'allow', ''],
    ['POST', '/api/v1/namespaces/ns/events', 'allow', ''],
    ['PATCH', '/api/v1/nodes/n1/status', 'allow', ''],
    ['GET', '/api/v1/namespaces/ns/endpoints/x', 'allow', ''],
    ['POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', 'allow', ''],
    ['PUT', '/api/v1/namespaces/ns/pods/web', 'no-opinion', ''],
    ['POST', '/api/v1/namespaces/ns/pods/web/exec', 'no-opinion', ''],
    ['DELETE', '/api/v1/nodes/n2', 'no-opinion', ''],
    ['GET', '/apis/apps/v1/deployments', 'no-opinion', ''],
    ['GET', '/healthz', 'no-opinion', ''],
  ])('%s %s → %s', (method, url, decision, reason) => {
    expect(authorizeNode(g, req(method, url))).toEqual({ decision, reason });
  });

  it('has no opinion on users that are not nodes', () => {
    const notNode: UserInfo = { name: 'system:node:n1', groups: ['system:authenticated'] };
    expect(authorizeNode(g, req('GET', '/api/v1/namespaces/ns/secrets/vol-secret', notNode)).decision).toBe('no-opinion');
    const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:nodes'] };
    expect(nodeIdentity(admin)).toBeUndefined();
    expect(authorizeNode(g, req('GET', '/api/v1/services', { name: 'system:node:', groups: ['system:nodes'] }))).toEqual({
      decision: 'no-opinion',
      reason: 'unknown node for user "system:node:"',
    });
  });
});

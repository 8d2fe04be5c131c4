import { describe, expect, it } from 'vitest';
import { addQuantities, chargeQuota, compareQuantities, objectUsage, podConstraintError, podUsage, totalUsage, type QuotaObject, type ResourceQuota } from '../src';

const now = new Date('2026-01-01T00:00:00Z');
const pod = (containers: { name: string; requests?: Record<string, string>; limits?: Record<string, string> }[], extra: Partial<QuotaObject> = {}): QuotaObject => ({
  metadata: { name: 'p' },
  spec: { containers: containers.map((c) => ({ name: c.name, resources: { requests: c.requests, limits: c.limits } })) },
  ...extra,
});
const quota = (hard: Record<string, string>, used?: Record<string, string>, scopes?: string[]): ResourceQuota => ({
  metadata: { name: 'q', namespace: 'ns' },
  spec: { hard, ...(scopes ? { scopes } : {}) },
  ...(used ? { status: { hard, used } } : {}),
});

describe('quantity sums', () => {
  it.each([
    ['100m', '400m', '500m'],
    ['1', '500m', '1500m'],
    ['128Mi', '128Mi', '256Mi'],
    ['0', '64Mi', '64Mi'],
    [undefined, '2', '2'],
    ['1Gi', '512Mi', '1536Mi'],
  ])('%s + %s = %s', (a, b, sum) => expect(addQuantities(a, b)).toBe(sum));
  it.each([
    ['1', '1000m', 0],
    ['1Gi', '1G', 1],
    ['500m', '1', -1],
  ])('compare %s %s', (a, b, c) => expect(compareQuantities(a, b)).toBe(c));
});

describe('usage of one object', () => {
  it.each<[string, QuotaObject, Record<string, string>]>([
    ['a running pod', pod([{ name: 'a', requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } }, { name: 'b', requests: { cpu: '300m' } }]), {
      'count/pods': '1', pods: '1', cpu: '400m', 'requests.cpu': '400m', memory: '64Mi', 'requests.memory': '64Mi', 'limits.cpu': '200m', 'limits.memory': '128Mi',
    }],
    ['a finished pod counts as an object only', pod([{ name: 'a', requests: { cpu: '1' } }], { status: { phase: 'Succeeded' } }), { 'count/pods': '1' }],
    ['a pod past its deletion grace', pod([{ name: 'a' }], { metadata: { deletionTimestamp: '2025-12-31T23:59:00Z', deletionGracePeriodSeconds: 30 } }), { 'count/pods': '1' }],
    ['a pod within its deletion grace', pod([{ name: 'a' }], { metadata: { deletionTimestamp: '2025-12-31T23:59:59Z', deletionGracePeriodSeconds: 30 } }), { 'count/pods': '1', pods: '1' }],
  ])('%s', (_n, p, want) => expect(podUsage(p, now)).toEqual(want));

  it('an init container larger than the containers sets the pod total', () => {
    const p = pod([{ name: 'a', requests: { cpu: '100m' } }]);
    p.spec.initContainers = [{ name: 'i', resources: { requests: { cpu: '1' } } }];
    expect(podUsage(p, now)['requests.cpu']).toBe('1');
  });

  it.each<[string, string, QuotaObject, Record<string, string>]>([
    ['', 'configmaps', {}, { 'count/configmaps': '1', configmaps: '1' }],
    ['', 'services', { spec: { type: 'NodePort', ports: [{}, {}] } }, { 'count/services': '1', services: '1', 'services.nodeports': '2' }],
    ['', 'persistentvolumeclaims', { spec: { storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } } }, {
      'count/persistentvolumeclaims': '1', persistentvolumeclaims: '1', 'requests.storage': '1Gi',
      'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1', 'gold.storageclass.storage.k8s.io/requests.storage': '1Gi',
    }],
    ['apps', 'deployments', {}, { 'count/deployments.apps': '1' }],
  ])('%s %s', (g, r, o, want) => expect(objectUsage(g, r, o, now)).toEqual(want));
});

describe('pod constraints', () => {
  it.each<[string, QuotaObject, string[], string | undefined]>([
    ['all stated', pod([{ name: 'a', requests: { cpu: '1' }, limits: { cpu: '1' } }]), ['requests.cpu', 'limits.cpu'], undefined],
    ['missing limits', pod([{ name: 'b' }, { name: 'a', requests: { cpu: '1' } }]), ['requests.cpu', 'limits.cpu', 'pods'], 'must specify limits.cpu for: a,b; requests.cpu for: b'],
    ['cpu means requests', pod([{ name: 'a' }]), ['cpu'], 'must specify cpu for: a'],
    ['counts need nothing', pod([{ name: 'a' }]), ['pods', 'count/pods'], undefined],
  ])('%s', (_n, p, tracked, want) => expect(podConstraintError(p, tracked)).toBe(want));
});

describe('charging a quota', () => {
  const small = pod([{ name: 'c', requests: { cpu: '500m', memory: '64Mi' }, limits: { cpu: '500m', memory: '64Mi' } }]);
  it.each<[string, ResourceQuota, string, string, QuotaObject, unknown]>([
    ['within the quota', quota({ pods: '2', 'requests.cpu': '1' }, { pods: '1', 'requests.cpu': '250m' }), '', 'pods', small, { kind: 'charge', used: { pods: '2', 'requests.cpu': '750m' } }],
    ['over the pod count', quota({ pods: '1' }, { pods: '1' }), '', 'pods', small, { kind: 'refuse', message: 'exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1' }],
    ['over two resources', quota({ pods: '5', 'requests.cpu': '1', 'requests.memory': '100Mi' }, { pods: '0', 'requests.cpu': '750m', 'requests.memory': '64Mi' }), '', 'pods', small, {
      kind: 'refuse', message: 'exceeded quota: q, requested: requests.cpu=500m,requests.memory=64Mi, used: requests.cpu=750m,requests.memory=64Mi, limited: requests.cpu=1,requests.memory=100Mi',
    }],
    ['a pod without the tracked limits', quota({ 'limits.memory': '1Gi' }, { 'limits.memory': '0' }), '', 'pods', pod([{ name: 'c' }]), { kind: 'refuse', message: 'failed quota: q: must specify limits.memory for: c' }],
    ['usage not yet known', quota({ pods: '1' }), '', 'pods', small, { kind: 'refuse', message: 'status unknown for quota: q, resources: pods' }],
    ['a kind the quota does not track', quota({ pods: '1' }, { pods: '1' }), '', 'configmaps', {}, { kind: 'untracked' }],
    ['count/ of a group kind', quota({ 'count/deployments.apps': '1' }, { 'count/deployments.apps': '1' }), 'apps', 'deployments', {}, {
      kind: 'refuse', message: 'exceeded quota: q, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1',
    }],
    ['claims by storage', quota({ 'requests.storage': '1Gi' }, { 'requests.storage': '768Mi' }), '', 'persistentvolumeclaims', { spec: { resources: { requests: { storage: '512Mi' } } } }, {
      kind: 'refuse', message: 'exceeded quota: q, requested: requests.storage=512Mi, used: requests.storage=768Mi, limited: requests.storage=1Gi',
    }],
    ['a BestEffort quota ignores a pod with requests', quota({ pods: '1' }, { pods: '1' }, ['BestEffort']), '', 'pods', small, { kind: 'untracked' }],
    ['a BestEffort quota counts a pod without', quota({ pods: '1' }, { pods: '1' }, ['BestEffort']), '', 'pods', pod([{ name: 'c' }]), { kind: 'refuse', message: 'exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1' }],
  ])('%s', (_n, q, g, r, o, want) => expect(chargeQuota(q, g, r, o, now)).toEqual(want));
});

describe('a namespace total', () => {
  it('sums what each hard resource counts, 0 for the unused', () => {
    const q = quota({ pods: '10', 'requests.memory': '1Gi', 'count/configmaps': '5', secrets: '3' });
    const used = totalUsage(q, q.spec!.hard!, [
      { group: '', resource: 'pods', items: [pod([{ name: 'a', requests: { memory: '128Mi' } }]), pod([{ name: 'b', requests: { memory: '128Mi' } }]), pod([{ name: 'c', requests: { memory: '1Gi' } }], { status: { phase: 'Failed' } })] },
      { group: '', resource: 'configmaps', items: [{}, {}] },
    ], now);
    expect(used).toEqual({ pods: '2', 'requests.memory': '256Mi', 'count/configmaps': '2', secrets: '0' });
  });
});

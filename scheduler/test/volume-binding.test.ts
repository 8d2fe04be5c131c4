// The VolumeBinding plugin: which nodes a pod's claims allow, the plan for the chosen node, and the
// FailedScheduling messages as upstream words them.
import { describe, expect, it } from 'vitest';
import type { Claim, core, StorageClass, Volume } from '@minik8s/shared';
import { fitErrorMessage, schedulePod } from '../src/algorithm';
import { defaultConfig } from '../src/config';
import { buildSnapshot } from '../src/model';
import { planVolumes, podClaims, type VolumeView } from '../src/plugins/volume-binding';
import { node, pod } from './fixtures';

const claim = (name: string, spec: Partial<Claim['spec']> = {}, annotations?: Record<string, string>): Claim => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local', ...spec },
  status: { phase: spec.volumeName ? 'Bound' : 'Pending' },
});
const onNode = (n: string): Partial<Volume['spec']> => ({
  nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } },
});
const pv = (name: string, spec: Partial<Volume['spec']> = {}, phase = 'Available'): Volume => ({
  metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local', local: { path: `/mnt/${name}` }, ...spec },
  status: { phase },
});
const sc = (name: string, provisioner: string, wffc = true, allowedTopologies?: StorageClass['allowedTopologies']): StorageClass => ({
  metadata: { name },
  provisioner,
  volumeBindingMode: wffc ? 'WaitForFirstConsumer' : 'Immediate',
  allowedTopologies,
});
const CLASSES = [sc('local', 'kubernetes.io/no-provisioner'), sc('standard', 'minik8s.io/local-path'), sc('net', 'example.com/nfs', false), sc('zoned', 'minik8s.io/local-path', true, [{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }])];

function view(claims: Claim[], volumes: Volume[] = [], assumed: [string, string][] = []): VolumeView {
  return {
    claim: (ns, name) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === name),
    volume: (name) => volumes.find((v) => v.metadata.name === name),
    volumes: () => volumes,
    storageClass: (name) => CLASSES.find((c) => c.metadata.name === name),
    assumedVolumes: new Map(assumed),
    assumedProvisions: new Map(),
  };
}
const nodes = [node('n1', { labels: { 'kubernetes.io/hostname': 'n1', zone: 'a' } }), node('n2', { labels: { 'kubernetes.io/hostname': 'n2', zone: 'b' } })];
const withClaims = (...names: string[]): core.Pod => pod('p', { spec: { volumes: names.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) } });

function schedule(p: core.Pod, v: VolumeView): string {
  const snap = { ...buildSnapshot(nodes, []), volumes: v };
  const r = schedulePod(p, snap, defaultConfig().profiles[0], () => 0.99); // ties keep the first node
  return 'fitError' in r ? fitErrorMessage(r.fitError) : r.node;
}

describe('VolumeBinding placement', () => {
  const preempt = 'preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.';
  it.each<[string, core.Pod, VolumeView, string]>([
    ['a pod without claims goes anywhere', pod('p'), view([]), 'n1'],
    ['a missing claim', withClaims('nope'), view([]), `0/2 nodes are available: persistentvolumeclaim "nope" not found. ${preempt}`],
    ['an unbound claim of an Immediate class waits for the binder', withClaims('c'), view([claim('c', { storageClassName: 'net' })]), `0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. ${preempt}`],
    ['a claim being deleted', withClaims('c'), view([{ ...claim('c'), metadata: { ...claim('c').metadata, deletionTimestamp: 'now' } }]), `0/2 nodes are available: persistentvolumeclaim "c" is being deleted. ${preempt}`],
    ['a bound claim follows its volume\'s node affinity', withClaims('c'), view([claim('c', { volumeName: 'pv-2' })], [pv('pv-2', onNode('n2'), 'Bound')]), 'n2'],
    ['a bound claim whose volume is gone', withClaims('c'), view([claim('c', { volumeName: 'gone' })]), `0/2 nodes are available: 2 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s). ${preempt}`],
    ['a bound claim whose volume no node reaches', withClaims('c'), view([claim('c', { volumeName: 'pv-3' })], [pv('pv-3', onNode('n3'), 'Bound')]), `0/2 nodes are available: 2 node(s) had volume node affinity conflict. ${preempt}`],
    ['an unbound local claim goes where a matching volume is', withClaims('c'), view([claim('c')], [pv('small', onNode('n1'), 'Bound'), pv('free', onNode('n2'))]), 'n2'],
    ['a local claim no volume can satisfy', withClaims('c'), view([claim('c', { resources: { requests: { storage: '10Gi' } } })], [pv('small', onNode('n1'))]), `0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind. ${preempt}`],
    ['a volume assumed for another pod is not handed out again', withClaims('c'), view([claim('c')], [pv('free', onNode('n2'))], [['free', 'default/other']]), `0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind. ${preempt}`],
    ['a provisioning class goes anywhere', withClaims('c'), view([claim('c', { storageClassName: 'standard' })]), 'n1'],
    ['allowedTopologies restrict provisioning', withClaims('c'), view([claim('c', { storageClassName: 'zoned' })]), 'n1'],
    ['a claim already provisioned for a node keeps the pod there', withClaims('c'), view([claim('c', { storageClassName: 'standard' }, { 'volume.kubernetes.io/selected-node': 'n2' })]), 'n2'],
  ])('%s', (_n, p, v, want) => expect(schedule(p, v)).toBe(want));

  it('words a claim no node can satisfy as upstream, next to other reasons', () => {
    const p = withClaims('c');
    const tainted = [nodes[0], node('n2', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] })];
    const snap = { ...buildSnapshot(tainted, []), volumes: view([claim('c', { resources: { requests: { storage: '10Gi' } } })]) };
    const r = schedulePod(p, snap, defaultConfig().profiles[0]);
    expect('fitError' in r && fitErrorMessage(r.fitError)).toBe(
      "0/2 nodes are available: 1 node(s) didn't find available persistent volumes to bind, 1 node(s) had untolerated taint {k: v}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    );
  });
});

describe('planVolumes', () => {
  it('takes the smallest matching volume per claim, largest claim first, never one volume twice', () => {
    const claims = [claim('small'), claim('big', { resources: { requests: { storage: '2Gi' } } })];
    const vols = [pv('v1', { ...onNode('n1'), capacity: { storage: '2Gi' } }), pv('v2', { ...onNode('n1'), capacity: { storage: '3Gi' } }), pv('v3', onNode('n1'))];
    const v = view(claims, vols);
    const sorted = podClaims(withClaims('small', 'big'), v);
    if ('code' in sorted) throw new Error('unexpected');
    const r = planVolumes(sorted, nodes[0], v);
    if ('reasons' in r) throw new Error(r.reasons.join());
    expect(r.plan.bindings.map((b) => `${b.claim.metadata.name}→${b.volume.metadata.name}`)).toEqual(['big→v1', 'small→v3']);
    expect(r.plan.provisions).toEqual([]);
  });
  it('provisions what no volume matches when the class can', () => {
    const v = view([claim('c', { storageClassName: 'standard' })]);
    const sorted = podClaims(withClaims('c'), v);
    if ('code' in sorted) throw new Error('unexpected');
    const r = planVolumes(sorted, nodes[1], v);
    expect('plan' in r && r.plan.provisions.map((c) => c.metadata.name)).toEqual(['c']);
  });
});

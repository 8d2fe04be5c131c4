// The storage rules the PV controller, the scheduler, the provisioner and the kubelet share.
import { describe, expect, it } from 'vitest';
import {
  accessModesString,
  claimClass,
  claimHasClass,
  defaultClass,
  findMatchingVolume,
  podClaimNames,
  volumePinnedNode,
  type Claim,
  type StorageClass,
  type Volume,
} from '@minik8s/shared';

function pv(name: string, size: string, extra: Partial<Volume['spec']> = {}, more: { labels?: Record<string, string>; phase?: string; deleting?: boolean } = {}): Volume {
  return {
    metadata: { name, labels: more.labels, ...(more.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/data/${name}` }, ...extra },
    status: { phase: more.phase ?? 'Available' },
  };
}

function pvc(size: string, extra: Partial<Claim['spec']> = {}, annotations?: Record<string, string>): Claim {
  return {
    metadata: { name: 'data', namespace: 'ns', uid: 'u-1', annotations },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...extra },
  };
}

const node = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } } });
const pinned = (n: string): Partial<Volume['spec']> => ({
  nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } },
});

describe('findMatchingVolume (the PV controller path)', () => {
  const cases: [string, Claim, Volume[], string | undefined][] = [
    ['the smallest volume that is big enough', pvc('1Gi'), [pv('big', '10Gi'), pv('small', '512Mi'), pv('fit', '2Gi')], 'fit'],
    ['capacity in other units compares as bytes', pvc('1G'), [pv('a', '1000Mi'), pv('b', '953Mi')], 'a'],
    ['none big enough', pvc('5Gi'), [pv('a', '1Gi')], undefined],
    ['access modes must all be offered', pvc('1Gi', { accessModes: ['ReadWriteMany'] }), [pv('rwo', '1Gi'), pv('rwx', '5Gi', { accessModes: ['ReadWriteOnce', 'ReadWriteMany'] })], 'rwx'],
    ['the class must match', pvc('1Gi', { storageClassName: 'fast' }), [pv('none', '1Gi'), pv('fast', '2Gi', { storageClassName: 'fast' })], 'fast'],
    ['no class matches only classless volumes', pvc('1Gi', { storageClassName: '' }), [pv('fast', '1Gi', { storageClassName: 'fast' })], undefined],
    ['the selector filters by labels', pvc('1Gi', { selector: { matchLabels: { tier: 'db' } } }), [pv('a', '1Gi'), pv('b', '2Gi', {}, { labels: { tier: 'db' } })], 'b'],
    ['an unparsable selector selects nothing', pvc('1Gi', { selector: { matchExpressions: [{ key: 'k', operator: 'Bogus' }] } }), [pv('a', '1Gi')], undefined],
    ['volume modes must agree', pvc('1Gi', { volumeMode: 'Block' }), [pv('fs', '1Gi'), pv('blk', '1Gi', { volumeMode: 'Block' })], 'blk'],
    ['only Available volumes', pvc('1Gi'), [pv('rel', '1Gi', {}, { phase: 'Released' }), pv('ok', '3Gi')], 'ok'],
    ['volumes being deleted are skipped', pvc('1Gi'), [pv('del', '1Gi', {}, { deleting: true })], undefined],
    ['a volume pre-bound to another claim is skipped', pvc('1Gi'), [pv('other', '1Gi', { claimRef: { namespace: 'ns', name: 'other' } })], undefined],
    ['a volume pre-bound to this claim wins over a smaller one', pvc('1Gi'), [pv('small', '1Gi'), pv('mine', '9Gi', { claimRef: { namespace: 'ns', name: 'data' } }, { phase: 'Available' })], 'mine'],
    ['a claimRef with another uid is another claim', pvc('1Gi'), [pv('old', '1Gi', { claimRef: { namespace: 'ns', name: 'data', uid: 'u-0' } })], undefined],
    ['a request that is not a quantity matches nothing', pvc('lots'), [pv('a', '1Gi')], undefined],
  ];
  it.each(cases)('%s', (_n, claim, volumes, want) => expect(findMatchingVolume(claim, volumes)?.metadata.name).toBe(want));

  it('leaves unbound volumes to the scheduler for WaitForFirstConsumer claims, but not pre-bound ones', () => {
    expect(findMatchingVolume(pvc('1Gi'), [pv('a', '1Gi')], { delayBinding: true })).toBeUndefined();
    expect(findMatchingVolume(pvc('1Gi'), [pv('a', '1Gi', { claimRef: { namespace: 'ns', name: 'data' } })], { delayBinding: true })?.metadata.name).toBe('a');
  });

  it('excludes volumes already taken', () => {
    expect(findMatchingVolume(pvc('1Gi'), [pv('a', '1Gi'), pv('b', '2Gi')], { excluded: new Set(['a']) })?.metadata.name).toBe('b');
  });
});

describe('findMatchingVolume (the scheduler path, with a node)', () => {
  it('takes only volumes whose node affinity the node matches', () => {
    const vols = [pv('on-1', '1Gi', pinned('n1')), pv('on-2', '1Gi', pinned('n2'))];
    expect(findMatchingVolume(pvc('1Gi'), vols, { node: node('n2'), delayBinding: true })?.metadata.name).toBe('on-2');
    expect(findMatchingVolume(pvc('1Gi'), vols, { node: node('n3'), delayBinding: true })).toBeUndefined();
  });
  it('a pre-bound volume out of the node\'s reach means no match', () => {
    const vols = [pv('mine', '1Gi', { ...pinned('n1'), claimRef: { namespace: 'ns', name: 'data' } }), pv('other', '1Gi', pinned('n2'))];
    expect(findMatchingVolume(pvc('1Gi'), vols, { node: node('n2') })).toBeUndefined();
  });
});

describe('classes and modes', () => {
  it('reads the claim class from the beta annotation first', () => {
    expect(claimClass(pvc('1Gi', { storageClassName: 'a' }, { 'volume.beta.kubernetes.io/storage-class': 'b' }))).toBe('b');
    expect(claimClass(pvc('1Gi'))).toBe('');
    expect(claimHasClass(pvc('1Gi'))).toBe(false);
    expect(claimHasClass(pvc('1Gi', { storageClassName: '' }))).toBe(true);
  });
  it('picks the newest default class, then the first by name', () => {
    const sc = (name: string, at: string, def = true): StorageClass => ({
      metadata: { name, creationTimestamp: at, annotations: def ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} },
      provisioner: 'p',
    });
    expect(defaultClass([sc('old', '2024-01-01T00:00:00Z'), sc('new', '2024-02-01T00:00:00Z'), sc('newest', '2024-03-01T00:00:00Z', false)])?.metadata.name).toBe('new');
    expect(defaultClass([sc('b', '2024-01-01T00:00:00Z'), sc('a', '2024-01-01T00:00:00Z')])?.metadata.name).toBe('a');
    expect(defaultClass([sc('x', '2024-01-01T00:00:00Z', false)])).toBeUndefined();
  });
  it.each<[string[], string]>([
    [['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'], 'RWO,RWX'],
    [['ReadWriteOncePod'], 'RWOP'],
    [['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce'], 'RWO,ROX,RWX'],
    [[], ''],
  ])('access modes %j print as %s', (modes, want) => expect(accessModesString(modes)).toBe(want));
  it('finds the node a local volume is pinned to', () => {
    expect(volumePinnedNode(pv('a', '1Gi', pinned('n1')))).toBe('n1');
    expect(volumePinnedNode(pv('a', '1Gi'))).toBeUndefined();
  });
  it('lists the claims of a pod', () => {
    expect(podClaimNames({ spec: { containers: [], volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', persistentVolumeClaim: { claimName: 'c1' } }] } })).toEqual(['c1']);
  });
});

// The PV binder's decisions (syncClaim / syncVolume), the storage protection decisions and the
// StatefulSet claim templates, table-driven.
import { describe, expect, it } from 'vitest';
import type { Claim, Pod, StorageClass, Volume } from '@minik8s/shared';
import { boundClaim, boundVolume, claimStatus, syncClaim, syncVolume, unboundVolume, type ClaimStep, type ClaimWorld } from '../src/controllers/persistentvolume/binder';
import { claimInUse, finalizerStep, volumeInUse } from '../src/controllers/storageprotection/logic';
import { claimOwnerRefs, claimsForOrdinal, podVolumes } from '../src/controllers/statefulset/logic';

const claim = (spec: Partial<Claim['spec']> = {}, annotations?: Record<string, string>, status?: Claim['status']): Claim => ({
  metadata: { name: 'data', namespace: 'ns', uid: 'c-1', resourceVersion: '7', annotations },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  status: status ?? { phase: 'Pending' },
});
const volume = (name: string, spec: Partial<Volume['spec']> = {}, phase = 'Available', annotations?: Record<string, string>): Volume => ({
  metadata: { name, annotations },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: `/d/${name}` }, ...spec },
  status: { phase },
});
const sc = (name: string, provisioner: string, wffc = false, isDefault = false): StorageClass => ({
  metadata: { name, creationTimestamp: '2024-01-01T00:00:00Z', annotations: isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} },
  provisioner,
  volumeBindingMode: wffc ? 'WaitForFirstConsumer' : 'Immediate',
});
function world(volumes: Volume[] = [], classes: StorageClass[] = [], pods: string[] = []): ClaimWorld {
  return {
    volumes,
    volume: (n) => volumes.find((v) => v.metadata.name === n),
    storageClass: (n) => classes.find((c) => c.metadata.name === n),
    defaultClass: classes.find((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true'),
    unscheduledPods: pods,
  };
}
/** The steps in short: "bind pv1", "phase Pending", "event Normal FailedBinding: ...". */
const short = (steps: ClaimStep[]) =>
  steps.map((s) =>
    s.do === 'bind' ? `bind ${s.volume.metadata.name}` : s.do === 'phase' ? `phase ${s.phase}${s.event ? ` (${s.event.reason})` : ''}` : s.do === 'event' ? `event ${s.event.type} ${s.event.reason}: ${s.event.message}` : s.do === 'defaultClass' ? `class ${s.className}` : `provisioner ${s.provisioner}`,
  );

describe('syncClaim', () => {
  const local = sc('local', 'kubernetes.io/no-provisioner', true);
  const standard = sc('standard', 'minik8s.io/local-path', true, true);
  const immediate = sc('net', 'example.com/nfs');
  it.each<[string, Claim, ClaimWorld, string[]]>([
    ['binds the smallest matching volume', claim(), world([volume('big', { capacity: { storage: '5Gi' } }), volume('pv1')]), ['bind pv1']],
    ['no class and nothing matches', claim({ storageClassName: '' }), world([volume('small', { capacity: { storage: '1Mi' } })]), ['event Normal FailedBinding: no persistent volumes available for this claim and no storage class is set', 'phase Pending']],
    ['a classless claim gets the default class first', claim(), world([], [standard]), ['class standard']],
    ['WaitForFirstConsumer waits for a consumer', claim({ storageClassName: 'standard' }), world([], [standard]), ['event Normal WaitForFirstConsumer: waiting for first consumer to be created before binding', 'phase Pending']],
    ['... or for its pod to be scheduled', claim({ storageClassName: 'standard' }), world([], [standard], ['web-0']), ['event Normal WaitForPodScheduled: waiting for pod web-0 to be scheduled', 'phase Pending']],
    ['WaitForFirstConsumer leaves unbound volumes to the scheduler', claim({ storageClassName: 'local' }), world([volume('pv1', { storageClassName: 'local' })], [local]), ['event Normal WaitForFirstConsumer: waiting for first consumer to be created before binding', 'phase Pending']],
    [
      'once the scheduler picked a node, the external provisioner is asked',
      claim({ storageClassName: 'standard' }, { 'volume.kubernetes.io/selected-node': 'n1' }),
      world([], [standard]),
      ['provisioner minik8s.io/local-path', "event Normal ExternalProvisioning: Waiting for a volume to be created either by the external provisioner 'minik8s.io/local-path' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."],
    ],
    ['Immediate classes provision at once, annotated once', claim({ storageClassName: 'net' }, { 'volume.kubernetes.io/storage-provisioner': 'example.com/nfs' }), world([], [immediate]), [expect.stringContaining('event Normal ExternalProvisioning') as unknown as string]],
    ['a class that does not exist', claim({ storageClassName: 'gold' }), world(), ['event Warning ProvisioningFailed: storageclass.storage.k8s.io "gold" not found']],
    ['an in-tree provisioner does not exist here', claim({ storageClassName: 'local' }, { 'volume.kubernetes.io/selected-node': 'n1' }), world([], [local]), ['event Warning ProvisioningFailed: no volume plugin matched name: kubernetes.io/no-provisioner']],
    ['a named volume that does not exist yet', claim({ volumeName: 'pv9' }), world(), ['phase Pending']],
    ['a named free volume', claim({ volumeName: 'pv1' }), world([volume('pv1')]), ['bind pv1']],
    ['a named volume too small', claim({ volumeName: 'pv1', resources: { requests: { storage: '2Gi' } } }), world([volume('pv1')]), ['event Warning VolumeMismatch: Cannot bind to requested volume "pv1": requested PV is too small', 'phase Pending']],
    ['a named volume of another claim', claim({ volumeName: 'pv1' }), world([volume('pv1', { claimRef: { namespace: 'ns', name: 'other', uid: 'x' } }, 'Bound')]), ['event Warning FailedBinding: volume "pv1" already bound to a different claim.', 'phase Pending']],
    ['a volume pre-bound to the claim', claim(), world([volume('pv1', { claimRef: { namespace: 'ns', name: 'data' } })]), ['bind pv1']],
    ['a bound claim whose volume is gone', claim({ volumeName: 'pv1' }, { 'pv.kubernetes.io/bind-completed': 'yes' }, { phase: 'Bound' }), world(), ['phase Lost (ClaimLost)']],
    ['a bound claim whose volume has another claimant', claim({ volumeName: 'pv1' }, { 'pv.kubernetes.io/bind-completed': 'yes' }, { phase: 'Bound' }), world([volume('pv1', { claimRef: { namespace: 'ns', name: 'data', uid: 'c-0' } }, 'Bound')]), ['phase Lost (ClaimMisbound)']],
    ['a bound claim, all well', claim({ volumeName: 'pv1' }, { 'pv.kubernetes.io/bind-completed': 'yes' }, { phase: 'Bound' }), world([volume('pv1', { claimRef: { namespace: 'ns', name: 'data', uid: 'c-1' } }, 'Bound')]), ['bind pv1']],
  ])('%s', (_n, c, w, want) => expect(short(syncClaim(c, w))).toEqual(want));

  it('refuses a binding that should never exist', () => {
    const c = claim({ volumeName: 'pv1' }, { 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(() => syncClaim(c, world([volume('pv1', { claimRef: { namespace: 'ns', name: 'other', uid: 'x' } }, 'Bound')]))).toThrow(/volume already claimed by "ns\/other"/);
  });
});

describe('syncVolume', () => {
  const bound = (extra: Partial<Volume['spec']> = {}, phase = 'Bound', annotations?: Record<string, string>) => volume('pv1', { claimRef: { namespace: 'ns', name: 'data', uid: 'c-1' }, ...extra }, phase, annotations);
  const short = (steps: ReturnType<typeof syncVolume>) => steps.map((s) => (s.do === 'phase' ? `phase ${s.phase}${s.event ? ` (${s.event.reason})` : ''}` : s.do === 'event' ? `event ${s.event.reason}` : s.do === 'syncClaim' ? `sync ${s.key}` : s.do));
  it.each<[string, Volume, Claim | undefined, string[]]>([
    ['unused: Available', volume('pv1', {}, 'Pending'), undefined, ['phase Available']],
    ['pre-bound, not yet taken: Available', volume('pv1', { claimRef: { namespace: 'ns', name: 'data' } }, 'Pending'), undefined, ['phase Available']],
    ['bound both ways: Bound', bound({}, 'Available'), claim({ volumeName: 'pv1' }), ['phase Bound']],
    ['claim gone, Retain: Released, kept', bound(), undefined, ['phase Released']],
    ['claim recreated with another uid: Released', bound(), { ...claim({ volumeName: 'pv1' }), metadata: { ...claim().metadata, uid: 'c-2' } }, ['phase Released']],
    ['already Released: nothing more', bound({}, 'Released'), undefined, []],
    ['Delete by an external provisioner: Released, left to it', bound({ persistentVolumeReclaimPolicy: 'Delete' }, 'Bound', { 'pv.kubernetes.io/provisioned-by': 'minik8s.io/local-path' }), undefined, ['phase Released']],
    ['Delete with no provisioner: Failed', bound({ persistentVolumeReclaimPolicy: 'Delete' }), undefined, ['phase Released', 'phase Failed (VolumeFailedDelete)']],
    ['Recycle: Failed', bound({ persistentVolumeReclaimPolicy: 'Recycle' }), undefined, ['phase Released', 'phase Failed (VolumeFailedRecycle)']],
    ['the claim has not finished binding: sync it', bound(), claim(), ['sync ns/data']],
    ['the claim is bound elsewhere, the controller bound it: unbind', bound({}, 'Bound', { 'pv.kubernetes.io/bound-by-controller': 'yes' }), claim({ volumeName: 'pv2' }), ['unbind']],
    ['the claim is bound elsewhere, a provisioned Delete volume: Released', bound({ persistentVolumeReclaimPolicy: 'Delete' }, 'Bound', { 'pv.kubernetes.io/provisioned-by': 'x.io/p' }), claim({ volumeName: 'pv2' }), ['phase Released']],
    ['volume modes differ: an event, no binding', bound({ volumeMode: 'Block' }), claim(), ['event VolumeMismatch']],
  ])('%s', (_n, v, c, want) => expect(short(syncVolume(v, c))).toEqual(want));
});

describe('what binding writes', () => {
  it('points the volume at the claim (with uid and resourceVersion) and marks it bound by the controller', () => {
    const v = boundVolume(volume('pv1'), claim())!;
    expect(v.spec?.claimRef).toEqual({ kind: 'PersistentVolumeClaim', namespace: 'ns', name: 'data', uid: 'c-1', apiVersion: 'v1', resourceVersion: '7' });
    expect(v.metadata.annotations).toEqual({ 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(boundVolume(v, claim())).toBeUndefined();
  });
  it('a user pre-binding keeps no bound-by-controller annotation', () => {
    const v = boundVolume(volume('pv1', { claimRef: { namespace: 'ns', name: 'data' } }), claim())!;
    expect(v.metadata.annotations).toBeUndefined();
    expect(v.spec?.claimRef?.uid).toBe('c-1');
  });
  it('names the volume in the claim and completes the binding', () => {
    const c = boundClaim(claim(), volume('pv1'))!;
    expect(c.spec?.volumeName).toBe('pv1');
    expect(c.metadata.annotations).toEqual({ 'pv.kubernetes.io/bound-by-controller': 'yes', 'pv.kubernetes.io/bind-completed': 'yes' });
    expect(boundClaim(c, volume('pv1'))).toBeUndefined();
  });
  it('the claim status takes the volume modes, and the capacity only when it becomes bound', () => {
    const v = volume('pv1', { capacity: { storage: '2Gi' } });
    expect(claimStatus(claim(), 'Bound', v)).toEqual({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });
    expect(claimStatus(claim({}, undefined, { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '3Gi' } }), 'Bound', v)).toBeUndefined();
    expect(claimStatus(claim({}, undefined, { phase: 'Bound', accessModes: ['ReadWriteOnce'] }), 'Lost')).toEqual({ phase: 'Lost' });
  });
  it('unbinding drops the controller\'s binding, or only the uid of a user\'s pre-binding', () => {
    const mine = unboundVolume(volume('pv1', { claimRef: { namespace: 'ns', name: 'data', uid: 'c-1' } }, 'Bound', { 'pv.kubernetes.io/bound-by-controller': 'yes' }));
    expect(mine.spec?.claimRef).toBeUndefined();
    expect(mine.metadata.annotations).toBeUndefined();
    const users = unboundVolume(volume('pv1', { claimRef: { namespace: 'ns', name: 'data', uid: 'c-1' } }, 'Bound'));
    expect(users.spec?.claimRef).toEqual({ namespace: 'ns', name: 'data' });
  });
});

describe('storage object in-use protection', () => {
  const pod = (name: string, nodeName: string | undefined, phase = 'Running', claimName = 'data'): Pod => ({
    metadata: { name, namespace: 'ns' },
    spec: { nodeName, containers: [], volumes: [{ name: 'v', persistentVolumeClaim: { claimName } }] },
    status: { phase },
  });
  it.each<[string, Pod[], boolean]>([
    ['a running pod uses it', [pod('a', 'n1')], true],
    ['a pod not scheduled yet does not', [pod('a', undefined)], false],
    ['a finished pod does not', [pod('a', 'n1', 'Succeeded')], false],
    ['a pod using another claim does not', [pod('a', 'n1', 'Running', 'other')], false],
  ])('%s', (_n, pods, want) => expect(claimInUse(claim(), pods)).toBe(want));
  it('adds the finalizer to live objects, removes it from deleted ones once unused', () => {
    const f = 'kubernetes.io/pvc-protection';
    const live = claim();
    const deleting = { ...claim(), metadata: { ...claim().metadata, deletionTimestamp: 'now', finalizers: [f] } };
    expect(finalizerStep(live, f, () => false)).toBe('add');
    expect(finalizerStep({ ...live, metadata: { ...live.metadata, finalizers: [f] } }, f, () => false)).toBe('keep');
    expect(finalizerStep(deleting, f, () => true)).toBe('keep');
    expect(finalizerStep(deleting, f, () => false)).toBe('remove');
    expect(volumeInUse(volume('pv1', {}, 'Bound'))).toBe(true);
    expect(volumeInUse(volume('pv1', {}, 'Released'))).toBe(false);
  });
});

describe('StatefulSet claim templates', () => {
  const set = (whenDeleted = 'Retain', whenScaled = 'Retain') => ({
    apiVersion: 'apps/v1' as const,
    kind: 'StatefulSet' as const,
    metadata: { name: 'db', namespace: 'ns', uid: 'set-1' },
    spec: {
      selector: { matchLabels: { app: 'db' } },
      serviceName: 'db',
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [] } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled },
      volumeClaimTemplates: [{ metadata: { name: 'data', labels: { tier: 'storage' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  });
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-2', uid: 'pod-2' } };
  it('names an ordinal\'s claims <template>-<set>-<ordinal>, labelled with the selector', () => {
    const [c] = claimsForOrdinal(set(), 2);
    expect(c.metadata).toMatchObject({ name: 'data-db-2', namespace: 'ns', labels: { tier: 'storage', app: 'db' } });
    expect(c.spec?.resources?.requests?.storage).toBe('1Gi');
  });
  it('gives the pod a volume per template, replacing the template volume of the same name', () => {
    expect(podVolumes(set(), 1, [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }])).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'data-db-1' } },
      { name: 'cfg', configMap: { name: 'c' } },
    ]);
  });
  it.each<[string, string, string, boolean, string[]]>([
    ['Retain/Retain: nobody', 'Retain', 'Retain', false, []],
    ['whenDeleted Delete: the set', 'Delete', 'Retain', false, ['StatefulSet db']],
    ['whenScaled Delete, in range: nobody', 'Retain', 'Delete', false, []],
    ['whenScaled Delete, scaled down: the pod', 'Retain', 'Delete', true, ['Pod db-2']],
    ['Delete/Delete, scaled down: the pod, not the set', 'Delete', 'Delete', true, ['Pod db-2']],
  ])('%s', (_n, whenDeleted, whenScaled, scaledDown, want) => {
    const [c] = claimsForOrdinal(set(whenDeleted, whenScaled), 2);
    const refs = claimOwnerRefs(c, set(whenDeleted, whenScaled), pod, scaledDown) ?? [];
    expect(refs.map((r) => `${r.kind} ${r.name}`)).toEqual(want);
    expect(refs.every((r) => r.controller === true && r.blockOwnerDeletion === true)).toBe(true);
  });
  it('keeps references to others and answers undefined when nothing changes', () => {
    const [c] = claimsForOrdinal(set('Delete'), 2);
    c.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'x-1' }];
    const refs = claimOwnerRefs(c, set('Delete'), pod, false)!;
    expect(refs.map((r) => r.uid)).toEqual(['x-1', 'set-1']);
    expect(claimOwnerRefs({ ...c, metadata: { ...c.metadata, ownerReferences: refs } }, set('Delete'), pod, false)).toBeUndefined();
  });
});

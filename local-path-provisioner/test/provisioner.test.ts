// The local-path provisioner's decisions (table-driven), its path confinement, and its filesystem side on
// a temporary root: volume directories made world-writable, removed only inside the root (symlinks and
// paths that lead out of it refused, nothing outside touched).
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Claim, StorageClass, Volume } from '@minik8s/shared';
import { deleteDecision, provisionDecision, provisionedVolume, type Me } from '../src/decide';
import { FlagError, parseFlags } from '../src/flags';
import { makeVolumeDir, removeVolumeDir } from '../src/fs';
import { volumeDirName, volumeDirOf } from '../src/paths';

const UID = '0b9a3c1e-5d2f-4a6b-8c7d-9e0f1a2b3c4d';
const me: Me = { provisioner: 'minik8s.io/local-path', node: 'node-1', root: '/var/lib/minik8s/local-path' };
const GiB = 1024 ** 3;

function claim(spec: Partial<Claim['spec']> = {}, annotations: Record<string, string> = {}): Claim {
  return {
    metadata: {
      name: 'data',
      namespace: 'default',
      uid: UID,
      resourceVersion: '12',
      annotations: { 'volume.kubernetes.io/storage-provisioner': 'minik8s.io/local-path', 'volume.kubernetes.io/selected-node': 'node-1', ...annotations },
    },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard', ...spec },
  };
}
const standard: StorageClass = { metadata: { name: 'standard' }, provisioner: 'minik8s.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' };

describe('provisionDecision', () => {
  const short = (d: ReturnType<typeof provisionDecision>) => (d.do === 'fail' ? `fail${d.reschedule ? ' (reschedule)' : ''}: ${d.message}` : d.do);
  it.each<[string, Claim, StorageClass | undefined, number, string]>([
    ['a claim placed on this node', claim(), standard, 10 * GiB, 'provision'],
    ['a claim placed on another node', claim({}, { 'volume.kubernetes.io/selected-node': 'node-2' }), standard, 10 * GiB, 'skip'],
    ['not placed yet (WaitForFirstConsumer)', { ...claim(), metadata: { ...claim().metadata, annotations: { 'volume.kubernetes.io/storage-provisioner': 'minik8s.io/local-path' } } }, standard, 10 * GiB, 'skip'],
    ['for another provisioner', claim({}, { 'volume.kubernetes.io/storage-provisioner': 'example.com/nfs' }), standard, 10 * GiB, 'skip'],
    ['a class of another provisioner', claim(), { ...standard, provisioner: 'example.com/nfs' }, 10 * GiB, 'skip'],
    ['already bound', claim({ volumeName: 'pv1' }), standard, 10 * GiB, 'skip'],
    ['ReadWriteMany', claim({ accessModes: ['ReadWriteMany'] }), standard, 10 * GiB, 'fail: failed to provision volume with StorageClass "standard": minik8s.io/local-path only supports the ReadWriteOnce and ReadWriteOncePod access modes'],
    ['a block volume', claim({ volumeMode: 'Block' }), standard, 10 * GiB, 'fail: failed to provision volume with StorageClass "standard": minik8s.io/local-path only provisions Filesystem volumes'],
    ['a selector', claim({ selector: { matchLabels: { a: 'b' } } }), standard, 10 * GiB, 'fail: failed to provision volume with StorageClass "standard": claim Selector is not supported'],
    [
      'more than the node has',
      claim({ resources: { requests: { storage: '1Pi' } } }),
      standard,
      37 * GiB + 123,
      'fail (reschedule): failed to provision volume with StorageClass "standard": insufficient capacity on node "node-1": requested 1Pi, 37Gi available under /var/lib/minik8s/local-path',
    ],
    [
      'an Immediate class',
      { ...claim(), metadata: { ...claim().metadata, annotations: { 'volume.kubernetes.io/storage-provisioner': 'minik8s.io/local-path' } } },
      { ...standard, volumeBindingMode: 'Immediate' },
      10 * GiB,
      'fail: failed to provision volume with StorageClass "standard": minik8s.io/local-path needs volumeBindingMode WaitForFirstConsumer: a local volume lives on the node its first pod is scheduled to',
    ],
  ])('%s', (_n, c, sc, free, want) => expect(short(provisionDecision(c, sc, me, () => free))).toBe(want));

  it('makes a hostPath volume on this node, bound to the claim, with the class reclaim policy', () => {
    const pv = provisionedVolume(claim(), standard, me, `${me.root}/${volumeDirName(claim())}`);
    expect(pv.metadata).toEqual({ name: `pvc-${UID}`, annotations: { 'pv.kubernetes.io/provisioned-by': 'minik8s.io/local-path' } });
    expect(pv.spec).toMatchObject({
      capacity: { storage: '1Gi' },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'standard',
      claimRef: { namespace: 'default', name: 'data', uid: UID },
      hostPath: { path: `/var/lib/minik8s/local-path/pvc-${UID}_default_data`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }] }] } },
    });
  });
});

describe('deleteDecision', () => {
  const pv = (path: string, over: { node?: string; phase?: string; policy?: string; by?: string } = {}): Volume => ({
    metadata: { name: 'pv', uid: 'pv-uid', annotations: { 'pv.kubernetes.io/provisioned-by': over.by ?? 'minik8s.io/local-path' } },
    spec: {
      persistentVolumeReclaimPolicy: over.policy ?? 'Delete',
      hostPath: { path },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [over.node ?? 'node-1'] }] }] } },
    },
    status: { phase: over.phase ?? 'Released' },
  });
  const ours = `${me.root}/pvc-${UID}_default_data`;
  const short = (d: ReturnType<typeof deleteDecision>) => (d.do === 'delete' ? `delete ${d.dir}` : d.do === 'refuse' ? `refuse: ${d.message}` : 'skip');
  it.each<[string, Volume, string]>([
    ['a released volume of ours', pv(ours), `delete pvc-${UID}_default_data`],
    ['still bound', pv(ours, { phase: 'Bound' }), 'skip'],
    ['Retain', pv(ours, { policy: 'Retain' }), 'skip'],
    ['on another node', pv(ours, { node: 'node-2' }), 'skip'],
    ['made by another provisioner', pv(ours, { by: 'example.com/nfs' }), 'skip'],
    ['a host path outside the root', pv('/etc'), `refuse: refusing to delete volume "pv": "/etc" is not a volume directory of this provisioner under ${me.root}`],
    ['the root itself', pv(me.root), `refuse: refusing to delete volume "pv": "${me.root}" is not a volume directory of this provisioner under ${me.root}`],
    ['a path leading out with ..', pv(`${me.root}/pvc-${UID}_default_data/../../../../etc`), expect.stringContaining('refuse:') as unknown as string],
    ['a path only textually inside', pv(`${me.root}-evil/pvc-${UID}`), expect.stringContaining('refuse:') as unknown as string],
    ['another directory under the root', pv(`${me.root}/other`), expect.stringContaining('refuse:') as unknown as string],
  ])('%s', (_n, v, want) => expect(short(deleteDecision(v, me))).toEqual(want));
});

describe('paths', () => {
  it('names a volume pvc-<uid>_<namespace>_<name>, shorter when that would be too long', () => {
    expect(volumeDirName(claim())).toBe(`pvc-${UID}_default_data`);
    const long = { ...claim(), metadata: { ...claim().metadata, name: 'x'.repeat(253) } };
    expect(volumeDirName(long)).toBe(`pvc-${UID}`);
    expect(() => volumeDirName({ ...claim(), metadata: { ...claim().metadata, uid: '../../etc' } })).toThrow();
    expect(volumeDirOf('/r', `/r/pvc-${UID}`)).toEqual({ name: `pvc-${UID}` });
  });
});

describe('flags', () => {
  it('needs a node name and a clean absolute root', () => {
    expect(parseFlags(['--node-name', 'node-1'], {})).toMatchObject({ nodeName: 'node-1', root: '/var/lib/minik8s/local-path', provisionerName: 'minik8s.io/local-path', healthPort: 8080 });
    expect(parseFlags([], { NODE_NAME: 'n2' }).nodeName).toBe('n2');
    expect(() => parseFlags([], {})).toThrow(FlagError);
    expect(() => parseFlags(['--node-name', 'n', '--root', 'relative'], {})).toThrow('--root');
    expect(() => parseFlags(['--node-name', 'n', '--root', '/a/../b'], {})).toThrow('--root');
    expect(() => parseFlags(['--node-name', 'n', '--root', '/'], {})).toThrow('--root');
    expect(() => parseFlags(['--node-name', 'n', '--provisioner-name', 'bad name!'], {})).toThrow('--provisioner-name');
  });
});

describe('volume directories on disk', () => {
  const base = mkdtempSync(join(tmpdir(), 'minik8s-lpp-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, 'precious'), 'keep me');
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const name = `pvc-${UID}_default_data`;

  it('makes a world-writable directory and removes it with its content (links inside removed, not followed)', async () => {
    const p = await makeVolumeDir(root, name);
    expect(statSync(p).mode & 0o777).toBe(0o777);
    expect(await makeVolumeDir(root, name)).toBe(p); // idempotent
    writeFileSync(join(p, 'file'), 'data');
    mkdirSync(join(p, 'sub'));
    symlinkSync(outside, join(p, 'sub', 'link-out'));
    await removeVolumeDir(root, name);
    expect(existsSync(p)).toBe(false);
    expect(existsSync(join(outside, 'precious'))).toBe(true);
    await removeVolumeDir(root, name); // already gone: fine
  });

  it('refuses a volume directory that is a symlink out of the root', async () => {
    symlinkSync(outside, join(root, name));
    await expect(removeVolumeDir(root, name)).rejects.toThrow(/not a directory \(a symlink or a file\)/);
    expect(existsSync(join(outside, 'precious'))).toBe(true);
    rmSync(join(root, name));
  });

  it('refuses names that are not volume directories', async () => {
    await expect(removeVolumeDir(root, '../outside')).rejects.toThrow('is not a volume directory name');
    await expect(makeVolumeDir(root, '..')).rejects.toThrow('is not a volume directory name');
    expect(existsSync(join(outside, 'precious'))).toBe(true);
  });
});

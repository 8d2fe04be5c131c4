// Volume files on disk (a temp root dir): configMap/secret projection with items, updates and removed
// keys, subPath and readOnly mounts, errors for missing sources.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { core } from '@minik8s/shared';
import { emptyDirMode, mounts, podDir, removePodDir, resolveSubPath, setUpVolumes, VolumeError } from '../src/pod/volumes';
import { checkHostPath, claimSource, type ClaimSource } from '../src/pod/claims';
import type { Claim, Volume } from '@minik8s/shared';

const root = mkdtempSync(join(tmpdir(), 'minik8s-vol-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const noClaims = async (): Promise<ClaimSource> => {
  throw new VolumeError('no claims here');
};

function pod(volumes: core.Volume[]): core.Pod {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'uid-1', labels: { app: 'x' } }, spec: { containers: [], volumes } };
}

describe('volumes', () => {
  it('configMap and secret files, items, updates, removed keys; mounts with subPath and readOnly', async () => {
    let cm: Record<string, Buffer> | undefined = { a: Buffer.from('1'), b: Buffer.from('2'), c: Buffer.from('3') };
    const src = { configMap: async () => cm, secret: async () => ({ pw: Buffer.from('s3cret') }), claim: noClaims };
    const p = pod([
      { name: 'cfg', configMap: { name: 'c' } },
      { name: 'one', configMap: { name: 'c', items: [{ key: 'b', path: 'sub/b.txt' }] } },
      { name: 'sec', secret: { secretName: 's' } },
      { name: 'scratch', emptyDir: {} },
      { name: 'meta', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    ]);
    const paths = await setUpVolumes(root, p, src);
    expect(readFileSync(join(paths.get('cfg')!, 'a'), 'utf8')).toBe('1');
    expect(readFileSync(join(paths.get('one')!, 'sub/b.txt'), 'utf8')).toBe('2');
    expect(existsSync(join(paths.get('one')!, 'a'))).toBe(false);
    expect(readFileSync(join(paths.get('sec')!, 'pw'), 'utf8')).toBe('s3cret');
    expect(readFileSync(join(paths.get('meta')!, 'labels'), 'utf8')).toBe('app="x"');
    cm = { a: Buffer.from('changed'), b: Buffer.from('2') };
    await setUpVolumes(root, p, src);
    expect(readFileSync(join(paths.get('cfg')!, 'a'), 'utf8')).toBe('changed');
    expect(existsSync(join(paths.get('cfg')!, 'c'))).toBe(false);
    const c: core.Container = {
      name: 'c',
      volumeMounts: [
        { name: 'scratch', mountPath: '/data', subPath: 'deep/dir' },
        { name: 'scratch', mountPath: '/ro', readOnly: true },
        { name: 'cfg', mountPath: '/etc/cfg' },
      ],
    };
    const b = mounts(c, p, paths);
    expect(b[0]).toEqual({ hostPath: `${paths.get('scratch')}/deep/dir`, containerPath: '/data', readOnly: false });
    expect(existsSync(join(paths.get('scratch')!, 'deep/dir'))).toBe(true);
    expect(b[1]).toEqual({ hostPath: paths.get('scratch'), containerPath: '/ro', readOnly: true });
    expect(b[2]).toEqual({ hostPath: paths.get('cfg'), containerPath: '/etc/cfg', readOnly: true });
    expect(() => mounts({ name: 'c', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, p, paths)).toThrow(VolumeError);
    expect(() => mounts({ name: 'c', volumeMounts: [{ name: 'scratch', mountPath: '/x', subPath: '../escape' }] }, p, paths)).toThrow(/invalid path/);
    removePodDir(root, 'uid-1');
    expect(existsSync(podDir(root, 'uid-1'))).toBe(false);
  });

  it('missing sources: error unless optional', async () => {
    const none = { configMap: async () => undefined, secret: async () => undefined, claim: noClaims };
    await expect(setUpVolumes(root, pod([{ name: 'x', configMap: { name: 'gone' } }]), none)).rejects.toThrow('configmap "gone" not found');
    await expect(setUpVolumes(root, pod([{ name: 'x', secret: { secretName: 'gone' } }]), none)).rejects.toThrow('secret "gone" not found');
    const ok = await setUpVolumes(root, pod([{ name: 'x', configMap: { name: 'gone', optional: true } }]), none);
    expect(ok.has('x')).toBe(true);
  });

  // CVE-2017-1002101: a container sharing an emptyDir plants a symlink; another container's subPath must not
  // follow it out of the volume to the node's files.
  it('confines subPath to its volume: symlinks along the path are refused, not followed', () => {
    const vol = mkdtempSync(join(root, 'shared-'));
    const outside = mkdtempSync(join(root, 'node-root-'));
    writeFileSync(join(outside, 'secret'), 'node file');
    symlinkSync(outside, join(vol, 'evil'));
    symlinkSync('/', join(vol, 'root'));
    mkdirSync(join(vol, 'ok'));
    symlinkSync(join(outside, 'secret'), join(vol, 'ok', 'link'));
    for (const sub of ['evil', 'evil/secret', 'root/etc', 'ok/link']) expect(() => resolveSubPath(vol, sub), sub).toThrow(/symbolic link/);
    expect(resolveSubPath(vol, 'ok/new/dir')).toBe(join(vol, 'ok', 'new', 'dir'));
    expect(statSync(join(vol, 'ok', 'new', 'dir')).isDirectory()).toBe(true);
    expect(() => resolveSubPath(vol, '../x')).toThrow(/invalid path/);
  });

  it('makes emptyDirs writable by root only unless the pod asks (fsGroup, a non-root user)', async () => {
    expect(emptyDirMode(pod([]))).toEqual({ mode: 0o755 });
    const p = pod([{ name: 'e', emptyDir: {} }]);
    const paths = await setUpVolumes(root, p, { configMap: async () => undefined, secret: async () => undefined, claim: noClaims });
    expect(statSync(paths.get('e')!).mode & 0o7777).toBe(0o755);
    expect(emptyDirMode({ ...p, spec: { ...p.spec!, securityContext: { fsGroup: 2000 } } })).toEqual({ mode: 0o2775, gid: 2000 });
    expect(emptyDirMode({ ...p, spec: { containers: [{ name: 'a', securityContext: { runAsUser: 1000 } }] } })).toEqual({ mode: 0o755, uid: 1000 });
  });
});

describe('persistentVolumeClaim volumes', () => {
  const node = { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } } };
  const claim = (over: Partial<Claim> = {}): Claim => ({ metadata: { name: 'data', namespace: 'ns', uid: 'c-1' }, spec: { volumeName: 'pv1' }, status: { phase: 'Bound' }, ...over });
  const pv = (spec: Partial<Volume['spec']>): Volume => ({ metadata: { name: 'pv1' }, spec: { claimRef: { namespace: 'ns', name: 'data', uid: 'c-1' }, ...spec } });
  const onNode = (n: string): Partial<Volume['spec']> => ({ nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } } });

  it.each<[string, Claim | undefined, Volume | undefined, string]>([
    ['no claim', undefined, undefined, 'error processing PVC ns/data: failed to fetch PVC from API server: persistentvolumeclaims "data" not found'],
    ['a claim being deleted', claim({ metadata: { name: 'data', namespace: 'ns', uid: 'c-1', deletionTimestamp: 'now' } }), undefined, 'error processing PVC ns/data: PVC is being deleted'],
    ['an unbound claim', claim({ status: { phase: 'Pending' } }), undefined, 'error processing PVC ns/data: PVC is not bound'],
    ['no volume', claim(), undefined, 'error processing PVC ns/data: failed to fetch PV "pv1" from API server: persistentvolumes "pv1" not found'],
    ['a volume bound to another claim', claim(), pv({ hostPath: { path: '/d' }, claimRef: { namespace: 'ns', name: 'data', uid: 'c-0' } }), 'error processing PVC ns/data: found PV object "pv1" but its pv.Spec.ClaimRef.UID (c-0) does not point to claim.UID (c-1)'],
    ['a volume of another node', claim(), pv({ local: { path: '/mnt/d' }, ...onNode('n2') }), 'error processing PVC ns/data: PV "pv1" node affinity does not match node "n1"'],
    ['an nfs volume', claim(), pv({ nfs: { server: 's', path: '/e' } }), 'error processing PVC ns/data: PV "pv1" has no hostPath or local source: minik8s nodes mount only those'],
    ['a path with ..', claim(), pv({ hostPath: { path: '/srv/../etc' } }), `error processing PVC ns/data: the path of PV "pv1" contains '..': "/srv/../etc"`],
    ['a relative path', claim(), pv({ hostPath: { path: 'srv' } }), 'error processing PVC ns/data: the path of PV "pv1" is not absolute: "srv"'],
  ])('%s', (_n, c, v, want) => expect(() => claimSource('ns', 'data', c, v, node)).toThrow(want));

  it('resolves a bound claim to its volume\'s source', () => {
    expect(claimSource('ns', 'data', claim(), pv({ hostPath: { path: '/srv/d', type: 'DirectoryOrCreate' }, ...onNode('n1') }), node)).toEqual({ kind: 'hostPath', path: '/srv/d', type: 'DirectoryOrCreate' });
    expect(claimSource('ns', 'data', claim(), pv({ local: { path: '/mnt/d' } }), node)).toEqual({ kind: 'local', path: '/mnt/d' });
  });

  it.each<[string, string | undefined]>([
    ['/var/lib/x', undefined],
    ['/', undefined],
    ['/a//b', 'is not clean'],
    ['/a/./b', 'is not clean'],
    ['/a/', 'is not clean'],
    ['/a/\0b', 'contains a NUL character'],
    [`/${'x'.repeat(5000)}`, 'is longer than 4096 bytes'],
  ])('host path %j: %s', (path, want) => expect(checkHostPath(path)).toBe(want));

  it('a local volume must exist on the node; a hostPath one is made when asked', async () => {
    const src = (s: ClaimSource) => ({ configMap: async () => undefined, secret: async () => undefined, claim: async () => s });
    const p = pod([{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
    await expect(setUpVolumes(root, p, src({ kind: 'local', path: '/no/such/disk' }), join(root, 'host'))).rejects.toThrow(
      'MountVolume.NewMounter initialization failed for volume "data" : path "/no/such/disk" does not exist',
    );
    const paths = await setUpVolumes(root, p, src({ kind: 'hostPath', path: '/srv/pv', type: 'DirectoryOrCreate' }), join(root, 'host'));
    expect(paths.get('data')).toBe(join(root, 'host', 'srv/pv'));
    expect(existsSync(join(root, 'host', 'srv/pv'))).toBe(true);
  });
});

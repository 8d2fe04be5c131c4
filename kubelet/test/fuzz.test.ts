// Property: whatever volumes and volumeMounts a pod arrives with (valid ones with hostile values at random
// paths, as a pod stored before validation existed would), every mount the kubelet hands Docker has a source
// inside the pod's volume directory (or the host root given for hostPath) with no symlink on the way, and an
// absolute target; what does not fit is a VolumeError (the pod waits with an Event), never a mount elsewhere.
import fc from 'fast-check';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { core } from '@minik8s/shared';
import { fuzzRuns, mutate, mutation } from '../../testing/fuzz';
import { mounts, setUpVolumes, VolumeError } from '../src/pod/volumes';

const root = mkdtempSync(join(tmpdir(), 'minik8s-fuzz-vol-'));
const hostRoot = mkdtempSync(join(tmpdir(), 'minik8s-fuzz-host-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(hostRoot, { recursive: true, force: true });
});

const base: core.Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'fuzz' },
  spec: {
    volumes: [{ name: 'e', emptyDir: {} }, { name: 'h', hostPath: { path: '/data', type: 'DirectoryOrCreate' } }, { name: 'd', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }, { name: 'c', persistentVolumeClaim: { claimName: 'data' } }],
    containers: [{ name: 'c', image: 'i', volumeMounts: [{ name: 'e', mountPath: '/e', subPath: 'a/b' }, { name: 'h', mountPath: '/h' }, { name: 'd', mountPath: '/d', readOnly: true }, { name: 'c', mountPath: '/c', subPath: 'x' }] }],
  },
};
// every claim is bound to a hostPath volume (claims.ts checks a PersistentVolume's own path)
const none = { configMap: async () => undefined, secret: async () => undefined, claim: async () => ({ kind: 'hostPath' as const, path: '/pv', type: 'DirectoryOrCreate' }) };
const inside = (p: string, dir: string) => p === dir || p.startsWith(dir + sep);

describe('the kubelet never mounts a path that did not check out', () => {
  it('mount sources stay inside their volumes, targets are absolute', { timeout: 300_000 }, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (muts) => {
        const pod = mutate(base, muts);
        pod.metadata = { ...base.metadata, uid: `fuzz-${n++}` };
        let out;
        try {
          const paths = await setUpVolumes(root, pod, none, hostRoot);
          out = (pod.spec?.containers ?? []).flatMap((c) => (c && typeof c === 'object' ? mounts(c, pod, paths) : []));
        } catch (e) {
          if (e instanceof VolumeError || e instanceof TypeError) return; // refused: the pod waits, nothing is mounted
          throw e;
        }
        for (const m of out) {
          expect(m.containerPath, 'absolute target').toMatch(/^\//);
          // an unchecked hostPath (type "") may not exist yet: its text must still be under the host root
          const real = existsSync(m.hostPath) ? realpathSync(m.hostPath) : normalize(m.hostPath);
          expect(inside(real, realpathSync(root)) || inside(real, realpathSync(hostRoot)) || inside(real, hostRoot), `${m.hostPath} → ${real}`).toBe(true);
        }
      }),
      { numRuns: fuzzRuns(200) },
    );
  });
});

// Local test images, built from host files (no registry): ensureImage('pause' | 'busybox').
// Builds once if missing; fast and idempotent. Concurrent callers in one process share one
// promise; concurrent processes (parallel test workers) serialise on a flock lock file.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..');

export const IMAGES = {
  pause: 'minik8s/pause:3.10',
  busybox: 'minik8s/busybox:1.36',
} as const;

export type LocalImage = keyof typeof IMAGES;

const building = new Map<LocalImage, Promise<string>>();

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) =>
    execFile(cmd, args, { timeout: 120_000 }, (err, _stdout, stderr) =>
      err ? fail(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`)) : ok(),
    ),
  );
}

/** Make sure the local image exists (building it if needed); resolves to its reference. */
export function ensureImage(name: LocalImage): Promise<string> {
  let p = building.get(name);
  if (!p) {
    const script = join(REPO, 'images', name, 'build.sh');
    p = run('flock', [`/tmp/minik8s-image-${name}.lock`, 'sh', script]).then(() => IMAGES[name]);
    p.catch(() => building.delete(name));
    building.set(name, p);
  }
  return p;
}

/** Both images every kubelet test needs. */
export async function ensureKubeletImages(): Promise<void> {
  await Promise.all([ensureImage('pause'), ensureImage('busybox')]);
}

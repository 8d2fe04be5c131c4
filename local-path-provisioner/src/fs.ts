// The provisioner's filesystem side, thin: volume directories under the root (made world-writable, as
// Rancher's, so pods running as any user can write), removed only when they are real directories directly
// under the real root (no symlink in or out of it), and the root's free space.
import { chmod, lstat, mkdir, realpath, rm, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { VOLUME_DIR } from './paths';

function checkName(name: string): void {
  if (!VOLUME_DIR.test(name)) throw new Error(`"${name}" is not a volume directory name`);
}

/** The root, made if missing; it must be a directory. */
export async function ensureRoot(root: string): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o755 });
  if (!(await lstat(await realpath(root))).isDirectory()) throw new Error(`${root} is not a directory`);
}

/** `<root>/<name>` as a directory with mode 0777 (made, or already there from an earlier attempt). */
export async function makeVolumeDir(root: string, name: string): Promise<string> {
  checkName(name);
  const path = join(root, name);
  try {
    await mkdir(path, { mode: 0o777 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = await lstat(path);
  if (st.isSymbolicLink() || !st.isDirectory()) throw new Error(`${path} exists and is not a directory`);
  await chmod(path, 0o777); // mkdir's mode goes through the umask
  return path;
}

/** Remove `<root>/<name>` and everything in it; refuses a symlink or anything whose real path is not directly under the real root. */
export async function removeVolumeDir(root: string, name: string): Promise<void> {
  checkName(name);
  const path = join(root, name);
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // already gone
    throw e;
  }
  if (st.isSymbolicLink() || !st.isDirectory()) throw new Error(`refusing to delete ${path}: not a directory (a symlink or a file)`);
  const [realRoot, real] = await Promise.all([realpath(root), realpath(path)]);
  if (dirname(real) !== realRoot) throw new Error(`refusing to delete ${path}: its real path ${real} is not under ${realRoot}`);
  // rm does not follow symlinks inside the directory: it removes the links themselves
  await rm(real, { recursive: true, force: true });
}

/** Bytes an unprivileged writer may still use on the root's filesystem. */
export async function freeBytes(root: string): Promise<number> {
  const s = await statfs(root);
  return s.bavail * s.bsize;
}

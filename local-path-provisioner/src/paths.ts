// Where a claim's volume lives under the provisioner's root, and whether a volume's path is one of ours:
// a direct child of the root named pvc-<uid>[_<namespace>_<name>], nothing else (no "..", no other
// directory, no path that only normalises into the root). Pure; the filesystem side (symlinks) is in fs.ts.
import type { Claim } from '@minik8s/shared';

const UID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN = '[a-z0-9]([-a-z0-9.]*[a-z0-9])?';
/** The names of the directories this provisioner makes (Rancher's local-path layout). */
export const VOLUME_DIR = new RegExp(`^pvc-${UID}(_${LABEL}_${SUBDOMAIN})?$`);
const NAME_MAX = 255;

/** The claim's volume directory name: pvc-<uid>_<namespace>_<name>, or pvc-<uid> when that would be too long. */
export function volumeDirName(claim: Claim): string {
  const { uid, namespace, name } = claim.metadata;
  const long = `pvc-${uid}_${namespace}_${name}`;
  const dir = long.length <= NAME_MAX ? long : `pvc-${uid}`;
  if (!VOLUME_DIR.test(dir)) throw new Error(`claim ${namespace}/${name} (uid ${uid}) does not make a volume directory name`);
  return dir;
}

/** The volume directory name of `path` when it is exactly `<root>/<volume dir>`, else why not. */
export function volumeDirOf(root: string, path: unknown): { name: string } | { refused: string } {
  if (typeof path !== 'string' || !path) return { refused: 'the volume has no path' };
  const refused = { refused: `"${path.slice(0, 512)}" is not a volume directory of this provisioner under ${root}` };
  if (!path.startsWith(`${root}/`)) return refused;
  const name = path.slice(root.length + 1);
  return VOLUME_DIR.test(name) ? { name } : refused;
}

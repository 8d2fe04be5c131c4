// The path rules of volumes and mounts (validateLocalDescendingPath, validateLocalNonReservedPath,
// validatePathNoBacksteps): relative paths that cannot climb out of the directory they are joined to, and
// the node paths hostPath and local volumes mount (pods' and PersistentVolumes' alike).
import { fe } from '../../../registry/fielderrors';
import { str, type Errs } from '../../../registry/validation';

export function noBacksteps(errs: Errs, path: string, v: string): void {
  if (v.split('/').includes('..')) errs.push(fe.invalid(path, v, "must not contain '..'"));
}

export function localDescendingPath(errs: Errs, path: string, v: string): void {
  if (v.startsWith('/')) errs.push(fe.invalid(path, v, 'must be a relative path'));
  noBacksteps(errs, path, v);
}

export function localNonReservedPath(errs: Errs, path: string, v: string): void {
  localDescendingPath(errs, path, v);
  if (v.startsWith('..') && !v.startsWith('../')) errs.push(fe.invalid(path, v, "must not start with '..'"));
}

/**
 * A path on the node or in a container's Linux file system: absolute, without ':' and without NUL (minik8s's
 * own rules, beyond upstream's, which also admits Windows paths: the kubelet hands these to Docker, in a bind
 * string a ':' would start mount options, and no system call takes a NUL).
 */
export function hostFilePath(errs: Errs, path: string, v: string): void {
  if (!v.startsWith('/')) errs.push(fe.invalid(path, v, 'must be an absolute path'));
  if (v.includes(':')) errs.push(fe.invalid(path, v, "must not contain ':'"));
  if (v.includes('\0')) errs.push(fe.invalid(path, v, 'must not contain a NUL character'));
}

/** The required node path of a hostPath or local volume (validatePathNoBacksteps and hostFilePath). */
export function nodePath(errs: Errs, path: string, v: unknown): void {
  const p = str(errs, path, v, true);
  if (!p) return;
  noBacksteps(errs, path, p);
  hostFilePath(errs, path, p);
}

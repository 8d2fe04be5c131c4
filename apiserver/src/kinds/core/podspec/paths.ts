// The path rules of volumes and mounts (validateLocalDescendingPath, validateLocalNonReservedPath,
// validatePathNoBacksteps): relative paths that cannot climb out of the directory they are joined to.
import { fe } from '../../../registry/fielderrors';
import type { Errs } from '../../../registry/validation';

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
 * A path on the node or in a container's Linux file system: absolute, and without ':' (minik8s's own rules,
 * beyond upstream's, which also admits Windows paths: the kubelet hands these to Docker, and in a bind
 * string a ':' would start mount options).
 */
export function hostFilePath(errs: Errs, path: string, v: string): void {
  if (!v.startsWith('/')) errs.push(fe.invalid(path, v, 'must be an absolute path'));
  if (v.includes(':')) errs.push(fe.invalid(path, v, "must not contain ':'"));
}

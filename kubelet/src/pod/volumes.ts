// Pod volumes as host directories under <root-dir>/pods/<uid>/volumes, bind-mounted into containers:
// emptyDir (shared by the pod's containers), hostPath, configMap, secret, projected and downwardAPI
// (files rewritten on every sync, so changes reach running pods), and persistentVolumeClaim (the bound
// volume's hostPath or local directory).
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, renameSync, existsSync, closeSync, openSync, chmodSync, chownSync, constants as fsc, fstatSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { core } from '@minik8s/shared';
import type { Mount } from '../runtime/types';
import type { ClaimSource } from './claims';

export interface VolumeSources {
  /** ConfigMap data (binaryData decoded) or undefined when missing. */
  configMap(name: string): Promise<Record<string, Buffer> | undefined>;
  secret(name: string): Promise<Record<string, Buffer> | undefined>;
  /** The source of a claim's bound volume; throws a VolumeError (with its FailedMount message) when there is none yet. */
  claim(name: string): Promise<ClaimSource>;
}

export class VolumeError extends Error {
  /** The whole FailedMount event message when it is not "Error: <message>". */
  readonly event?: string;

  constructor(message: string, options?: ErrorOptions & { event?: string }) {
    super(message, options);
    this.event = options?.event;
  }
}

/** A host path of a hostPath volume (inline or a PersistentVolume's) with upstream's type checks. */
function hostPathVolume(path: string, type: string): string {
  if (type === 'DirectoryOrCreate') mkdirSync(path, { recursive: true });
  else if (type === 'FileOrCreate' && !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    closeSync(openSync(path, 'a'));
  } else if ((type === 'Directory' || type === 'File') && !existsSync(path)) {
    throw new VolumeError(`hostPath type check failed: ${path} does not exist`);
  }
  return path;
}

export function podDir(root: string, uid: string): string {
  return join(root, 'pods', uid);
}

function writeIfChanged(path: string, data: Buffer, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  try {
    if (readFileSync(path).equals(data)) return;
  } catch {
    // missing: write it
  }
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

/** Write the wanted files (relative path → data) into dir and remove the others. */
function syncFiles(dir: string, files: Map<string, Buffer>, mode: number): void {
  mkdirSync(dir, { recursive: true });
  for (const [rel, data] of files) writeIfChanged(join(dir, rel), data, mode);
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), rel);
      else if (!files.has(rel)) rmSync(join(d, e.name), { force: true });
    }
  };
  walk(dir, '');
}

function safeRel(p: string): string {
  const n = normalize(p);
  if (n.startsWith('..') || n.startsWith('/')) throw new VolumeError(`invalid path "${p}"`);
  return n;
}

function project(data: Record<string, Buffer>, items: core.KeyToPath[] | undefined, what: string, out: Map<string, Buffer>): void {
  if (!items?.length) {
    for (const [k, v] of Object.entries(data)) out.set(safeRel(k), v);
    return;
  }
  for (const it of items) {
    const v = data[it.key];
    if (v === undefined) throw new VolumeError(`configmap/secret key "${it.key}" not found in ${what}`);
    out.set(safeRel(it.path), v);
  }
}

function downward(pod: core.Pod, items: core.DownwardAPIVolumeFile[] | undefined, out: Map<string, Buffer>): void {
  for (const it of items ?? []) {
    const f = it.fieldRef?.fieldPath;
    let v = '';
    if (f === 'metadata.name') v = pod.metadata?.name ?? '';
    else if (f === 'metadata.namespace') v = pod.metadata?.namespace ?? '';
    else if (f === 'metadata.uid') v = pod.metadata?.uid ?? '';
    else if (f === 'metadata.labels') v = Object.entries(pod.metadata?.labels ?? {}).map(([k, x]) => `${k}="${x}"`).join('\n');
    else if (f === 'metadata.annotations') v = Object.entries(pod.metadata?.annotations ?? {}).map(([k, x]) => `${k}="${x}"`).join('\n');
    out.set(safeRel(it.path), Buffer.from(v));
  }
}

/**
 * Who may write an emptyDir: root only (0755) unless the pod asks. fsGroup gives the group write access with
 * new files inheriting it (02775, upstream's fsGroup handling); a pod that runs as one non-root user owns it.
 * Upstream makes every emptyDir 0777; here no other user gets to write, or plant symlinks, unless asked.
 */
export function emptyDirMode(pod: core.Pod): { mode: number; uid?: number; gid?: number } {
  const psc = pod.spec?.securityContext;
  const users = new Set((pod.spec?.containers ?? []).map((c) => c.securityContext?.runAsUser ?? psc?.runAsUser ?? 0));
  const uid = users.size === 1 ? [...users][0] : undefined;
  if (psc?.fsGroup !== undefined) return { mode: 0o2775, gid: psc.fsGroup, uid: uid || undefined };
  if (uid) return { mode: 0o755, uid };
  return { mode: 0o755 };
}

function emptyDirOwnership(p: string, pod: core.Pod): void {
  const { mode, uid, gid } = emptyDirMode(pod);
  chmodSync(p, mode);
  if (uid !== undefined || gid !== undefined) {
    try {
      chownSync(p, uid ?? -1, gid ?? -1);
    } catch (e) {
      throw new VolumeError(`emptyDir ${p}: chown: ${(e as Error).message}`, { cause: e });
    }
  }
}

/**
 * Create/refresh every volume of the pod; returns volume name → host path. Throws VolumeError.
 * hostPath volumes are under `hostRoot` ("/" on a real node).
 */
export async function setUpVolumes(root: string, pod: core.Pod, src: VolumeSources, hostRoot = '/'): Promise<Map<string, string>> {
  const uid = pod.metadata!.uid!;
  const base = join(podDir(root, uid), 'volumes');
  const paths = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) {
    try {
      await setUpVolume(v, base, pod, src, hostRoot, paths);
    } catch (e) {
      // a file-system error (a name too long, a full disk) is the volume's failure: the pod waits with an Event
      if (e instanceof VolumeError) throw e;
      throw new VolumeError(`volume "${v.name}": ${(e as Error).message}`, { cause: e });
    }
  }
  return paths;
}

/** One volume's directory (or file), recorded in `paths`. */
async function setUpVolume(v: core.Volume, base: string, pod: core.Pod, src: VolumeSources, hostRoot: string, paths: Map<string, string>): Promise<void> {
  {
    if (v.emptyDir) {
      const p = join(base, 'kubernetes.io~empty-dir', v.name);
      mkdirSync(p, { recursive: true });
      emptyDirOwnership(p, pod);
      paths.set(v.name, p);
    } else if (v.hostPath) {
      if (typeof v.hostPath.path !== 'string' || !v.hostPath.path.startsWith('/')) throw new VolumeError(`volume "${v.name}": hostPath ${JSON.stringify(v.hostPath.path)} is not an absolute path`);
      paths.set(v.name, hostPathVolume(join(hostRoot, normalize(v.hostPath.path)), v.hostPath.type ?? ''));
    } else if (v.persistentVolumeClaim) {
      const source = await src.claim(v.persistentVolumeClaim.claimName);
      const p = join(hostRoot, source.path);
      if (source.kind === 'hostPath') paths.set(v.name, hostPathVolume(p, source.type));
      else if (!existsSync(p)) throw new VolumeError(`MountVolume.NewMounter initialization failed for volume "${v.name}" : path "${source.path}" does not exist`);
      else paths.set(v.name, p);
    } else if (v.configMap) {
      const name = v.configMap.name ?? '';
      const data = await src.configMap(name);
      const p = join(base, 'kubernetes.io~configmap', v.name);
      const files = new Map<string, Buffer>();
      if (!data && !v.configMap.optional) throw new VolumeError(`configmap "${name}" not found`);
      if (data) project(data, v.configMap.items, `configmap ${name}`, files);
      syncFiles(p, files, v.configMap.defaultMode ?? 0o644);
      paths.set(v.name, p);
    } else if (v.secret) {
      const name = v.secret.secretName ?? '';
      const data = await src.secret(name);
      const p = join(base, 'kubernetes.io~secret', v.name);
      const files = new Map<string, Buffer>();
      if (!data && !v.secret.optional) throw new VolumeError(`secret "${name}" not found`);
      if (data) project(data, v.secret.items, `secret ${name}`, files);
      syncFiles(p, files, v.secret.defaultMode ?? 0o644);
      paths.set(v.name, p);
    } else if (v.downwardAPI) {
      const p = join(base, 'kubernetes.io~downward-api', v.name);
      const files = new Map<string, Buffer>();
      downward(pod, v.downwardAPI.items, files);
      syncFiles(p, files, v.downwardAPI.defaultMode ?? 0o644);
      paths.set(v.name, p);
    } else if (v.projected) {
      const p = join(base, 'kubernetes.io~projected', v.name);
      const files = new Map<string, Buffer>();
      for (const s of v.projected.sources ?? []) {
        if (s.configMap) {
          const data = await src.configMap(s.configMap.name ?? '');
          if (data) project(data, s.configMap.items, `configmap ${s.configMap.name}`, files);
          else if (!s.configMap.optional) throw new VolumeError(`configmap "${s.configMap.name}" not found`);
        } else if (s.secret) {
          const data = await src.secret(s.secret.name ?? '');
          if (data) project(data, s.secret.items, `secret ${s.secret.name}`, files);
          else if (!s.secret.optional) throw new VolumeError(`secret "${s.secret.name}" not found`);
        } else if (s.downwardAPI) {
          downward(pod, s.downwardAPI.items, files);
        }
        // serviceAccountToken sources need the TokenRequest API, which minik8s does not serve: skipped.
      }
      syncFiles(p, files, v.projected.defaultMode ?? 0o644);
      paths.set(v.name, p);
    } else {
      throw new VolumeError(`volume "${v.name}": unsupported volume type`);
    }
  }
}

/**
 * The host path of `subPath` inside the volume at `volume`, confined to it (the CVE-2017-1002101 class): the
 * path is walked one component at a time from an open directory, each opened with O_NOFOLLOW through
 * /proc/self/fd/<parent> (openat without openat), so a symlink planted by a container sharing the volume
 * anywhere along it is refused instead of followed out to the node. Missing directories are created the
 * same way. The result is the path as walked; it holds no symlink.
 */
export function resolveSubPath(volume: string, subPath: string): string {
  const rel = safeRel(subPath);
  const parts = rel.split('/').filter((x) => x && x !== '.');
  let fd = openSync(volume, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    for (let i = 0; i < parts.length; i++) {
      const at = `/proc/self/fd/${fd}/${parts[i]}`;
      const last = i === parts.length - 1;
      let next: number;
      try {
        next = openSync(at, fsc.O_RDONLY | fsc.O_NOFOLLOW | (last ? 0 : fsc.O_DIRECTORY));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          mkdirSync(at, { mode: 0o755 });
          next = openSync(at, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_DIRECTORY);
        } else if (code === 'ELOOP' || code === 'ENOTDIR') {
          throw new VolumeError(`subPath "${subPath}": "${parts.slice(0, i + 1).join('/')}" is a symbolic link or not a directory; a subPath may not leave its volume through one`);
        } else throw new VolumeError(`subPath "${subPath}": ${(e as Error).message}`, { cause: e });
      }
      closeSync(fd);
      fd = next;
      // a symlink opened with O_NOFOLLOW fails above; this also refuses devices and sockets
      const st = fstatSync(fd);
      if (!st.isDirectory() && !st.isFile()) throw new VolumeError(`subPath "${subPath}": "${parts.slice(0, i + 1).join('/')}" is neither a directory nor a file`);
    }
  } finally {
    closeSync(fd);
  }
  return join(volume, ...parts);
}

/** A container's volumeMounts as host paths (subPath, confined to its volume, and readOnly honoured). */
export function mounts(c: core.Container, pod: core.Pod, paths: Map<string, string>): Mount[] {
  const out: Mount[] = [];
  for (const m of c.volumeMounts ?? []) {
    const host = paths.get(m.name);
    if (!host) throw new VolumeError(`volumeMount "${m.name}" refers to no volume of the pod`);
    if (typeof m.mountPath !== 'string' || !m.mountPath.startsWith('/')) throw new VolumeError(`volumeMount "${m.name}": mountPath ${JSON.stringify(m.mountPath)} is not an absolute path`);
    const vol = pod.spec?.volumes?.find((v) => v.name === m.name);
    let src = host;
    if (m.subPath) src = resolveSubPath(host, m.subPath);
    const ro = m.readOnly || !!vol?.configMap || !!vol?.secret || !!vol?.projected || !!vol?.downwardAPI || !!vol?.persistentVolumeClaim?.readOnly;
    out.push({ hostPath: src, containerPath: m.mountPath, readOnly: ro });
  }
  return out;
}

/** resolv.conf for dnsPolicy ClusterFirst with --cluster-dns (upstream search list and ndots:5). */
export function resolvConf(ns: string, clusterDNS: string[], domain: string, dnsConfig?: core.PodDNSConfig): string {
  const servers = [...clusterDNS, ...(dnsConfig?.nameservers ?? [])];
  const search = [`${ns}.svc.${domain}`, `svc.${domain}`, domain, ...(dnsConfig?.searches ?? [])];
  const opts = new Map<string, string | undefined>([['ndots', '5']]);
  for (const o of dnsConfig?.options ?? []) opts.set(o.name ?? '', o.value);
  return (
    servers.map((s) => `nameserver ${s}`).join('\n') +
    `\nsearch ${search.join(' ')}\noptions ${[...opts].map(([k, v]) => (v === undefined ? k : `${k}:${v}`)).join(' ')}\n`
  );
}

export function writePodFile(root: string, uid: string, rel: string, content: string): string {
  const p = join(podDir(root, uid), rel);
  writeIfChanged(p, Buffer.from(content), 0o644);
  return p;
}

export function removePodDir(root: string, uid: string): void {
  const d = podDir(root, uid);
  try {
    if (statSync(d).isDirectory()) rmSync(d, { recursive: true, force: true });
  } catch {
    // already gone
  }
}

// Per-resource create/update strategies (pure): server-owned metadata, status/spec split,
// generation, defaults and upstream's special cases (Job selectors, Secret stringData, ...).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { randomUUID, randomInt } from 'node:crypto';
import type { KubeObject, ResourceType } from '@minik8s/shared';
import { applyDefaults } from './defaults';
import { fe, type Cause } from './fielderrors';

type Obj = Record<string, any>;

/** RFC3339 UTC with second precision, as upstream metav1.Time. */
export function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// upstream utilrand alphabet: no vowels, no confusable characters
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHANUMS[randomInt(ALPHANUMS.length)];
  return s;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Obj)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Obj)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Obj)[k], (b as Obj)[k]));
}

/**
 * Deep copy. API objects are plain JSON-shaped data, copied here key by key: several times faster than
 * structuredClone (which goes through V8's serializer), and it runs a few times on every write.
 * Anything else (a Date, a typed array) still goes through structuredClone.
 */
export function clone<T>(o: T): T {
  if (typeof o !== 'object' || o === null) return o;
  if (Array.isArray(o)) return o.map(clone) as T;
  const proto = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return structuredClone(o);
  const out: Obj = {};
  for (const k of Object.keys(o)) {
    const v = clone((o as Obj)[k]);
    // a "__proto__" key from JSON.parse is an own property: keep it one (assignment would set the prototype)
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out as T;
}

/** Resources whose status is written only through /status (the main resource ignores it). */
export function hasStatusSubresource(r: ResourceType): boolean {
  return r.subresources.includes('status');
}

/** Everything but metadata and status: what bumps generation. */
function specPart(o: Obj): Obj {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

/** Only objects with a spec carry generation (as upstream's workload strategies). */
const tracksGeneration = (o: Obj) => o.spec !== undefined;

function initialStatus(kind: string): Obj | undefined {
  switch (kind) {
    case 'Pod':
      return { phase: 'Pending' };
    case 'Namespace':
      return { phase: 'Active' };
    case 'Service':
      return { loadBalancer: {} };
    default:
      return undefined;
  }
}

/** Server-side fields of a new object. `namespace` comes from the URL. */
export function prepareForCreate(r: ResourceType, obj: Obj, namespace: string | undefined, now = new Date()): void {
  obj.apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
  obj.kind = r.kind;
  const m = (obj.metadata ??= {});
  if (!m.name && m.generateName) m.name = `${m.generateName}${randomSuffix()}`;
  if (r.namespaced) m.namespace = namespace;
  else delete m.namespace;
  m.uid = randomUUID();
  m.creationTimestamp = rfc3339(now);
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  delete m.managedFields;
  if (tracksGeneration(obj)) m.generation = 1;
  else delete m.generation;
  if (hasStatusSubresource(r) && r.kind !== 'Node') {
    const st = initialStatus(r.kind);
    if (st) obj.status = st;
    else delete obj.status;
  }
  if (r.kind === 'Namespace') m.labels = { ...(m.labels ?? {}), 'kubernetes.io/metadata.name': m.name };
  if (r.kind === 'Job') defaultJobSelector(obj);
  if (r.kind === 'Secret') foldStringData(obj);
  applyDefaults(r.kind, obj);
}

/** Upstream generates a Job's selector from its uid (unless spec.manualSelector). */
function defaultJobSelector(job: Obj): void {
  const spec = job.spec;
  if (!spec || typeof spec !== 'object' || spec.manualSelector === true) return;
  const uid = job.metadata.uid;
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const t = (spec.template ??= {});
  t.metadata ??= {};
  t.metadata.labels = {
    ...(t.metadata.labels ?? {}),
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': job.metadata.name,
    'controller-uid': uid,
    'job-name': job.metadata.name,
  };
}

function foldStringData(secret: Obj): void {
  if (secret.stringData && typeof secret.stringData === 'object') {
    secret.data = { ...(secret.data ?? {}) };
    for (const [k, v] of Object.entries(secret.stringData)) secret.data[k] = Buffer.from(String(v)).toString('base64');
  }
  delete secret.stringData;
}

/**
 * The object to store for an update of the main resource (subresource undefined) or of /status.
 * Server-owned metadata always comes from the old object.
 */
export function prepareForUpdate(r: ResourceType, incoming: Obj, old: Obj, subresource?: 'status'): Obj {
  let next: Obj;
  if (subresource === 'status') {
    next = clone(old);
    if (incoming.status !== undefined) next.status = incoming.status;
    else delete next.status;
  } else {
    next = incoming;
    next.apiVersion = old.apiVersion;
    next.kind = old.kind;
    const m = (next.metadata ??= {});
    const om = old.metadata;
    for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'])
      if (om[f] === undefined) delete m[f];
      else m[f] = om[f];
    delete m.resourceVersion;
    delete m.selfLink;
    if (hasStatusSubresource(r)) {
      if (old.status !== undefined) next.status = old.status;
      else delete next.status;
    }
    if (r.kind === 'Secret') foldStringData(next);
    if (r.kind === 'Namespace') m.labels = { ...(m.labels ?? {}), 'kubernetes.io/metadata.name': om.name };
    if (r.kind === 'Service') keepAllocations(next, old);
    applyDefaults(r.kind, next);
    if (tracksGeneration(next) && !deepEqual(specPart(next), specPart(old))) m.generation = (om.generation ?? 0) + 1;
  }
  return next;
}

/** As upstream: an update that omits clusterIP(s) or a port's nodePort keeps the allocated ones. */
function keepAllocations(next: Obj, old: Obj): void {
  const ns = next.spec;
  const os = old.spec;
  if (!ns || typeof ns !== 'object' || !os) return;
  if (!ns.clusterIP && os.clusterIP) ns.clusterIP = os.clusterIP;
  if (!ns.clusterIPs && os.clusterIPs && ns.clusterIP === os.clusterIP) ns.clusterIPs = os.clusterIPs;
  if ((ns.type === 'NodePort' || ns.type === 'LoadBalancer') && Array.isArray(ns.ports) && Array.isArray(os.ports))
    for (const p of ns.ports) {
      if (!p || p.nodePort) continue;
      const prev = os.ports.find((q: Obj) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (prev?.nodePort) p.nodePort = prev.nodePort;
    }
}

/** Pod spec fields an update may change (upstream ValidatePodUpdate). */
function maskMutablePodSpec(spec: Obj): Obj {
  const s = clone(spec ?? {});
  for (const list of [s.containers, s.initContainers]) if (Array.isArray(list)) for (const c of list) if (c) delete c.image;
  delete s.activeDeadlineSeconds;
  delete s.tolerations;
  delete s.terminationGracePeriodSeconds;
  return s;
}

/** Rules that compare the update with the stored object (immutable fields). */
export function validateUpdate(r: ResourceType, next: Obj, old: Obj): Cause[] {
  const errs: Cause[] = [];
  const ns = next.spec ?? {};
  const os = old.spec ?? {};
  switch (r.kind) {
    case 'Pod': {
      if (os.nodeName && ns.nodeName !== os.nodeName) errs.push(fe.immutable('spec.nodeName', ns.nodeName));
      const a = maskMutablePodSpec(ns);
      const b = maskMutablePodSpec(os);
      if (!os.nodeName) {
        delete a.nodeName;
        delete b.nodeName;
      }
      if (!deepEqual(a, b))
        errs.push(
          fe.forbidden(
            'spec',
            'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
          ),
        );
      break;
    }
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
      if (old.metadata?.uid && !deepEqual(ns.selector, os.selector)) errs.push(fe.immutable('spec.selector', ns.selector));
      break;
    case 'Job':
      if (!deepEqual(ns.selector, os.selector)) errs.push(fe.immutable('spec.selector', ns.selector));
      if (!deepEqual(ns.template, os.template)) errs.push(fe.immutable('spec.template', ns.template));
      if (ns.completions !== os.completions) errs.push(fe.immutable('spec.completions', ns.completions));
      break;
    case 'Service':
      if (os.clusterIP && ns.clusterIP !== os.clusterIP && os.type !== 'ExternalName' && ns.type !== 'ExternalName')
        errs.push(fe.immutable('spec.clusterIPs[0]', ns.clusterIP));
      break;
    case 'Secret':
    case 'ConfigMap':
      if (old.immutable === true) {
        if (!deepEqual(next.data, old.data)) errs.push(fe.forbidden('data', 'field is immutable when `immutable` is set'));
        if (next.immutable !== true) errs.push(fe.forbidden('immutable', 'field is immutable when `immutable` is set'));
      }
      break;
  }
  return errs;
}

/** A field path of an object as a string, for field selectors (absent → undefined). */
export function getField(obj: KubeObject, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[part];
  }
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

// A kustomization built as kustomize (v5, the one in kubectl 1.32) builds it, for the fields people use most:
// resources (files and bases, recursively), namespace, namePrefix/nameSuffix, commonLabels, labels,
// commonAnnotations, images, replicas, configMapGenerator/secretGenerator (with generatorOptions and the
// content-hash suffix), patches (strategic merge or JSON 6902, with targets), patchesStrategicMerge,
// patchesJson6902; references to renamed ConfigMaps/Secrets in pod templates follow the new names; the output
// in kustomize's legacy kind order. What it does not know it refuses by name instead of ignoring.
// No npm package implements kustomize (README: "Where mkctl differs on purpose").
import { posix } from 'node:path';
import { applyStrategicMergePatch } from '@minik8s/shared/patch';
import { applyPatch, type Operation } from 'fast-json-patch';
import { matchesLabels, parseLabelSelector } from '@minik8s/shared/rules';
import { isUtf8 } from '../create/generators';
import { kustomizeHash } from '../create/hash';
import { parseEnvFile } from '../create/sources';
import { CliError } from '../errors';
import type { KubeObject } from '../shared';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = KubeObject & Record<string, any>;

/** What the builder reads: files (utf8 or bytes), directory test; paths are posix, relative to the root given. */
export interface Files {
  read(path: string): Buffer;
  isDir(path: string): boolean;
  exists(path: string): boolean;
}

export interface ParseYaml {
  (text: string, source: string): unknown[];
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

// Bookkeeping on each object while building (kustomize keeps its own the same way), removed at the end:
// the kind/name it was first known by (patches, generator merges and references use it) and whether a
// generator asked for the content-hash suffix, added once everything else is done.
const ID = 'internal.mkctl.minik8s/id';
const NEEDS_HASH = 'internal.mkctl.minik8s/needs-hash';

const idOf = (o: Obj) => o.metadata.annotations?.[ID] ?? `${o.kind}/${o.metadata.name}`;
const originalName = (o: Obj) => idOf(o).slice(idOf(o).indexOf('/') + 1);

function mark(o: Obj, hash = false): void {
  o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [ID]: o.metadata.annotations?.[ID] ?? `${o.kind}/${o.metadata.name}`, ...(hash ? { [NEEDS_HASH]: 'true' } : {}) };
}

const KNOWN_FIELDS = new Set([
  'apiVersion', 'kind', 'metadata', 'resources', 'bases', 'namespace', 'namePrefix', 'nameSuffix', 'commonLabels', 'labels', 'commonAnnotations', 'images', 'replicas',
  'configMapGenerator', 'secretGenerator', 'generatorOptions', 'patches', 'patchesStrategicMerge', 'patchesJson6902',
]);

/** kustomize's legacy output order (by kind; everything else after these, webhooks last). */
const ORDER_FIRST = ['Namespace', 'ResourceQuota', 'StorageClass', 'CustomResourceDefinition', 'ServiceAccount', 'PodSecurityPolicy', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ConfigMap', 'Secret', 'Endpoints', 'Service', 'LimitRange', 'PriorityClass', 'PersistentVolume', 'PersistentVolumeClaim', 'Deployment', 'StatefulSet', 'CronJob', 'PodDisruptionBudget'];
const ORDER_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function kindRank(kind: string): number {
  const i = ORDER_FIRST.indexOf(kind);
  if (i >= 0) return i;
  const j = ORDER_LAST.indexOf(kind);
  return j >= 0 ? 1000 + j : 500;
}

/** Sort as kustomize's legacy order: kind rank, then apiVersion/kind, namespace, name (a stable sort). */
export function legacyOrder(objs: Obj[]): Obj[] {
  const key = (o: Obj) => [String(o.apiVersion ?? ''), String(o.kind ?? ''), String(o.metadata?.namespace ?? ''), String(o.metadata?.name ?? '')].join('\u0000');
  return [...objs].sort((a, b) => kindRank(a.kind ?? '') - kindRank(b.kind ?? '') || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}


interface Generated {
  name: string;
  namespace?: string;
  behavior?: 'create' | 'merge' | 'replace';
  literals?: string[];
  files?: string[];
  envs?: string[];
  env?: string;
  type?: string;
  options?: { disableNameSuffixHash?: boolean; labels?: Record<string, string>; annotations?: Record<string, string>; immutable?: boolean };
}

const DEPRECATED: Record<string, string> = { commonLabels: 'labels', patchesStrategicMerge: 'patches', patchesJson6902: 'patches', bases: 'resources' };

export class Builder {
  constructor(
    private readonly files: Files,
    private readonly parseYaml: ParseYaml,
    private readonly warn: (line: string) => void = () => {},
  ) {}

  /** The objects `kustomize build DIR` prints, in order. */
  build(dir: string): Obj[] {
    const objects = this.buildDir(posix.normalize(dir), []);
    // The suffix hash covers the final content; then references follow every rename (prefix, suffix, hash).
    for (const o of objects) {
      if (o.metadata.annotations?.[NEEDS_HASH] !== 'true') continue;
      o.metadata.name = `${o.metadata.name}-${kustomizeHash(o)}`;
    }
    const renames = new Map(objects.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret').map((o) => [idOf(o), o.metadata.name!]));
    for (const o of objects) {
      fixReferences(o, renames);
      const annotations = { ...(o.metadata.annotations ?? {}) };
      delete annotations[ID];
      delete annotations[NEEDS_HASH];
      if (Object.keys(annotations).length) o.metadata.annotations = annotations;
      else delete o.metadata.annotations;
    }
    return legacyOrder(objects);
  }

  private kustomizationIn(dir: string): { path: string; k: Record<string, any> } {
    for (const f of KUSTOMIZATION_FILES) {
      const p = posix.join(dir, f);
      if (this.files.exists(p)) {
        const [k] = this.parseYaml(this.files.read(p).toString('utf8'), p);
        if (!k || typeof k !== 'object') throw new CliError(`${p}: a kustomization must be a mapping`);
        return { path: p, k: k as Record<string, any> };
      }
    }
    throw new CliError(`unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '${dir}'`);
  }

  private buildDir(dir: string, stack: string[]): Obj[] {
    if (stack.includes(dir)) throw new CliError(`cycle detected: ${[...stack, dir].join(' -> ')}`);
    const { path, k } = this.kustomizationIn(dir);
    for (const field of Object.keys(k)) {
      if (!KNOWN_FIELDS.has(field)) throw new CliError(`${path}: the kustomization field "${field}" is not supported by mkctl (see kubectl/README.md)`);
      if (DEPRECATED[field]) this.warn(`# Warning: '${field}' is deprecated. Please use '${DEPRECATED[field]}' instead. Run 'kustomize edit fix' to update your Kustomization automatically.`);
    }
    const objects: Obj[] = [];
    for (const r of [...(k.resources ?? []), ...(k.bases ?? [])] as string[]) {
      const p = posix.join(dir, r);
      if (/^[a-z]+:\/\//.test(r) || r.startsWith('git@')) throw new CliError(`${path}: remote resource "${r}" cannot be fetched (mkctl reads local files only)`);
      if (!this.files.exists(p)) throw new CliError(`accumulating resources: accumulation err='accumulating resources from '${r}': open ${p}: no such file or directory'`);
      if (this.files.isDir(p)) objects.push(...this.buildDir(p, [...stack, dir]));
      else for (const o of this.objectsIn(p)) mark(o), objects.push(o);
    }
    this.generate(dir, k, objects);
    this.patch(dir, k, objects);
    this.transform(k, objects);
    return objects;
  }

  private objectsIn(path: string): Obj[] {
    const docs = this.parseYaml(this.files.read(path).toString('utf8'), path) as Obj[];
    const out: Obj[] = [];
    for (const d of docs) {
      if (!d) continue;
      if (d.kind === 'List' && Array.isArray(d.items)) out.push(...d.items);
      else out.push(d);
    }
    for (const o of out) if (!o.kind || !o.metadata?.name) throw new CliError(`${path}: missing metadata.name or kind in object ${JSON.stringify(o).slice(0, 120)}`);
    return out;
  }

  // ---- generators ------------------------------------------------------------------------------------

  private generate(dir: string, k: Record<string, any>, objects: Obj[]): void {
    const globalOpts = k.generatorOptions ?? {};
    const gens: [Generated, 'ConfigMap' | 'Secret'][] = [
      ...((k.configMapGenerator ?? []) as Generated[]).map((g) => [g, 'ConfigMap'] as [Generated, 'ConfigMap']),
      ...((k.secretGenerator ?? []) as Generated[]).map((g) => [g, 'Secret'] as [Generated, 'Secret']),
    ];
    for (const [g, kind] of gens) {
      const opts = { ...globalOpts, ...(g.options ?? {}), labels: { ...(globalOpts.labels ?? {}), ...(g.options?.labels ?? {}) }, annotations: { ...(globalOpts.annotations ?? {}), ...(g.options?.annotations ?? {}) } };
      const data = this.generatorData(dir, g);
      const behavior = g.behavior ?? 'create';
      const existing = objects.findIndex((o) => o.kind === kind && originalName(o) === g.name && (g.namespace === undefined || o.metadata.namespace === g.namespace));
      let obj: Obj;
      if (behavior === 'create') {
        if (existing >= 0) throw new CliError(`behavior must be merge or replace: ${kind} ${g.name} already exists`);
        obj = generatedObject(kind, g, data, opts);
        mark(obj, !opts.disableNameSuffixHash);
        objects.push(obj);
      } else {
        if (existing < 0) throw new CliError(`id ${kind} ${g.name} does not exist; cannot merge or replace`);
        const base = objects[existing];
        obj = generatedObject(kind, g, behavior === 'merge' ? { ...decodeData(base), ...data } : data, opts);
        obj.metadata = { ...base.metadata, labels: { ...(base.metadata.labels ?? {}), ...(obj.metadata.labels ?? {}) }, annotations: { ...(base.metadata.annotations ?? {}), ...(obj.metadata.annotations ?? {}) } };
        if (opts.disableNameSuffixHash) delete obj.metadata.annotations![NEEDS_HASH];
        if (!Object.keys(obj.metadata.labels!).length) delete obj.metadata.labels;
        if (!Object.keys(obj.metadata.annotations!).length) delete obj.metadata.annotations;
        objects[existing] = obj;
      }
    }
  }

  private generatorData(dir: string, g: Generated): Record<string, Buffer> {
    const data: Record<string, Buffer> = {};
    const put = (key: string, v: Buffer) => {
      if (key in data) throw new CliError(`configmap ${g.name} illegally repeats the key \`${key}\``);
      data[key] = v;
    };
    for (const env of [...(g.envs ?? []), ...(g.env ? [g.env] : [])]) for (const e of parseEnvFile(this.files.read(posix.join(dir, env)).toString('utf8'))) put(e.key, e.value);
    for (const l of g.literals ?? []) {
      const i = l.indexOf('=');
      if (i <= 0) throw new CliError(`invalid literal source ${l}, expected key=value`);
      put(l.slice(0, i), Buffer.from(unquote(l.slice(i + 1))));
    }
    for (const f of g.files ?? []) {
      const i = f.indexOf('=');
      const [key, path] = i > 0 ? [f.slice(0, i), f.slice(i + 1)] : [posix.basename(f), f];
      put(key, this.files.read(posix.join(dir, path)));
    }
    return data;
  }

  // ---- patches ----------------------------------------------------------------------------------------

  private patch(dir: string, k: Record<string, any>, objects: Obj[]): void {
    const load = (p: { path?: string; patch?: string }): unknown[] => (p.patch !== undefined ? this.parseYaml(p.patch, 'inline patch') : this.parseYaml(this.files.read(posix.join(dir, p.path!)).toString('utf8'), p.path!));
    for (const p of (k.patches ?? []) as { path?: string; patch?: string; target?: Target }[]) {
      const docs = load(p);
      if (docs.length === 1 && Array.isArray(docs[0])) {
        if (!p.target) throw new CliError('must specify a target for JSON patch');
        this.jsonPatch(objects, p.target, docs[0] as Op[]);
      } else for (const d of docs) this.smp(objects, d as Obj, p.target);
    }
    for (const p of (k.patchesStrategicMerge ?? []) as string[]) {
      const docs = /\n/.test(p) || /^\s*(apiVersion|kind):/.test(p) ? this.parseYaml(p, 'inline patch') : this.parseYaml(this.files.read(posix.join(dir, p)).toString('utf8'), p);
      for (const d of docs) this.smp(objects, d as Obj);
    }
    for (const p of (k.patchesJson6902 ?? []) as { path?: string; patch?: string; target: Target }[]) {
      const [ops] = load(p);
      this.jsonPatch(objects, p.target, ops as Op[]);
    }
  }

  private smp(objects: Obj[], patch: Obj, target?: Target): void {
    const named = (o: Obj) => o.metadata.name === patch.metadata?.name || originalName(o) === patch.metadata?.name;
    const hits = target ? objects.filter((o) => matchesTarget(o, target)) : objects.filter((o) => o.kind === patch.kind && named(o) && (!patch.metadata?.namespace || o.metadata.namespace === patch.metadata.namespace));
    if (!target && hits.length === 0) throw new CliError(`no resource matches strategic merge patch "${patch.kind}.${patch.apiVersion} ${patch.metadata?.name}"`);
    for (const o of hits) {
      const p = structuredClone(patch);
      if (p.metadata) {
        delete p.metadata.name;
        delete p.metadata.namespace;
      }
      const i = objects.indexOf(o);
      objects[i] = applyStrategicMergePatch(o, p, gvkOf(o)) as Obj;
    }
  }

  private jsonPatch(objects: Obj[], target: Target, ops: Op[]): void {
    for (let i = 0; i < objects.length; i++) {
      if (!matchesTarget(objects[i], target)) continue;
      try {
        objects[i] = applyPatch(structuredClone(objects[i]), ops as Operation[], true, false).newDocument;
      } catch (e) {
        throw new CliError(`applying JSON patch to ${objects[i].kind}/${objects[i].metadata.name}: ${(e as Error).message.split('\n')[0]}`, 1, { cause: e });
      }
    }
  }

  // ---- transformers -------------------------------------------------------------------------------------

  private transform(k: Record<string, any>, objects: Obj[]): void {
    if (k.namespace) for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind!)) o.metadata.namespace = k.namespace;
    if (k.namePrefix || k.nameSuffix) {
      for (const o of objects) if (o.kind !== 'Namespace' && o.kind !== 'CustomResourceDefinition') o.metadata.name = `${k.namePrefix ?? ''}${o.metadata.name}${k.nameSuffix ?? ''}`;
    }
    const labels: { pairs: Record<string, string>; selectors: boolean; templates: boolean }[] = [];
    if (k.commonLabels) labels.push({ pairs: k.commonLabels, selectors: true, templates: true });
    for (const l of (k.labels ?? []) as { pairs?: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[]) {
      labels.push({ pairs: l.pairs ?? {}, selectors: !!l.includeSelectors, templates: !!l.includeSelectors || !!l.includeTemplates });
    }
    for (const l of labels) for (const o of objects) addLabels(o, l.pairs, l.selectors, l.templates);
    if (k.commonAnnotations) for (const o of objects) addAnnotations(o, k.commonAnnotations);
    for (const img of (k.images ?? []) as ImageRule[]) for (const o of objects) for (const c of containersOf(o)) c.image = retag(c.image, img);
    for (const r of (k.replicas ?? []) as { name: string; count: number }[]) {
      for (const o of objects) if ((originalName(o) === r.name || o.metadata.name === r.name) && REPLICATED.has(o.kind!)) o.spec = { ...(o.spec ?? {}), replicas: r.count };
    }
  }
}

type Op = { op: string; path: string; value?: unknown; from?: string };
interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

const gvkOf = (o: Obj) => ({ apiVersion: o.apiVersion, kind: o.kind });

function matchesTarget(o: Obj, t: Target): boolean {
  const [group, version] = String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/') : ['', String(o.apiVersion)];
  const re = (pattern: string | undefined, v: string) => pattern === undefined || new RegExp(`^(?:${pattern})$`).test(v);
  if (t.group !== undefined && t.group !== group) return false;
  if (t.version !== undefined && t.version !== version) return false;
  if (!re(t.kind, o.kind ?? '') || !re(t.name, o.metadata.name ?? '') || !re(t.namespace, o.metadata.namespace ?? '')) return false;
  if (t.labelSelector && !matchesLabels(parseLabelSelector(t.labelSelector), o.metadata.labels ?? {})) return false;
  if (t.annotationSelector && !matchesLabels(parseLabelSelector(t.annotationSelector), o.metadata.annotations ?? {})) return false;
  return true;
}

function unquote(v: string): string {
  return v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) ? v.slice(1, -1) : v;
}

function decodeData(o: Obj): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  if (o.kind === 'Secret') for (const [k, v] of Object.entries(o.data ?? {})) out[k] = Buffer.from(String(v), 'base64');
  else {
    for (const [k, v] of Object.entries(o.data ?? {})) out[k] = Buffer.from(String(v));
    for (const [k, v] of Object.entries(o.binaryData ?? {})) out[k] = Buffer.from(String(v), 'base64');
  }
  return out;
}

function generatedObject(kind: 'ConfigMap' | 'Secret', g: Generated, data: Record<string, Buffer>, opts: NonNullable<Generated['options']>): Obj {
  const metadata: Record<string, unknown> = { name: g.name };
  if (g.namespace) metadata.namespace = g.namespace;
  if (opts.labels && Object.keys(opts.labels).length) metadata.labels = opts.labels;
  if (opts.annotations && Object.keys(opts.annotations).length) metadata.annotations = opts.annotations;
  const obj: Obj = { apiVersion: 'v1', kind, metadata: metadata as Obj['metadata'] };
  const keys = Object.keys(data).sort();
  if (kind === 'Secret') {
    obj.type = g.type ?? 'Opaque';
    if (keys.length) obj.data = Object.fromEntries(keys.map((k) => [k, data[k].toString('base64')]));
  } else {
    const text = keys.filter((k) => isUtf8(data[k]));
    const bin = keys.filter((k) => !isUtf8(data[k]));
    if (text.length) obj.data = Object.fromEntries(text.map((k) => [k, data[k].toString('utf8')]));
    if (bin.length) obj.binaryData = Object.fromEntries(bin.map((k) => [k, data[k].toString('base64')]));
  }
  if (opts.immutable) obj.immutable = true;
  return obj;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass', 'PriorityClass', 'IngressClass', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'APIService', 'RuntimeClass', 'CSIDriver', 'VolumeAttachment']);
const REPLICATED = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController']);
const WORKLOADS_WITH_SELECTOR = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']);

function podTemplates(o: Obj): Obj[] {
  if (o.kind === 'CronJob') return [o.spec?.jobTemplate?.spec?.template].filter(Boolean);
  if (o.kind === 'Pod') return [o];
  return [o.spec?.template].filter(Boolean);
}

function containersOf(o: Obj): { image?: string }[] {
  return podTemplates(o).flatMap((t) => [...(t.spec?.containers ?? []), ...(t.spec?.initContainers ?? [])]);
}

/** commonLabels / labels: metadata always; selectors and pod templates as asked (kustomize's fieldspecs for the built-in kinds). */
function addLabels(o: Obj, pairs: Record<string, string>, selectors: boolean, templates: boolean): void {
  o.metadata.labels = { ...(o.metadata.labels ?? {}), ...pairs };
  if (templates) {
    for (const t of podTemplates(o)) if (t !== o) t.metadata = { ...(t.metadata ?? {}), labels: { ...(t.metadata?.labels ?? {}), ...pairs } };
    if (o.kind === 'CronJob' && o.spec?.jobTemplate) o.spec.jobTemplate.metadata = { ...(o.spec.jobTemplate.metadata ?? {}), labels: { ...(o.spec.jobTemplate.metadata?.labels ?? {}), ...pairs } };
  }
  if (!selectors) return;
  if (o.kind === 'Service' || o.kind === 'ReplicationController') {
    if (o.kind === 'Service' && o.spec?.type === 'ExternalName') return;
    o.spec = { ...(o.spec ?? {}), selector: { ...(o.spec?.selector ?? {}), ...pairs } };
  } else if (WORKLOADS_WITH_SELECTOR.has(o.kind!) || o.kind === 'PodDisruptionBudget' || o.kind === 'NetworkPolicy') {
    const key = o.kind === 'NetworkPolicy' ? 'podSelector' : 'selector';
    o.spec = { ...(o.spec ?? {}), [key]: { ...(o.spec?.[key] ?? {}), matchLabels: { ...(o.spec?.[key]?.matchLabels ?? {}), ...pairs } } };
  }
}

function addAnnotations(o: Obj, pairs: Record<string, string>): void {
  o.metadata.annotations = { ...(o.metadata.annotations ?? {}), ...pairs };
  for (const t of podTemplates(o)) if (t !== o) t.metadata = { ...(t.metadata ?? {}), annotations: { ...(t.metadata?.annotations ?? {}), ...pairs } };
}

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/** The images transformer: a container image whose name matches gets the new name, tag or digest. */
export function retag(image: string | undefined, r: ImageRule): string | undefined {
  if (!image) return image;
  const at = image.indexOf('@');
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > withoutDigest.lastIndexOf('/');
  const name = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  if (name !== r.name) return image;
  let tagPart = at >= 0 ? image.slice(at) : hasTag ? withoutDigest.slice(colon) : '';
  if (r.newTag !== undefined) tagPart = `:${r.newTag}`;
  if (r.digest !== undefined) tagPart = `@${r.digest}`;
  return `${r.newName ?? name}${tagPart}`;
}

/** Point pod templates' ConfigMap/Secret references at their new (hashed, prefixed) names. */
function fixReferences(o: Obj, renames: Map<string, string>): void {
  const cm = (n: string | undefined) => (n && renames.get(`ConfigMap/${n}`)) || n;
  const sec = (n: string | undefined) => (n && renames.get(`Secret/${n}`)) || n;
  for (const t of podTemplates(o)) {
    const spec = t.spec ?? {};
    for (const v of spec.volumes ?? []) {
      if (v.configMap?.name) v.configMap.name = cm(v.configMap.name);
      if (v.secret?.secretName) v.secret.secretName = sec(v.secret.secretName);
      for (const s of v.projected?.sources ?? []) {
        if (s.configMap?.name) s.configMap.name = cm(s.configMap.name);
        if (s.secret?.name) s.secret.name = sec(s.secret.name);
      }
    }
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const e of c.env ?? []) {
        if (e.valueFrom?.configMapKeyRef?.name) e.valueFrom.configMapKeyRef.name = cm(e.valueFrom.configMapKeyRef.name);
        if (e.valueFrom?.secretKeyRef?.name) e.valueFrom.secretKeyRef.name = sec(e.valueFrom.secretKeyRef.name);
      }
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef?.name) e.configMapRef.name = cm(e.configMapRef.name);
        if (e.secretRef?.name) e.secretRef.name = sec(e.secretRef.name);
      }
    }
    for (const s of spec.imagePullSecrets ?? []) if (s.name) s.name = sec(s.name);
  }
}

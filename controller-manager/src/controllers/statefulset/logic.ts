// StatefulSet decisions (upstream stateful_set_control.go, simplified): stable ordinals, ordered or
// parallel scaling, one-at-a-time rolling updates from the highest ordinal down to the partition.
import { isPodReady, isPodTerminal, type apps, type Claim, type core, type meta, type ObjectMeta } from '@minik8s/shared';
import type { Pod } from '../../util/types';

export const REVISION_LABEL = 'controller-revision-hash';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export function ordinalOf(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export interface SetView {
  name: string;
  replicas: number;
  start: number;
  parallel: boolean;
  rolling: boolean;
  partition: number;
  updateRevision: string;
}

export interface Plan {
  create: number[];
  delete: Pod[];
}

const healthy = (p: Pod) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && isPodReady(p);

/** What to create and delete now. Ordered sets act on one pod at a time and wait for it to be Running and Ready. */
export function planSet(s: SetView, pods: Pod[]): Plan {
  const byOrdinal = new Map<number, Pod>();
  const condemned: Pod[] = [];
  for (const p of pods) {
    const o = ordinalOf(s.name, p.metadata.name!);
    if (o === undefined) continue;
    if (o >= s.start && o < s.start + s.replicas) byOrdinal.set(o, p);
    else condemned.push(p);
  }
  condemned.sort((a, b) => ordinalOf(s.name, b.metadata.name!)! - ordinalOf(s.name, a.metadata.name!)!);
  const plan: Plan = { create: [], delete: [] };

  // Failed or finished pods are deleted to be recreated under the same name.
  for (const p of byOrdinal.values()) if (isPodTerminal(p) && !p.metadata.deletionTimestamp) plan.delete.push(p);
  if (plan.delete.length && !s.parallel) return { create: [], delete: [plan.delete.sort((a, b) => ordinalOf(s.name, a.metadata.name!)! - ordinalOf(s.name, b.metadata.name!)!)[0]] };

  for (let o = s.start; o < s.start + s.replicas; o++) {
    const p = byOrdinal.get(o);
    if (!p) {
      plan.create.push(o);
      if (!s.parallel) return plan;
      continue;
    }
    if (!s.parallel && !healthy(p)) return plan;
  }
  if (s.parallel) {
    plan.delete.push(...condemned.filter((p) => !p.metadata.deletionTimestamp));
    if (plan.create.length || plan.delete.length) return plan;
  } else if (condemned.length) {
    // Highest ordinal first, waiting for each to be gone.
    if (condemned.some((p) => p.metadata.deletionTimestamp)) return plan;
    plan.delete.push(condemned[0]);
    return plan;
  }
  if (plan.delete.length) return plan;

  // Rolling update: highest ordinal first, down to the partition, one pod at a time.
  if (!s.rolling) return plan;
  const inRange = [...byOrdinal.entries()].sort(([a], [b]) => b - a);
  if (inRange.some(([, p]) => !healthy(p))) return plan;
  for (const [o, p] of inRange) {
    if (o < s.start + s.partition) break;
    if (p.metadata.labels?.[REVISION_LABEL] !== s.updateRevision) {
      plan.delete.push(p);
      break;
    }
  }
  return plan;
}

// --- volumeClaimTemplates (upstream stateful_set_utils.go) ---

type Set = apps.StatefulSet & { metadata: ObjectMeta };

/** `<template>-<set>-<ordinal>`: the claim an ordinal keeps across pod replacements. */
export const claimName = (template: string, set: string, ordinal: number) => `${template}-${set}-${ordinal}`;

/** getPersistentVolumeClaims: the claims of an ordinal, from the templates, labelled with the set's selector labels. */
export function claimsForOrdinal(set: Set, ordinal: number): Claim[] {
  return (set.spec?.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(t.metadata?.name ?? '', set.metadata.name!, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
    },
    spec: structuredClone(t.spec ?? {}),
  }));
}

/** updateStorage: a volume per claim template (replacing the template's volume of that name), then the others. */
export function podVolumes(set: Set, ordinal: number, volumes: core.Volume[] = []): core.Volume[] {
  const templates = set.spec?.volumeClaimTemplates ?? [];
  const names = new Set(templates.map((t) => t.metadata?.name));
  const claims = templates.map((t) => ({
    name: t.metadata?.name ?? '',
    persistentVolumeClaim: { claimName: claimName(t.metadata?.name ?? '', set.metadata.name!, ordinal) },
  }));
  return [...claims, ...volumes.filter((v) => !names.has(v.name))];
}

interface Owner {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

const controllerRef = (o: Owner): meta.OwnerReference => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true });

/**
 * updateClaimOwnerRefForSetAndPod: who owns an ordinal's claim under the set's
 * persistentVolumeClaimRetentionPolicy — the set when whenDeleted is Delete (the claim goes with the set),
 * the pod of a scaled-down ordinal when whenScaled is Delete (the claim goes with the pod), nobody for
 * Retain. References to anything else are kept. Undefined when the claim is already right.
 */
export function claimOwnerRefs(claim: Claim, set: Owner & { spec?: apps.StatefulSetSpec }, pod: Owner | undefined, scaledDown: boolean): meta.OwnerReference[] | undefined {
  const cur = claim.metadata.ownerReferences ?? [];
  const related = new Set([set.metadata.uid, pod?.metadata.uid].filter(Boolean));
  const refs = cur.filter((r) => !related.has(r.uid));
  const policy = set.spec?.persistentVolumeClaimRetentionPolicy;
  if (scaledDown && policy?.whenScaled === 'Delete' && pod) refs.push(controllerRef(pod));
  if (!scaledDown && policy?.whenDeleted === 'Delete') refs.push(controllerRef(set));
  const key = (l: meta.OwnerReference[]) => JSON.stringify(l.map((r) => [r.uid, r.controller === true]).sort());
  return key(refs) === key(cur) ? undefined : refs;
}

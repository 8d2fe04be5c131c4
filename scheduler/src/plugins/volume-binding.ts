// VolumeBinding (upstream pkg/scheduler/framework/plugins/volumebinding), pure: a pod's claims must exist;
// unbound claims of Immediate classes wait for the PV controller; a bound claim's volume must be reachable
// from the node (its node affinity); an unbound WaitForFirstConsumer claim needs on the node either an
// Available volume that matches (the smallest) or a class that can provision there (a provisioner, and
// the node within allowedTopologies). planVolumes says, for the chosen node, which volumes to bind and
// which claims to provision; the scheduler's shell carries that out before binding the pod.
import {
  ANN_SELECTED_NODE,
  NO_PROVISIONER,
  claimClass,
  claimRequest,
  findMatchingVolume,
  isWaitForFirstConsumer,
  podClaimNames,
  volumeNodeAffinityMatches,
  type Claim,
  type core,
  type StorageClass,
  type Volume,
} from '@minik8s/shared';
import { unresolvable, type CycleContext, type Plugin, type Status } from '../framework';
import type { NodeInfo } from '../model';

export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

/** What the plugin reads: the scheduler's claim, volume and class informers, and what binds in flight took. */
export interface VolumeView {
  claim(namespace: string, name: string): Claim | undefined;
  volume(name: string): Volume | undefined;
  volumes(): readonly Volume[];
  storageClass(name: string): StorageClass | undefined;
  /** Volumes assumed for claims by binds in flight (name → "ns/claim"). */
  assumedVolumes: ReadonlyMap<string, string>;
  /** Claims assumed to be provisioned on a node by binds in flight ("ns/claim" → node). */
  assumedProvisions: ReadonlyMap<string, string>;
}

export interface PodClaims {
  bound: Claim[];
  /** Unbound claims of WaitForFirstConsumer classes: the scheduler decides their volume. */
  delayed: Claim[];
}

/** For the chosen node: volumes to bind to claims, and claims to provision there. */
export interface VolumePlan {
  bindings: { claim: Claim; volume: Volume }[];
  provisions: Claim[];
}

const STATE = 'VolumeBinding';
const key = (c: Claim) => `${c.metadata.namespace}/${c.metadata.name}`;

/** GetPodVolumeClaims: the pod's claims sorted out, or why the pod cannot be scheduled anywhere. */
export function podClaims(pod: core.Pod, view: VolumeView): PodClaims | Status {
  const out: PodClaims = { bound: [], delayed: [] };
  for (const name of podClaimNames(pod)) {
    const c = view.claim(pod.metadata?.namespace ?? 'default', name);
    if (!c) return unresolvable(STATE, `persistentvolumeclaim "${name}" not found`);
    if (c.metadata.deletionTimestamp) return unresolvable(STATE, `persistentvolumeclaim "${name}" is being deleted`);
    if (c.spec?.volumeName) out.bound.push(c);
    else if (isWaitForFirstConsumer(view.storageClass(claimClass(c)))) out.delayed.push(c);
    else return unresolvable(STATE, ERR_UNBOUND_IMMEDIATE);
  }
  return out;
}

/** MatchTopologySelectorTerms: no terms allow every node; otherwise one term whose every expression the node's labels meet. */
export function matchesTopology(terms: storageTopology[] | undefined, node: core.Node): boolean {
  if (!terms?.length) return true;
  const labels = node.metadata?.labels ?? {};
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((e) => labels[e.key] !== undefined && e.values.includes(labels[e.key])));
}
type storageTopology = NonNullable<StorageClass['allowedTopologies']>[number];

/**
 * FindPodVolumes for one node: why it does not fit (reasons), or the plan for it. Bound claims need their
 * volume to exist and be reachable; delayed claims already provisioned for a node stay there; the others
 * take the smallest matching Available volume reachable from the node (largest requests first, no volume
 * twice), else need a class that provisions on the node.
 */
export function planVolumes(claims: PodClaims, node: core.Node, view: VolumeView): { reasons: string[] } | { plan: VolumePlan } {
  const reasons: string[] = [];
  for (const c of claims.bound) {
    const v = view.volume(c.spec!.volumeName!);
    if (!v) {
      reasons.push(ERR_PV_NOT_EXIST);
      break;
    }
    if (!volumeNodeAffinityMatches(v, node)) {
      reasons.push(ERR_NODE_CONFLICT);
      break;
    }
  }
  const plan: VolumePlan = { bindings: [], provisions: [] };
  const toMatch: Claim[] = [];
  let bindable = true;
  for (const c of claims.delayed) {
    const selected = c.metadata.annotations?.[ANN_SELECTED_NODE] ?? view.assumedProvisions.get(key(c));
    if (selected === undefined) toMatch.push(c);
    else if (selected !== node.metadata?.name) bindable = false;
    else plan.provisions.push(c);
  }
  if (bindable) {
    const taken = new Set<string>();
    for (const [volume, claim] of view.assumedVolumes) if (!toMatch.some((c) => key(c) === claim)) taken.add(volume);
    const volumes = view.volumes();
    for (const c of [...toMatch].sort((a, b) => claimRequest(b) - claimRequest(a))) {
      const v = findMatchingVolume(c, volumes, { node, excluded: taken, delayBinding: true });
      if (v) {
        taken.add(v.metadata.name!);
        plan.bindings.push({ claim: c, volume: v });
      } else plan.provisions.push(c);
    }
    for (const c of plan.provisions) {
      const sc = view.storageClass(claimClass(c));
      if (!sc?.provisioner || sc.provisioner === NO_PROVISIONER || !matchesTopology(sc.allowedTopologies, node)) {
        bindable = false;
        break;
      }
    }
  }
  if (!bindable) reasons.push(ERR_BIND_CONFLICT);
  return reasons.length ? { reasons } : { plan };
}

const EMPTY_VIEW: VolumeView = {
  claim: () => undefined,
  volume: () => undefined,
  volumes: () => [],
  storageClass: () => undefined,
  assumedVolumes: new Map(),
  assumedProvisions: new Map(),
};

export const viewOf = (ctx: CycleContext): VolumeView => ctx.snapshot.volumes ?? EMPTY_VIEW;

export const VolumeBinding: Plugin = {
  name: STATE,
  preFilter(ctx) {
    if (!ctx.pod.spec?.volumes?.some((v) => v.persistentVolumeClaim)) {
      ctx.state.set(STATE, undefined);
      return undefined;
    }
    const claims = podClaims(ctx.pod, viewOf(ctx));
    if ('code' in claims) return claims;
    ctx.state.set(STATE, claims);
    return undefined;
  },
  filter(ctx, node: NodeInfo) {
    const claims = ctx.state.get(STATE) as PodClaims | undefined;
    if (!claims || (!claims.bound.length && !claims.delayed.length)) return undefined;
    const r = planVolumes(claims, node.node, viewOf(ctx));
    return 'reasons' in r ? unresolvable(STATE, ...r.reasons) : undefined;
  },
};

// InterPodAffinity (required terms): the incoming pod's anti-affinity and required affinity against
// pods already placed, and placed pods' anti-affinity against the incoming pod.
import { labelSelectorFromObject, matchesLabels, type core } from '@minik8s/shared';
import type { CycleContext, Plugin } from '../framework';
import { unresolvable, unschedulable } from '../framework';
import type { NodeInfo, Snapshot } from '../model';
import { topologyValue } from './helpers';

export const ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_AFFINITY = "node(s) didn't match pod affinity rules";

/** Does `term` (declared by a pod in `ownerNs`) select `pod`? Empty namespaceSelector = all namespaces. */
export function termSelectsPod(term: core.PodAffinityTerm, ownerNs: string, pod: core.Pod): boolean {
  const ns = pod.metadata?.namespace ?? 'default';
  const all = term.namespaceSelector && !term.namespaceSelector.matchLabels && !term.namespaceSelector.matchExpressions;
  if (!all) {
    const namespaces = term.namespaces?.length ? term.namespaces : term.namespaceSelector ? [] : [ownerNs];
    if (!namespaces.includes(ns)) return false;
  }
  return matchesLabels(labelSelectorFromObject(term.labelSelector), pod.metadata?.labels);
}

interface State {
  /** "topologyKey\0value" pairs the incoming pod must avoid (its own anti-affinity). */
  anti: Set<string>;
  /** Pairs an existing pod's anti-affinity forbids for the incoming pod. */
  existingAnti: Set<string>;
  /** Per required affinity term: pairs where a matching pod runs. */
  affinity: { term: core.PodAffinityTerm; pairs: Set<string> }[];
  /** No pod matches any affinity term anywhere; the pod may then match itself (upstream special case). */
  affinityNoMatches: boolean;
}

const pair = (k: string, v: string) => `${k}\0${v}`;

function compute(pod: core.Pod, snapshot: Snapshot): State {
  const ns = pod.metadata?.namespace ?? 'default';
  const antiTerms = pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const affTerms = pod.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const st: State = {
    anti: new Set(),
    existingAnti: new Set(),
    affinity: affTerms.map((term) => ({ term, pairs: new Set() })),
    affinityNoMatches: true,
  };
  const needAll = antiTerms.length > 0 || affTerms.length > 0;
  for (const ni of snapshot.nodes) {
    if (!needAll && ni.antiAffinityPods.size === 0) continue;
    const others = needAll ? ni.pods.values() : [...ni.antiAffinityPods].map((k) => ni.pods.get(k)!);
    for (const pi of others) {
      const other = pi.pod;
      for (const t of antiTerms) {
        const v = topologyValue(ni.node, t.topologyKey);
        if (v !== undefined && termSelectsPod(t, ns, other)) st.anti.add(pair(t.topologyKey, v));
      }
      for (const a of st.affinity) {
        const v = topologyValue(ni.node, a.term.topologyKey);
        if (termSelectsPod(a.term, ns, other)) {
          st.affinityNoMatches = false;
          if (v !== undefined) a.pairs.add(pair(a.term.topologyKey, v));
        }
      }
      const otherAnti = other.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
      if (!otherAnti) continue;
      for (const t of otherAnti) {
        const v = topologyValue(ni.node, t.topologyKey);
        if (v !== undefined && termSelectsPod(t, other.metadata?.namespace ?? 'default', pod)) st.existingAnti.add(pair(t.topologyKey, v));
      }
    }
  }
  return st;
}

function violates(set: Set<string>, node: NodeInfo): boolean {
  for (const p of set) {
    const [k, v] = p.split('\0');
    if (topologyValue(node.node, k) === v) return true;
  }
  return false;
}

export const InterPodAffinity: Plugin = {
  name: 'InterPodAffinity',
  preFilter(ctx: CycleContext) {
    ctx.state.set('InterPodAffinity', compute(ctx.pod, ctx.snapshot));
  },
  filter(ctx, node) {
    const st = (ctx.state.get('InterPodAffinity') as State | undefined) ?? compute(ctx.pod, ctx.snapshot);
    if (!st.affinity.length && !st.anti.size && !st.existingAnti.size) return undefined;
    for (const a of st.affinity) {
      const v = topologyValue(node.node, a.term.topologyKey);
      if (v === undefined) return unresolvable('InterPodAffinity', ERR_AFFINITY);
      if (a.pairs.has(pair(a.term.topologyKey, v))) continue;
      // The first pod of a group that selects itself may go anywhere with the topology key.
      const selfMatch =
        st.affinityNoMatches && st.affinity.every((x) => termSelectsPod(x.term, ctx.pod.metadata?.namespace ?? 'default', ctx.pod));
      if (!selfMatch) return unresolvable('InterPodAffinity', ERR_AFFINITY);
    }
    if (st.anti.size && violates(st.anti, node)) return unschedulable('InterPodAffinity', ERR_ANTI_AFFINITY);
    if (st.existingAnti.size && violates(st.existingAnti, node)) return unschedulable('InterPodAffinity', ERR_EXISTING_ANTI_AFFINITY);
    return undefined;
  },
};

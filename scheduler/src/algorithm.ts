// One scheduling decision (upstream schedulePod): filter every node, score the feasible ones,
// pick the best (ties broken at random), or explain with a FitError why none fits.
import type { core } from '@minik8s/shared';
import type { CycleContext, Plugin, Status } from './framework';
import { removePod, type NodeInfo, type Snapshot } from './model';
import { podRequests } from './resources';
import { podPriority } from './plugins/helpers';

export interface Profile {
  schedulerName: string;
  /** Filter plugins, in order: a node stops at the first that rejects it. */
  filters: Plugin[];
  /** Score plugins with their weights. */
  scores: { plugin: Plugin; weight: number }[];
}

export interface FitError {
  numAllNodes: number;
  /** Node name → the status of the filter that rejected it. */
  statuses: Map<string, Status>;
  /** Upstream's PostFilter (preemption) diagnosis. */
  postFilterMsg: string;
  /** Why a PreFilter plugin rejected the pod (then every node has that status). */
  preFilterMsg?: string;
}

export type ScheduleResult = { node: string; feasible: number } | { fitError: FitError };

export function newCycle(pod: core.Pod, snapshot: Snapshot): CycleContext {
  return { pod, requests: podRequests(pod), nonZeroRequests: podRequests(pod, true), snapshot, state: new Map() };
}

function runFilters(ctx: CycleContext, filters: Plugin[], node: NodeInfo): Status | undefined {
  for (const f of filters) {
    const s = f.filter!(ctx, node);
    if (s) return s;
  }
  return undefined;
}

/** Weighted sum of normalized plugin scores for every feasible node. */
export function scoreNodes(ctx: CycleContext, profile: Profile, nodes: NodeInfo[]): number[] {
  const totals = new Array<number>(nodes.length).fill(0);
  for (const { plugin, weight } of profile.scores) {
    plugin.preScore?.(ctx, nodes);
    const scores = nodes.map((n) => plugin.score!(ctx, n));
    plugin.normalize?.(ctx, scores);
    for (let i = 0; i < nodes.length; i++) totals[i] += scores[i] * weight;
  }
  return totals;
}

export function schedulePod(pod: core.Pod, snapshot: Snapshot, profile: Profile, random: () => number = Math.random): ScheduleResult {
  const ctx = newCycle(pod, snapshot);
  const filters = profile.filters.filter((p) => p.filter);
  for (const f of filters) {
    const rejected = f.preFilter?.(ctx);
    if (!rejected) continue;
    if (snapshot.nodes.length === 0) return { fitError: { numAllNodes: 0, statuses: new Map(), postFilterMsg: '' } };
    const all = new Map(snapshot.nodes.map((n) => [n.name, rejected]));
    return { fitError: { numAllNodes: snapshot.nodes.length, statuses: all, preFilterMsg: rejected.reasons.join(', '), postFilterMsg: preemptionDiagnosis(ctx, filters, snapshot, all) } };
  }
  const feasible: NodeInfo[] = [];
  const statuses = new Map<string, Status>();
  for (const n of snapshot.nodes) {
    const s = runFilters(ctx, filters, n);
    if (s) statuses.set(n.name, s);
    else feasible.push(n);
  }
  if (feasible.length === 0) {
    if (snapshot.nodes.length === 0) return { fitError: { numAllNodes: 0, statuses, postFilterMsg: '' } };
    return { fitError: { numAllNodes: snapshot.nodes.length, statuses, postFilterMsg: preemptionDiagnosis(ctx, filters, snapshot, statuses) } };
  }
  if (feasible.length === 1) return { node: feasible[0].name, feasible: 1 };
  const totals = scoreNodes(ctx, profile, feasible);
  // Reservoir sampling among the top scores, as upstream selectHost.
  let best = 0;
  let ties = 1;
  for (let i = 1; i < feasible.length; i++) {
    if (totals[i] > totals[best]) {
      best = i;
      ties = 1;
    } else if (totals[i] === totals[best]) {
      ties++;
      if (random() * ties < 1) best = i;
    }
  }
  return { node: feasible[best].name, feasible: feasible.length };
}

/**
 * What upstream DefaultPreemption would report, without evicting anything (minik8s does not preempt):
 * unresolvable nodes are "not helpful"; elsewhere, with no lower-priority pods there are no victims,
 * otherwise the filters are re-run as if every lower-priority pod were gone.
 */
export function preemptionDiagnosis(ctx: CycleContext, filters: Plugin[], snapshot: Snapshot, statuses: Map<string, Status>): string {
  if (ctx.pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
  const prio = podPriority(ctx.pod);
  const out = new Map<string, Status>();
  for (const n of snapshot.nodes) {
    const s = statuses.get(n.name);
    if (!s) continue;
    if (s.code === 'UnschedulableAndUnresolvable') {
      out.set(n.name, { code: s.code, plugin: 'DefaultPreemption', reasons: ['Preemption is not helpful for scheduling'] });
      continue;
    }
    const lower = [...n.pods.values()].filter((p) => podPriority(p.pod) < prio);
    if (lower.length === 0) {
      out.set(n.name, { code: 'UnschedulableAndUnresolvable', plugin: 'DefaultPreemption', reasons: ['No preemption victims found for incoming pod'] });
      continue;
    }
    const stripped: NodeInfo = { ...n, pods: new Map(n.pods), requested: { ...n.requested }, nonZeroRequested: { ...n.nonZeroRequested }, usedPorts: [...n.usedPorts], antiAffinityPods: new Set(n.antiAffinityPods) };
    for (const p of lower) removePod(stripped, p.key);
    const again = runFilters(ctx, filters, stripped);
    out.set(n.name, again ?? { code: 'Unschedulable', plugin: 'DefaultPreemption', reasons: ['No preemption victims found for incoming pod'] });
  }
  return `preemption: ${histogramMessage(snapshot.nodes.length, out)}`;
}

/** "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}." */
export function histogramMessage(numAllNodes: number, statuses: Map<string, Status>): string {
  const counts = new Map<string, number>();
  for (const s of statuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  let msg = `0/${numAllNodes} nodes are available:`;
  if (parts.length) msg += ` ${parts.join(', ')}.`;
  return msg;
}

/** upstream FitError.Error(): a PreFilter rejection's message replaces the per-node histogram. */
export function fitErrorMessage(e: FitError): string {
  if (e.numAllNodes === 0) return 'no nodes available to schedule pods';
  let msg = e.preFilterMsg ? `0/${e.numAllNodes} nodes are available: ${e.preFilterMsg}.` : histogramMessage(e.numAllNodes, e.statuses);
  if (e.postFilterMsg) msg += ` ${e.postFilterMsg}`;
  return msg;
}

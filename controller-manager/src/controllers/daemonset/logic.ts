// DaemonSet placement (upstream daemon controller NodeShouldRunDaemonPod + util), pure.
import type { core } from '@minik8s/shared';
import { tolerates } from '../nodelifecycle/decisions';
import type { Node, Pod } from '../../util/types';

/** Tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations), so it survives node trouble. */
export function daemonTolerations(spec: core.PodSpec): core.Toleration[] {
  const add: core.Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) add.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const have = spec.tolerations ?? [];
  return [...have, ...add.filter((t) => !have.some((h) => h.key === t.key && h.effect === t.effect))];
}

function exprMatches(e: core.NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = e.values ?? [];
  switch (e.operator) {
    case 'In': return value !== undefined && vals.includes(value);
    case 'NotIn': return value === undefined || !vals.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': return value !== undefined && /^-?\d+$/.test(value) && Number(value) > Number(vals[0]);
    case 'Lt': return value !== undefined && /^-?\d+$/.test(value) && Number(value) < Number(vals[0]);
    default: return false;
  }
}

/** Required node affinity: any term matches (terms are ORed, expressions ANDed). */
export function nodeAffinityMatches(spec: core.PodSpec, node: Node): boolean {
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return true;
  const labels = node.metadata.labels ?? {};
  return terms.some(
    (t) =>
      (t.matchExpressions?.length || t.matchFields?.length) &&
      (t.matchExpressions ?? []).every((e) => exprMatches(e, labels[e.key])) &&
      (t.matchFields ?? []).every((e) => exprMatches(e, e.key === 'metadata.name' ? node.metadata.name : undefined)),
  );
}

/** Whether a daemon pod belongs on this node: selector, affinity and (with daemon tolerations) taints. */
export function shouldRun(spec: core.PodSpec, node: Node): boolean {
  const sel = spec.nodeSelector ?? {};
  const labels = node.metadata.labels ?? {};
  if (!Object.entries(sel).every(([k, v]) => labels[k] === v)) return false;
  if (!nodeAffinityMatches(spec, node)) return false;
  const tols = daemonTolerations(spec);
  return (node.spec?.taints ?? []).every((taint) => taint.effect === 'PreferNoSchedule' || tols.some((t) => tolerates(t, taint)));
}

/** The node a daemon pod is for: spec.nodeName, or the metadata.name its required affinity pins. */
export function podNode(p: Pod): string | undefined {
  if (p.spec?.nodeName) return p.spec.nodeName;
  for (const t of p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    const f = t.matchFields?.find((m) => m.key === 'metadata.name' && m.operator === 'In' && m.values?.length === 1);
    if (f) return f.values![0];
  }
  return undefined;
}

/** The pod spec pinned to `node` through required node affinity on metadata.name (ReplaceDaemonSetPodNodeNameNodeAffinity). */
export function pinToNode(spec: core.PodSpec, node: string): core.PodSpec {
  const out = structuredClone(spec);
  const field = { key: 'metadata.name', operator: 'In', values: [node] };
  const na = ((out.affinity ??= {}).nodeAffinity ??= {});
  const req = (na.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] });
  if (!req.nodeSelectorTerms.length) req.nodeSelectorTerms = [{ matchFields: [field] }];
  else req.nodeSelectorTerms = req.nodeSelectorTerms.map((t) => ({ ...t, matchFields: [field] }));
  out.tolerations = daemonTolerations(spec);
  return out;
}

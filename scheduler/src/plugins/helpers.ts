// Matching rules shared by several plugins (k8s.io/component-helpers/scheduling/corev1).
import type { core } from '@minik8s/shared';

/** v1helper.ToleratesTaint. */
export function toleratesTaint(t: core.Toleration, taint: core.Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function tolerated(tolerations: core.Toleration[] | undefined, taint: core.Taint): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

function parseIntStrict(s: string | undefined): number | undefined {
  if (s === undefined || !/^[+-]?\d+$/.test(s)) return undefined;
  return Number(s);
}

/** One NodeSelectorRequirement against a label (or field) map. */
export function requirementMatches(r: core.NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(v);
    case 'NotIn':
      return !has || !values.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1) return false;
      const a = parseIntStrict(v);
      const b = parseIntStrict(values[0]);
      if (a === undefined || b === undefined) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** A NodeSelectorTerm: ANDs its expressions and fields; an empty term matches nothing (as upstream). */
export function termMatches(term: core.NodeSelectorTerm, node: core.Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  if (!exprs.every((r) => requirementMatches(r, labels))) return false;
  const fieldMap = { 'metadata.name': node.metadata?.name ?? '' };
  return fields.every((r) => r.key === 'metadata.name' && (r.operator === 'In' || r.operator === 'NotIn') && requirementMatches(r, fieldMap));
}

/** A NodeSelector: ORs its terms. */
export function nodeSelectorMatches(sel: core.NodeSelector, node: core.Node): boolean {
  return (sel.nodeSelectorTerms ?? []).some((t) => termMatches(t, node));
}

/** The node's value for a topology key; kubernetes.io/hostname falls back to the node name. */
export function topologyValue(node: core.Node, key: string): string | undefined {
  const v = node.metadata?.labels?.[key];
  if (v !== undefined) return v;
  return key === 'kubernetes.io/hostname' ? node.metadata?.name : undefined;
}

export function podPriority(pod: core.Pod): number {
  return pod.spec?.priority ?? 0;
}

// Node selectors and required node affinity, as component-helpers/scheduling/corev1/nodeaffinity
// evaluates them for the scheduler and the DaemonSet controller alike.
import type { core } from '../api/types';
import { matchesLabels, newRequirement, type LabelSelector, type Operator } from '../selectors/labels';

type NodeLike = Pick<core.Node, 'metadata'>;

const LABEL_OPERATORS: Record<string, Operator> = { In: 'In', NotIn: 'NotIn', Exists: 'Exists', DoesNotExist: 'DoesNotExist', Gt: 'GreaterThan', Lt: 'LessThan' };

/** nodeSelectorRequirementsAsSelector: matchExpressions as a label selector; throws on an invalid one. */
function expressionsAsSelector(reqs: readonly core.NodeSelectorRequirement[]): LabelSelector {
  return {
    requirements: reqs.map((r) => {
      const op = LABEL_OPERATORS[r.operator];
      if (!op) throw new Error(`unsupported node selector operator "${r.operator}"`);
      return newRequirement(r.key, op, [...(r.values ?? [])]);
    }),
  };
}

/**
 * nodeSelectorRequirementsAsFieldSelector: matchFields take In or NotIn with exactly one value, and
 * compare against the node's fields (metadata.name), an absent field reading as "".
 */
function fieldsAsSelector(reqs: readonly core.NodeSelectorRequirement[]): (fields: Record<string, string>) => boolean {
  const checks = reqs.map((r) => {
    if ((r.operator !== 'In' && r.operator !== 'NotIn') || r.values?.length !== 1) throw new Error(`invalid node field requirement on "${r.key}"`);
    const want = r.values[0];
    return (f: Record<string, string>) => ((f[r.key] ?? '') === want) === (r.operator === 'In');
  });
  return (fields) => checks.every((c) => c(fields));
}

interface ParsedTerm {
  labels?: LabelSelector;
  fields?: (fields: Record<string, string>) => boolean;
}

// A term is parsed once (as upstream parses a pod's affinity once per scheduling cycle), then matched
// against every node. Specs from informers are never mutated in place, so the term object is the key.
const parsedTerms = new WeakMap<core.NodeSelectorTerm, ParsedTerm | null>();

/** The parsed term, or null when it is empty or does not parse (it then matches no node). */
function parseTerm(term: core.NodeSelectorTerm): ParsedTerm | null {
  let parsed = parsedTerms.get(term);
  if (parsed !== undefined) return parsed;
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  try {
    parsed = exprs.length === 0 && fields.length === 0 ? null : { labels: exprs.length ? expressionsAsSelector(exprs) : undefined, fields: fields.length ? fieldsAsSelector(fields) : undefined };
  } catch {
    parsed = null;
  }
  parsedTerms.set(term, parsed);
  return parsed;
}

/**
 * One NodeSelectorTerm: its matchExpressions (on labels) and matchFields (on metadata.name) ANDed.
 * An empty term and a term that does not parse match no node; a node without a name skips matchFields.
 */
export function nodeSelectorTermMatches(term: core.NodeSelectorTerm, node: NodeLike): boolean {
  const t = parseTerm(term);
  if (!t) return false;
  if (t.labels && !matchesLabels(t.labels, node.metadata?.labels ?? {})) return false;
  const name = node.metadata?.name;
  return !t.fields || !name || t.fields({ 'metadata.name': name });
}

/** A NodeSelector: its terms ORed. */
export function nodeSelectorMatches(sel: core.NodeSelector, node: NodeLike): boolean {
  return (sel.nodeSelectorTerms ?? []).some((t) => nodeSelectorTermMatches(t, node));
}

/** spec.nodeSelector: every pair must be a label of the node (labels.SelectorFromSet). */
export function nodeSelectorMapMatches(selector: Record<string, string> | undefined, node: NodeLike): boolean {
  const labels = node.metadata?.labels ?? {};
  return Object.entries(selector ?? {}).every(([k, v]) => Object.prototype.hasOwnProperty.call(labels, k) && labels[k] === v);
}

/** GetRequiredNodeAffinity(pod).Match(node): spec.nodeSelector and the required node affinity. */
export function requiredNodeAffinityMatches(spec: Pick<core.PodSpec, 'nodeSelector' | 'affinity'> | undefined, node: NodeLike): boolean {
  if (!nodeSelectorMapMatches(spec?.nodeSelector, node)) return false;
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return required ? nodeSelectorMatches(required, node) : true;
}

/** PreferredSchedulingTerms.Score: the sum of the weights of the preferred terms the node matches. */
export function preferredNodeAffinityScore(spec: Pick<core.PodSpec, 'affinity'> | undefined, node: NodeLike): number {
  let total = 0;
  for (const t of spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
    if (t.weight && nodeSelectorTermMatches(t.preference, node)) total += t.weight;
  return total;
}

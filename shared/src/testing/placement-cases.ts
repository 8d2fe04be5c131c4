// One table of taint, toleration and node-affinity cases that the shared rules, the scheduler's filters
// and the DaemonSet controller's placement are each tested against, so all three agree. Rows marked
// "diverged" are where an earlier copy of the rule gave another answer than upstream.
import type { core } from '../api/types';

export interface PlacementCase {
  name: string;
  /** The pod's (or DaemonSet template's) fields that decide where it may run. */
  spec: Pick<core.PodSpec, 'nodeSelector' | 'affinity' | 'tolerations' | 'hostNetwork'>;
  node: core.Node;
  /** A plain pod with this spec passes the scheduler's filters on the node. */
  fits: boolean;
  /** The DaemonSet controller runs a daemon pod there (daemon tolerations added); default `fits`. */
  daemonFits?: boolean;
}

export const PLACEMENT_NODE = 'n1';
const LABELS = { zone: 'a', disk: 'ssd', cores: '8', serial: '9007199254740993' };

const node = (taints: core.Taint[] = [], unschedulable = false): core.Node => ({
  metadata: { name: PLACEMENT_NODE, labels: { ...LABELS } },
  spec: { taints, unschedulable },
  status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
});
const required = (...nodeSelectorTerms: core.NodeSelectorTerm[]): PlacementCase['spec'] => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } } });
const expr = (key: string, operator: string, values?: string[]): core.NodeSelectorTerm => ({ matchExpressions: [{ key, operator, values }] });
const field = (operator: string, values?: string[], key = 'metadata.name'): core.NodeSelectorTerm => ({ matchFields: [{ key, operator, values }] });

const gpu: core.Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
const bare: core.Taint = { key: 'dedicated', effect: 'NoSchedule' };

export const PLACEMENT_CASES: PlacementCase[] = [
  // Taints and tolerations.
  { name: 'no taints, no constraints', spec: {}, node: node(), fits: true },
  { name: 'untolerated NoSchedule taint', spec: {}, node: node([gpu]), fits: false },
  { name: 'untolerated NoExecute taint', spec: {}, node: node([{ key: 'k', effect: 'NoExecute' }]), fits: false },
  { name: 'PreferNoSchedule taint does not filter', spec: {}, node: node([{ key: 'k', effect: 'PreferNoSchedule' }]), fits: true },
  { name: 'Equal toleration, same key and value', spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }, node: node([gpu]), fits: true },
  { name: 'no operator means Equal', spec: { tolerations: [{ key: 'dedicated', value: 'gpu' }] }, node: node([gpu]), fits: true },
  { name: 'Equal toleration, other value', spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }] }, node: node([gpu]), fits: false },
  { name: 'Equal toleration without value, taint without value', spec: { tolerations: [{ key: 'dedicated', operator: 'Equal' }] }, node: node([bare]), fits: true },
  { name: 'Exists toleration for the key', spec: { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }, node: node([gpu]), fits: true },
  { name: 'Exists toleration for another key', spec: { tolerations: [{ key: 'other', operator: 'Exists' }] }, node: node([gpu]), fits: false },
  { name: 'Exists without key tolerates everything', spec: { tolerations: [{ operator: 'Exists' }] }, node: node([gpu, { key: 'k', effect: 'NoExecute' }]), fits: true },
  { name: 'diverged: Equal toleration with empty key matches any key with that value', spec: { tolerations: [{ operator: 'Equal', value: 'gpu' }] }, node: node([gpu]), fits: true },
  { name: 'diverged: an empty toleration tolerates any taint without a value', spec: { tolerations: [{}] }, node: node([bare]), fits: true },
  { name: 'Equal toleration with empty key, other value', spec: { tolerations: [{ operator: 'Equal', value: 'cpu' }] }, node: node([gpu]), fits: false },
  { name: 'toleration for another effect', spec: { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }] }, node: node([gpu]), fits: false },
  { name: 'toleration with empty effect covers all effects', spec: { tolerations: [{ key: 'k', operator: 'Exists' }] }, node: node([{ key: 'k', effect: 'NoExecute' }, { key: 'k', effect: 'NoSchedule' }]), fits: true },
  { name: 'unknown toleration operator tolerates nothing', spec: { tolerations: [{ key: 'cores', operator: 'Lt', value: '9' }] }, node: node([{ key: 'cores', value: '8', effect: 'NoSchedule' }]), fits: false },
  { name: 'every taint must be tolerated', spec: { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }, node: node([gpu, { key: 'k', effect: 'NoExecute' }]), fits: false },
  { name: 'not-ready node: daemon pods tolerate it', spec: {}, node: node([{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), fits: false, daemonFits: true },
  { name: 'unreachable node: no new daemon pod (its NoSchedule taint is not a daemon toleration)', spec: {}, node: node([{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }]), fits: false, daemonFits: false },
  { name: 'cordoned node: daemon pods tolerate it', spec: {}, node: node([{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }], true), fits: false, daemonFits: true },
  { name: 'memory pressure: daemon pods tolerate it', spec: {}, node: node([{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }]), fits: false, daemonFits: true },
  { name: 'network unavailable: only host-network daemon pods tolerate it', spec: {}, node: node([{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), fits: false, daemonFits: false },
  { name: 'network unavailable, host network', spec: { hostNetwork: true }, node: node([{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), fits: false, daemonFits: true },
  { name: 'own toleration with seconds still tolerates for placement', spec: { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] }, node: node([{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), fits: true },

  // spec.nodeSelector.
  { name: 'nodeSelector matches', spec: { nodeSelector: { zone: 'a', disk: 'ssd' } }, node: node(), fits: true },
  { name: 'nodeSelector other value', spec: { nodeSelector: { zone: 'b' } }, node: node(), fits: false },
  { name: 'nodeSelector missing label, even for an empty value', spec: { nodeSelector: { gpu: '' } }, node: node(), fits: false },

  // Required node affinity: matchExpressions.
  { name: 'In matches', spec: required(expr('zone', 'In', ['a', 'b'])), node: node(), fits: true },
  { name: 'In, other values', spec: required(expr('zone', 'In', ['b'])), node: node(), fits: false },
  { name: 'In on a missing label', spec: required(expr('gpu', 'In', ['yes'])), node: node(), fits: false },
  { name: 'NotIn', spec: required(expr('zone', 'NotIn', ['b'])), node: node(), fits: true },
  { name: 'NotIn the node value', spec: required(expr('zone', 'NotIn', ['a'])), node: node(), fits: false },
  { name: 'NotIn on a missing label', spec: required(expr('gpu', 'NotIn', ['yes'])), node: node(), fits: true },
  { name: 'Exists', spec: required(expr('disk', 'Exists')), node: node(), fits: true },
  { name: 'Exists on a missing label', spec: required(expr('gpu', 'Exists')), node: node(), fits: false },
  { name: 'DoesNotExist', spec: required(expr('gpu', 'DoesNotExist')), node: node(), fits: true },
  { name: 'DoesNotExist on a present label', spec: required(expr('zone', 'DoesNotExist')), node: node(), fits: false },
  { name: 'Gt', spec: required(expr('cores', 'Gt', ['4'])), node: node(), fits: true },
  { name: 'Gt, equal value', spec: required(expr('cores', 'Gt', ['8'])), node: node(), fits: false },
  { name: 'Lt', spec: required(expr('cores', 'Lt', ['10'])), node: node(), fits: true },
  { name: 'Lt, smaller value', spec: required(expr('cores', 'Lt', ['4'])), node: node(), fits: false },
  { name: 'Gt on a non-numeric label', spec: required(expr('zone', 'Gt', ['1'])), node: node(), fits: false },
  { name: 'Gt on a missing label', spec: required(expr('gpu', 'Gt', ['1'])), node: node(), fits: false },
  { name: 'Gt with a non-integer value', spec: required(expr('cores', 'Gt', ['x'])), node: node(), fits: false },
  { name: 'diverged: Gt with two values', spec: required(expr('cores', 'Gt', ['1', '2'])), node: node(), fits: false },
  { name: 'diverged: Gt with a negative value is not a valid label value', spec: required(expr('cores', 'Gt', ['-1'])), node: node(), fits: false },
  { name: 'diverged: Gt beyond 2^53 compares exactly', spec: required(expr('serial', 'Gt', ['9007199254740992'])), node: node(), fits: true },
  { name: 'diverged: Gt beyond int64 does not parse', spec: required(expr('cores', 'Lt', ['9223372036854775808'])), node: node(), fits: false },
  { name: 'diverged: NotIn with no values does not parse', spec: required(expr('gpu', 'NotIn', [])), node: node(), fits: false },
  { name: 'In with no values does not parse', spec: required(expr('zone', 'In', [])), node: node(), fits: false },
  { name: 'diverged: Exists with values does not parse', spec: required(expr('zone', 'Exists', ['a'])), node: node(), fits: false },
  { name: 'unknown operator', spec: required(expr('zone', 'Equals', ['a'])), node: node(), fits: false },
  { name: 'expressions are ANDed', spec: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'NotIn', values: ['ssd'] }] }), node: node(), fits: false },
  { name: 'terms are ORed', spec: required(expr('zone', 'In', ['b']), expr('zone', 'Exists')), node: node(), fits: true },
  { name: 'a term that does not parse does not spoil the others', spec: required(expr('zone', 'In', []), expr('disk', 'In', ['ssd'])), node: node(), fits: true },
  { name: 'an empty term matches nothing', spec: required({}), node: node(), fits: false },
  { name: 'diverged: no terms match nothing', spec: required(), node: node(), fits: false },
  { name: 'nodeSelector and affinity both apply', spec: { nodeSelector: { zone: 'b' }, ...required(expr('zone', 'Exists')) }, node: node(), fits: false },

  // Required node affinity: matchFields.
  { name: 'matchFields In the node name', spec: required(field('In', [PLACEMENT_NODE])), node: node(), fits: true },
  { name: 'matchFields In another name', spec: required(field('In', ['n2'])), node: node(), fits: false },
  { name: 'matchFields NotIn another name', spec: required(field('NotIn', ['n2'])), node: node(), fits: true },
  { name: 'matchFields NotIn the node name', spec: required(field('NotIn', [PLACEMENT_NODE])), node: node(), fits: false },
  { name: 'diverged: matchFields In with two values does not parse', spec: required(field('In', [PLACEMENT_NODE, 'n2'])), node: node(), fits: false },
  { name: 'diverged: matchFields Exists is not a field operator', spec: required(field('Exists')), node: node(), fits: false },
  { name: 'diverged: matchFields NotIn on an absent field', spec: required(field('NotIn', ['x'], 'metadata.uid')), node: node(), fits: true },
  { name: 'matchFields In on an absent field', spec: required(field('In', ['x'], 'metadata.uid')), node: node(), fits: false },
  { name: 'matchExpressions and matchFields in one term are ANDed', spec: required({ ...expr('zone', 'In', ['b']), ...field('In', [PLACEMENT_NODE]) }), node: node(), fits: false },

  // Both at once.
  { name: 'affinity matches but a taint is not tolerated', spec: { ...required(expr('zone', 'In', ['a'])) }, node: node([gpu]), fits: false },
  { name: 'affinity matches and the taint is tolerated', spec: { ...required(expr('zone', 'In', ['a'])), tolerations: [{ key: 'dedicated', operator: 'Exists' }] }, node: node([gpu]), fits: true },
];

// clusterrole-aggregation (upstream's ClusterRoleAggregationController): a ClusterRole with an
// aggregationRule holds the rules of every other ClusterRole its selectors match (admin, edit and view
// gather the system:aggregate-to-* roles and whatever a user or an add-on labels likewise). Any
// ClusterRole change queues every aggregated role; reconcile writes the union when it differs.
import { labelSelectorFromObject, matchesLabels, R, type KubeObject, type rbac } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';

type PolicyRule = rbac.PolicyRule;

export type ClusterRole = KubeObject & {
  rules?: PolicyRule[];
  aggregationRule?: { clusterRoleSelectors?: Parameters<typeof labelSelectorFromObject>[0][] };
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The aggregated rules of `role` (pure): each selector's matching roles by name, each rule once, in order. */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const sorted = [...all].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
  for (const s of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const sel = labelSelectorFromObject(s);
    for (const other of sorted) {
      if (other.metadata.name === role.metadata.name || !matchesLabels(sel, other.metadata.labels ?? {})) continue;
      for (const r of other.rules ?? []) if (!out.some((x) => same(x, r))) out.push(r);
    }
  }
  return out;
}

export class ClusterRoleAggregationController extends Controller {
  private readonly roles;

  constructor(ctx: ControllerContext, workers: number) {
    super('clusterrole-aggregation', ctx, workers);
    this.roles = ctx.factory.informer<ClusterRole>(R.clusterroles);
    const all = () => {
      for (const r of this.roles.store.list()) if (r.aggregationRule) this.enqueue(r.metadata.name!);
    };
    this.roles.addEventHandler({ onAdd: all, onUpdate: all, onDelete: all });
  }

  protected async reconcile(name: string): Promise<void> {
    const role = this.roles.store.get(name);
    if (!role?.aggregationRule) return;
    const rules = aggregatedRules(role, this.roles.store.list());
    if (same(rules, role.rules ?? [])) return;
    await this.ctx.client.resource<ClusterRole>(R.clusterroles).update({ ...role, rules });
  }
}

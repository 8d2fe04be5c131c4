// The rbac/bootstrap-roles post-start hook: the bootstrap ClusterRoles and ClusterRoleBindings reconciled
// at every start (created when missing, completed when autoupdate allows it), retried until etcd answers;
// /readyz reports the hook until it is done.
import { ApiError, type Logger } from '@minik8s/shared';
import type { Registry } from '../../registry/registry';
import type { ServedResource } from '../../registry/kinds';
import type { Obj } from '../../registry/objects';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, type BindingSpec } from '../../auth/rbac/bootstrap-policy';
import { reconcileBinding, reconcileRole, type Reconciled } from '../../auth/rbac/reconcile';
import { clusterRoles } from './clusterrole';
import { clusterRoleBindings } from './clusterrolebinding';

async function reconcileOne(
  registry: Registry,
  r: ServedResource,
  expected: Obj,
  decide: (cur: Obj | undefined, want: Obj) => Reconciled,
): Promise<void> {
  const name = expected.metadata.name as string;
  const d = decide(await registry.peek(r, name), expected);
  if (d.op === 'none') return;
  if (d.op === 'recreate') await registry.delete(r, name, undefined);
  if (d.op !== 'update') {
    try {
      await registry.create(r, undefined, d.obj);
      return;
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
    }
  }
  await registry.guaranteedUpdate(r, name, undefined, (cur) => {
    const again = decide(cur, expected);
    return again.op === 'update' ? again.obj : cur;
  });
}

/** One pass over the whole bootstrap policy (the bindings of `extraBindings` too). */
export async function reconcileBootstrapPolicy(registry: Registry, extraBindings: BindingSpec[] = []): Promise<void> {
  const roles = registry.resource(clusterRoles);
  for (const role of bootstrapClusterRoles()) await reconcileOne(registry, roles, role, reconcileRole);
  const bindings = registry.resource(clusterRoleBindings);
  for (const b of bootstrapClusterRoleBindings(extraBindings)) await reconcileOne(registry, bindings, b, reconcileBinding);
}

export class RbacBootstrap {
  done = false;
  private stopped = false;

  constructor(
    private readonly registry: Registry,
    private readonly log: Logger,
    private readonly extraBindings: BindingSpec[] = [],
  ) {}

  /** Reconcile until it succeeds (etcd may be down at start). */
  async run(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await reconcileBootstrapPolicy(this.registry, this.extraBindings);
        this.done = true;
        this.log.info('bootstrap RBAC policy reconciled');
        return;
      } catch (e) {
        if (attempt % 10 === 0) this.log.warn({ err: e }, 'reconciling the bootstrap RBAC policy failed, retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  stop(): void {
    this.stopped = true;
  }
}

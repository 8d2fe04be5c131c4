// ServiceAccount controller: a `default` ServiceAccount in every active namespace.
import { ApiError, isAlreadyExists, R } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import type { Namespace, ServiceAccount } from '../../util/types';

export class ServiceAccountController extends Controller {
  private readonly namespaces;
  private readonly accounts;

  constructor(ctx: ControllerContext, workers: number) {
    super('serviceaccount', ctx, workers);
    this.namespaces = ctx.factory.informer<Namespace>(R.namespaces);
    this.accounts = ctx.factory.informer<ServiceAccount>(R.serviceaccounts);
    this.namespaces.addEventHandler({ onAdd: (n) => this.enqueue(n), onUpdate: (_o, n) => this.enqueue(n) });
    this.accounts.addEventHandler({ onDelete: (sa) => sa.metadata.name === 'default' && this.enqueue(sa.metadata.namespace!) });
  }

  protected async reconcile(name: string): Promise<void> {
    const ns = this.namespaces.store.get(name);
    if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    if (this.accounts.store.get(`${name}/default`)) return;
    try {
      await this.ctx.client
        .resource<ServiceAccount>(R.serviceaccounts)
        .create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } }, { namespace: name });
    } catch (e) {
      // Already there (cache lag), or the namespace started terminating / went away.
      if (!isAlreadyExists(e) && !isForbiddenOrNotFound(e)) throw e;
    }
  }
}

function isForbiddenOrNotFound(e: unknown): boolean {
  return e instanceof ApiError && (e.code === 403 || e.code === 404);
}

// Namespace controller: a Terminating namespace has every namespaced object in it deleted; once
// nothing is left, the `kubernetes` finalizer is removed through namespaces/NAME/finalize.
import { isNotFound, R, RESOURCES, type KubeObject, type ResourceType } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import type { Namespace } from '../../util/types';

const FINALIZER = 'kubernetes';

/** Namespaced resources we can list and delete (upstream discovers them; our registry is static). */
export function deletableResources(): ResourceType[] {
  return RESOURCES.filter((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'));
}

export class NamespaceController extends Controller {
  private readonly namespaces;

  constructor(ctx: ControllerContext, workers: number) {
    super('namespace', ctx, workers);
    this.namespaces = ctx.factory.informer<Namespace>(R.namespaces);
    this.namespaces.addEventHandler({ onAdd: (n) => this.enqueue(n), onUpdate: (_o, n) => this.enqueue(n) });
  }

  protected async reconcile(name: string): Promise<void> {
    const ns = this.namespaces.store.get(name);
    if (!ns?.metadata.deletionTimestamp) return;
    const finalizers = ns.spec?.finalizers ?? [];
    if (!finalizers.includes(FINALIZER)) return;

    let remaining = 0;
    for (const rt of deletableResources()) {
      const rc = this.ctx.client.resource<KubeObject>(rt);
      const list = await rc.list({ namespace: name });
      for (const item of list.items) {
        remaining++;
        if (item.metadata.deletionTimestamp) continue;
        await rc.delete(item.metadata.name!, { namespace: name, propagationPolicy: 'Background' }).catch((e) => {
          if (!isNotFound(e)) throw e;
        });
      }
    }
    if (remaining > 0) {
      // Pods finish their graceful termination on the kubelet; look again shortly.
      this.log.debug({ namespace: name, remaining }, 'namespace content remaining');
      return this.enqueueAfter(name, 1000);
    }
    // A final check after the deletes above: anything (re)created meanwhile keeps us waiting.
    for (const rt of deletableResources()) {
      const list = await this.ctx.client.resource<KubeObject>(rt).list({ namespace: name, limit: 1 });
      if (list.items.length) return this.enqueueAfter(name, 500);
    }
    try {
      await this.ctx.client.request('PUT', `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, {
        body: { ...ns, spec: { ...ns.spec, finalizers: finalizers.filter((f) => f !== FINALIZER) } },
      });
      this.log.info({ namespace: name }, 'namespace emptied and finalized');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

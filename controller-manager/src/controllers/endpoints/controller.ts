// Endpoints controller: keeps an Endpoints object named like each selector Service, listing the
// ready and not-ready addresses of the pods it selects.
import { isAlreadyExists, isConflict, isNotFound, R, splitKey, type Informer, type ResourceClient } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { semanticEqual } from '../../util/semantic';
import type { Endpoints, Pod, Service } from '../../util/types';
import { desiredEndpoints } from './build';
import { managesEndpoints, podHandlers, podsForService } from './services';

export class EndpointsController extends Controller {
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly endpoints: Informer<Endpoints>;
  private readonly client: ResourceClient<Endpoints>;

  constructor(ctx: ControllerContext, workers: number) {
    super('endpoints', ctx, workers);
    this.services = ctx.factory.informer<Service>(R.services);
    this.pods = ctx.factory.informer<Pod>(R.pods);
    this.endpoints = ctx.factory.informer<Endpoints>(R.endpoints);
    this.client = ctx.client.resource<Endpoints>(R.endpoints);
    this.services.addEventHandler({
      onAdd: (s) => this.enqueue(s),
      onUpdate: (_o, s) => this.enqueue(s),
      onDelete: (s) => this.enqueue(s),
    });
    this.pods.addEventHandler(podHandlers(this.services, (s) => this.enqueue(s)));
    this.endpoints.addEventHandler({ onDelete: (e) => this.enqueue(e) });
  }

  protected async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.store.get(key);
    const existing = this.endpoints.store.get(key);
    if (!svc) {
      // The Service is gone: its Endpoints go too (unless someone else manages them).
      if (existing && !(namespace === 'default' && name === 'kubernetes')) {
        await this.client.delete(name, { namespace }).catch((e) => {
          if (!isNotFound(e)) throw e;
        });
      }
      return;
    }
    if (!managesEndpoints(svc)) return;
    const want = desiredEndpoints(svc, podsForService(this.pods, svc));
    if (existing && semanticEqual(existing.subsets, want.subsets) && semanticEqual(existing.metadata.labels, want.metadata?.labels)) return;
    try {
      if (existing)
        await this.client.update({ ...existing, metadata: { ...existing.metadata, labels: want.metadata?.labels }, subsets: want.subsets });
      else await this.client.create(want, { namespace });
    } catch (e) {
      // A stale cache: the informer will deliver the current object and we try again.
      if (isConflict(e) || isAlreadyExists(e) || isNotFound(e))
        throw new Error(`endpoints ${key} changed underneath; retrying`, { cause: e });
      throw e;
    }
  }
}

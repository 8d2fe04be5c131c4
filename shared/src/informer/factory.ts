// One informer per (resource, namespace, selectors, resync) shared by every controller in a process.
import type { ResourceType } from '../api/resources';
import type { KubeObject } from '../api/types';
import type { ApiClient } from '../client/api-client';
import { Informer, type InformerLogger, type InformerOptions } from './informer';

export class InformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();

  constructor(
    readonly client: ApiClient,
    private readonly log?: InformerLogger,
  ) {}

  /** The shared informer for these options (same options → same instance). */
  informer<T extends KubeObject = KubeObject>(rt: ResourceType, opts: InformerOptions = {}): Informer<T> {
    const key = JSON.stringify([
      rt.group,
      rt.version,
      rt.resource,
      opts.namespace ?? '',
      opts.labelSelector ?? '',
      opts.fieldSelector ?? '',
      opts.resyncPeriodMs ?? 0,
    ]);
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer<KubeObject>(this.client, rt, opts, this.log);
      this.informers.set(key, inf);
    }
    return inf as unknown as Informer<T>;
  }

  /** Start every informer not started yet; resolves when all have listed. */
  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  hasSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced());
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}

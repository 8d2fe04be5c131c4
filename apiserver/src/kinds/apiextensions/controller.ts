// The CustomResourceDefinition controller inside the apiserver (upstream apiextensions-apiserver's naming,
// establishing and finalizer controllers, and its CRD handler's serving): it watches the CRDs through the
// registry's watch cache, queues their names (the shared rate-limited WorkQueue) and reconciles each one:
// accept its names (NamesAccepted, status.acceptedNames), serve its kind — registered in the KindRegistry
// as a ResourceStrategy like any built-in kind's, re-registered when its spec or accepted names change —
// then set Established; when it is being deleted, refuse new instances, delete every instance (their
// finalizers honoured), and remove the cleanup finalizer so that the CRD goes and its kind stops being
// served. Discovery and OpenAPI follow the KindRegistry by themselves.
import { ApiError, runWorkers, WorkQueue, type KubeObject, type Logger } from '@minik8s/shared';
import type { KindRegistry, ServedResource } from '../../registry/kinds';
import type { Registry } from '../../registry/registry';
import type { ResourceStrategy } from '../../registry/strategy';
import { deepEqual, type Obj } from '../../registry/objects';
import type { CacheWatcher } from '../../storage/watchcache';
import { equivalent, findCondition, isConditionTrue, withCondition, type CrdCondition } from './conditions';
import { CLEANUP_FINALIZER, customResourceDefinitions } from './customresourcedefinition';
import { customResourceStrategy, isCustomResource, setTerminating } from './customresource';
import { addUsedNames, calculateNames, type UsedNames } from './naming';

/** How often a CRD being deleted checks again for instances still held by their finalizers. */
const RECHECK_MS = 1000;

interface Serving {
  strategy: ResourceStrategy;
  /** What the strategy was built from: a change re-registers the kind. */
  fingerprint: string;
}

const fingerprintOf = (crd: Obj) => JSON.stringify([crd.metadata.uid, crd.spec, crd.status?.acceptedNames]);

export class CrdController {
  private readonly queue = new WorkQueue<string>({ name: 'crd_controller', baseDelayMs: 5, maxDelayMs: 30_000 });
  private readonly serving = new Map<string, Serving>();
  private watcher?: CacheWatcher;
  private stopped = false;
  /** Resolves once every CRD stored at start-up was reconciled (the apiserver is ready then). */
  readonly synced: Promise<void>;
  private markSynced!: () => void;
  isSynced = false;

  constructor(
    private readonly registry: Registry,
    private readonly log: Logger,
  ) {
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
  }

  private get kinds(): KindRegistry {
    return this.registry.kinds;
  }

  private get crds(): ServedResource {
    return this.registry.resource(customResourceDefinitions);
  }

  /** Watch the CRDs and reconcile them until stop(). */
  start(): void {
    void this.feed(true);
    void runWorkers(this.queue, 1, (name) => this.reconcile(name), this.log);
  }

  stop(): void {
    this.stopped = true;
    this.queue.shutDown();
    const cache = this.registry.caches.get(this.crds);
    if (this.watcher) cache?.remove(this.watcher);
  }

  /** Subscribe to the CRD watch cache (again after it was reset); the first time, reconcile what is stored first. */
  private async feed(first: boolean): Promise<void> {
    const cache = this.registry.caches.get(this.crds);
    if (!cache || this.stopped) return;
    await cache.ready();
    if (this.stopped) return;
    const { items, rev } = cache.snapshot();
    if (first) {
      for (const crd of items) {
        try {
          await this.reconcile(crd.metadata.name!);
        } catch (e) {
          this.log.warn({ err: e, crd: crd.metadata.name }, 'reconciling a CustomResourceDefinition at start-up failed; retrying');
          this.queue.addRateLimited(crd.metadata.name!);
        }
      }
      this.isSynced = true;
      this.markSynced();
    } else for (const crd of items) this.queue.add(crd.metadata.name!);
    this.watcher = cache.add(
      {
        filter: () => true,
        send: (_type, obj) => this.queue.add(obj.metadata.name!),
        expire: () => {
          this.watcher = undefined;
          void this.feed(false);
        },
      },
      first ? rev : undefined,
    );
  }

  private async reconcile(name: string): Promise<void> {
    if (this.stopped) return;
    let crd = (await this.registry.peek(this.crds, name)) as Obj | undefined;
    if (!crd) {
      this.unserve(name);
      return;
    }
    crd = await this.acceptNames(crd);
    const served = this.serve(crd);
    if (served) setTerminating(served.strategy, isConditionTrue(crd, 'Terminating'));
    if (served && isConditionTrue(crd, 'NamesAccepted') && !isConditionTrue(crd, 'Established') && !crd.metadata.deletionTimestamp)
      crd = await this.writeStatus(crd, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
    if (crd.metadata.deletionTimestamp && (crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) await this.finalize(crd, served);
  }

  /** The names in use in a group: every CRD's accepted names, and the kinds served there that no CRD defines. */
  private usedNames(group: string): UsedNames {
    const used: UsedNames = { resources: new Set(), kinds: new Set() };
    const cache = this.registry.caches.get(this.crds);
    for (const other of cache?.state.values() ?? []) if ((other.spec as Obj | undefined)?.group === group) addUsedNames(used, (other.status as Obj | undefined)?.acceptedNames);
    for (const r of this.kinds.stored())
      if (r.group === group && !isCustomResource(r.strategy)) addUsedNames(used, { plural: r.resource, singular: r.singular, shortNames: r.shortNames, kind: r.kind, listKind: r.listKind });
    return used;
  }

  /** The naming controller's part: accepted names and the NamesAccepted / Established conditions. */
  private async acceptNames(crd: Obj): Promise<Obj> {
    if (deepEqual(crd.spec?.names, crd.status?.acceptedNames)) return crd;
    const naming = calculateNames(crd, this.usedNames(crd.spec.group));
    if (deepEqual(crd.status?.acceptedNames, naming.acceptedNames) && equivalent(naming.namesAccepted, findCondition(crd, 'NamesAccepted'))) return crd;
    const out = await this.updateStatus(crd, (status) => ({ ...withCondition(withCondition(status, naming.namesAccepted), naming.established), acceptedNames: naming.acceptedNames }));
    // the names this CRD released may be what another CRD of the group waits for
    for (const other of this.registry.caches.get(this.crds)?.state.values() ?? []) if ((other.spec as Obj | undefined)?.group === crd.spec.group && other.metadata.name !== crd.metadata.name) this.queue.add(other.metadata.name!);
    return out;
  }

  /** Serve the CRD's kind (names accepted, or established before) as it is now; stop serving it otherwise. */
  private serve(crd: Obj): Serving | undefined {
    const name = crd.metadata.name as string;
    if (!isConditionTrue(crd, 'NamesAccepted') && !isConditionTrue(crd, 'Established')) {
      this.unserve(name);
      return undefined;
    }
    const fingerprint = fingerprintOf(crd);
    const cur = this.serving.get(name);
    if (cur?.fingerprint === fingerprint) return cur;
    this.unserve(name);
    let strategy: ResourceStrategy;
    try {
      strategy = customResourceStrategy(crd);
      this.kinds.register(strategy);
    } catch (e) {
      this.log.warn({ err: e, crd: name }, 'cannot serve the kind of a CustomResourceDefinition');
      return undefined;
    }
    const serving = { strategy, fingerprint };
    this.serving.set(name, serving);
    this.log.info({ crd: name, kind: strategy.kind, versions: strategy.versions.map((v) => v.name) }, 'serving a custom resource kind');
    return serving;
  }

  private unserve(name: string): void {
    const cur = this.serving.get(name);
    if (!cur) return;
    this.serving.delete(name);
    this.kinds.unregister(cur.strategy.group, cur.strategy.resource);
    this.log.info({ crd: name }, 'stopped serving a custom resource kind');
  }

  /** The finalizer's part: delete every instance, wait until they are gone, then let the CRD go. */
  private async finalize(crd: Obj, served: Serving | undefined): Promise<void> {
    crd = await this.writeStatus(crd, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' });
    let done: CrdCondition = { type: 'Terminating', status: 'False', reason: 'NeverEstablished', message: 'resource was never established' };
    if (served && isConditionTrue(crd, 'Established')) {
      const r = this.kinds.get(served.strategy.group, served.strategy.resource)!;
      const left = await this.deleteInstances(r);
      if (left > 0) {
        this.log.debug({ crd: crd.metadata.name, left }, 'waiting for custom resources to be removed');
        this.queue.addAfter(crd.metadata.name, RECHECK_MS);
        return;
      }
      done = { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' };
    }
    crd = await this.writeStatus(crd, done);
    try {
      await this.registry.guaranteedUpdate(this.crds, crd.metadata.name, undefined, (cur) => ({
        ...cur,
        metadata: { ...cur.metadata, finalizers: (cur.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER) },
      }));
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e; // gone already
    }
  }

  /** Delete every instance, namespace by namespace (a finalizer keeps its object until removed); how many are left. */
  private async deleteInstances(r: ServedResource): Promise<number> {
    const all = await this.registry.list(r, {});
    const namespaces = new Set(all.items.map((o) => o.metadata.namespace));
    for (const namespace of namespaces) await this.registry.deleteCollection(r, { namespace }, {});
    return (await this.registry.list(r, {})).items.length;
  }

  private async writeStatus(crd: Obj, c: CrdCondition): Promise<Obj> {
    if (equivalent(findCondition(crd, c.type), c)) return crd;
    return this.updateStatus(crd, (status) => withCondition(status, c));
  }

  private async updateStatus(crd: Obj, edit: (status: Obj | undefined) => Obj): Promise<Obj> {
    try {
      return (await this.registry.guaranteedUpdate(this.crds, crd.metadata.name, undefined, (cur: KubeObject) => ({ ...cur, status: edit(cur.status as Obj | undefined) }), { subresource: 'status' })) as Obj;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return crd;
      throw e;
    }
  }
}

// Garbage collector: deletes objects whose owners are all gone (background), deletes the blocking
// dependents of an owner marked with the foregroundDeletion finalizer before removing it, and strips
// the owner's references from its dependents for the orphan finalizer. Custom resources count as owners
// and dependents too: each Established CRD's kind is watched while the CRD exists (upstream's GC monitors
// every resource discovery lists).
import {
  Informer,
  isConflict,
  isNotFound,
  RESOURCES,
  resourceForKind,
  type KubeObject,
  type meta,
  type ResourceType,
} from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { CRDS, customResourceType, decideDependent, type OwnerState } from './decide';

const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';

interface Node {
  rt: ResourceType;
  obj: KubeObject;
}

/** Every listable, watchable resource but Events and Namespaces (handled by the namespace controller). */
function watchedResources(): ResourceType[] {
  return RESOURCES.filter((r) => r.verbs.includes('watch') && r.verbs.includes('delete') && r.kind !== 'Event' && r.kind !== 'Namespace');
}

const rtId = (rt: ResourceType) => `${rt.group}/${rt.resource}`;
const itemKey = (rt: ResourceType, o: KubeObject) => `${rtId(rt)}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;

export class GarbageCollector extends Controller {
  private readonly informers = new Map<string, { rt: ResourceType; inf: Informer<KubeObject> }>();
  /** uid → the object, across every watched resource. */
  private readonly byUid = new Map<string, Node>();
  /** owner uid → item keys of the objects referring to it. */
  private readonly dependents = new Map<string, Set<string>>();

  /** The custom kinds watched, by `group|kind` (an owner reference may name any served version), with their CRD. */
  private readonly custom = new Map<string, { rt: ResourceType; crd: string }>();

  constructor(ctx: ControllerContext, workers: number) {
    super('garbagecollector', ctx, workers);
    for (const rt of watchedResources()) this.watch(rt, ctx.factory.informer<KubeObject>(rt));
    ctx.factory.informer<KubeObject>(CRDS).addEventHandler({
      onAdd: (crd) => this.watchCustom(crd),
      onUpdate: (_, crd) => this.watchCustom(crd),
      onDelete: (crd) => void this.unwatchCustom(crd),
    });
  }

  private watch(rt: ResourceType, inf: Informer<KubeObject>): void {
    this.informers.set(rtId(rt), { rt, inf });
    inf.addEventHandler({
      onAdd: (o) => this.observe(rt, undefined, o),
      onUpdate: (old, o) => this.observe(rt, old, o),
      onDelete: (o) => this.forget(rt, o),
    });
  }

  /** Watch an Established CRD's kind (its own informer, not the factory's: it stops when the CRD goes). */
  private watchCustom(crd: KubeObject): void {
    const rt = customResourceType(crd);
    if (!rt || this.informers.has(rtId(rt))) return;
    const inf = new Informer<KubeObject>(this.ctx.client, rt, {}, this.log);
    this.watch(rt, inf);
    this.custom.set(`${rt.group}|${rt.kind}`, { rt, crd: crd.metadata.name! });
    this.log.info({ resource: rtId(rt) }, 'watching a custom resource for owners and dependents');
    inf.start().catch((e: unknown) => this.log.error({ err: e, resource: rtId(rt) }, 'custom resource informer failed'));
  }

  private async unwatchCustom(crd: KubeObject): Promise<void> {
    for (const [k, { rt, crd: name }] of this.custom) {
      if (name !== crd.metadata.name) continue;
      this.custom.delete(k);
      const e = this.informers.get(rtId(rt));
      this.informers.delete(rtId(rt));
      await e?.inf.stop();
    }
  }

  private index(rt: ResourceType, o: KubeObject, add: boolean): void {
    const k = itemKey(rt, o);
    for (const ref of o.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(ref.uid);
      if (add) {
        if (!set) this.dependents.set(ref.uid, (set = new Set()));
        set.add(k);
      } else if (set) {
        set.delete(k);
        if (set.size === 0) this.dependents.delete(ref.uid);
      }
    }
  }

  private observe(rt: ResourceType, old: KubeObject | undefined, o: KubeObject): void {
    if (old) this.index(rt, old, false);
    this.index(rt, o, true);
    if (o.metadata.uid) this.byUid.set(o.metadata.uid, { rt, obj: o });
    const refsChanged = !old || JSON.stringify(old.metadata.ownerReferences ?? []) !== JSON.stringify(o.metadata.ownerReferences ?? []);
    if ((o.metadata.ownerReferences ?? []).length && refsChanged) this.enqueue(`dep:${itemKey(rt, o)}`);
    const f = o.metadata.finalizers ?? [];
    if (o.metadata.deletionTimestamp && (f.includes(ORPHAN) || f.includes(FOREGROUND))) this.enqueue(`own:${itemKey(rt, o)}`);
    // A dependent starting to go away may unblock a foreground owner.
    if (o.metadata.deletionTimestamp && !old?.metadata.deletionTimestamp) this.pokeWaitingOwners(o);
  }

  private forget(rt: ResourceType, o: KubeObject): void {
    this.index(rt, o, false);
    if (o.metadata.uid) this.byUid.delete(o.metadata.uid);
    for (const k of this.dependents.get(o.metadata.uid ?? '') ?? []) this.enqueue(`dep:${k}`);
    this.pokeWaitingOwners(o);
  }

  private pokeWaitingOwners(o: KubeObject): void {
    for (const ref of o.metadata.ownerReferences ?? []) {
      const owner = this.byUid.get(ref.uid);
      if (owner?.obj.metadata.deletionTimestamp) this.enqueue(`own:${itemKey(owner.rt, owner.obj)}`);
    }
  }

  private lookup(key: string): Node | undefined {
    const [id, ns, name] = key.split('|');
    const e = this.informers.get(id);
    const obj = e?.inf.store.get(ns ? `${ns}/${name}` : name);
    return e && obj ? { rt: e.rt, obj } : undefined;
  }

  protected async reconcile(key: string): Promise<void> {
    const [kind, item] = [key.slice(0, 4), key.slice(4)];
    const node = this.lookup(item);
    if (!node) return;
    if (kind === 'dep:') return this.attemptToDelete(node);
    return this.processDeletingOwner(node);
  }

  /** Is the owner there? The cache first, then a live GET so informer lag never deletes a live object's dependents. */
  private async ownerState(ref: meta.OwnerReference, namespace: string | undefined): Promise<OwnerState> {
    const rt = resourceForKind(ref.apiVersion, ref.kind) ?? this.custom.get(`${ref.apiVersion.split('/')[0]}|${ref.kind}`)?.rt;
    let owner: KubeObject | undefined = this.byUid.get(ref.uid)?.obj;
    if (!owner && rt) {
      try {
        const live = await this.ctx.client.resource<KubeObject>(rt).get(ref.name, rt.namespaced ? namespace : undefined);
        if (live.metadata.uid === ref.uid) owner = live;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    } else if (!owner && !rt) {
      return 'exists'; // a kind we do not serve: never guess it away
    }
    if (!owner) return 'absent';
    const deletingForeground = !!owner.metadata.deletionTimestamp && (owner.metadata.finalizers ?? []).includes(FOREGROUND);
    return deletingForeground ? 'waiting' : 'exists';
  }

  private async attemptToDelete({ rt, obj }: Node): Promise<void> {
    if (obj.metadata.deletionTimestamp) return;
    const refs = obj.metadata.ownerReferences ?? [];
    const states = new Map<string, OwnerState>();
    for (const r of refs) states.set(r.uid, await this.ownerState(r, obj.metadata.namespace));
    const action = decideDependent(refs, (r) => states.get(r.uid)!);
    const rc = this.ctx.client.resource<KubeObject>(rt);
    const ns = obj.metadata.namespace;
    try {
      if (action.kind === 'removeRefs') {
        const keep = refs.filter((r) => !action.uids.includes(r.uid));
        await rc.patch(obj.metadata.name!, { metadata: { ownerReferences: keep.length ? keep : null, uid: obj.metadata.uid } }, 'merge', {
          namespace: ns,
        });
      } else if (action.kind === 'delete') {
        this.log.info({ object: itemKey(rt, obj), policy: action.policy }, 'deleting object whose owners are gone');
        await rc.delete(obj.metadata.name!, { namespace: ns, propagationPolicy: action.policy, preconditions: { uid: obj.metadata.uid } });
      }
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  private async processDeletingOwner({ rt, obj }: Node): Promise<void> {
    if (!obj.metadata.deletionTimestamp) return;
    const finalizers = obj.metadata.finalizers ?? [];
    const uid = obj.metadata.uid!;
    const deps = [...(this.dependents.get(uid) ?? [])].map((k) => this.lookup(k)).filter((n): n is Node => !!n);
    if (finalizers.includes(ORPHAN)) {
      for (const d of deps) {
        const keep = (d.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        await this.ctx.client
          .resource<KubeObject>(d.rt)
          .patch(d.obj.metadata.name!, { metadata: { ownerReferences: keep.length ? keep : null, uid: d.obj.metadata.uid } }, 'merge', {
            namespace: d.obj.metadata.namespace,
          })
          .catch((e) => {
            if (!isNotFound(e)) throw e;
          });
      }
      return this.removeFinalizer(rt, obj, ORPHAN);
    }
    if (finalizers.includes(FOREGROUND)) {
      const blocking = deps.filter((d) => (d.obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion));
      for (const d of deps) {
        if (d.obj.metadata.deletionTimestamp) continue;
        await this.ctx.client
          .resource<KubeObject>(d.rt)
          .delete(d.obj.metadata.name!, {
            namespace: d.obj.metadata.namespace,
            propagationPolicy: 'Foreground',
            preconditions: { uid: d.obj.metadata.uid },
          })
          .catch((e) => {
            if (!isNotFound(e) && !isConflict(e)) throw e;
          });
      }
      if (blocking.length === 0) return this.removeFinalizer(rt, obj, FOREGROUND);
      // Dependents' deletions wake us; poll as well in case a pod lingers in graceful termination.
      this.enqueueAfter(`own:${itemKey(rt, obj)}`, 2000);
    }
  }

  private async removeFinalizer(rt: ResourceType, obj: KubeObject, finalizer: string): Promise<void> {
    const rest = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    try {
      await this.ctx.client
        .resource<KubeObject>(rt)
        .patch(
          obj.metadata.name!,
          { metadata: { finalizers: rest.length ? rest : null, resourceVersion: obj.metadata.resourceVersion } },
          'merge',
          { namespace: obj.metadata.namespace },
        );
    } catch (e) {
      if (isNotFound(e)) return;
      throw e; // conflict: the informer brings the newer object and we try again
    }
  }
}

// PersistentVolume / PersistentVolumeClaim rules as upstream's storage helpers
// (component-helpers/storage/volume, pkg/controller/volume/persistentvolume/util) apply them: the
// annotations and finalizers the binder, the scheduler, provisioners and the kubelet agree on, which
// class a claim or volume is in, and which volume a claim may bind to. The PV controller, the
// scheduler's VolumeBinding plugin, the local-path provisioner and the kubelet all use these.
import type { core, KubeObject, storage } from '../api/types';
import { parseQuantity } from '../quantity';
import { labelSelectorFromObject, matchesLabels } from '../selectors/labels';
import { nodeSelectorMatches } from '../scheduling/node-affinity';

/** Set by the PV controller on a claim whose binding is complete. */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** Set on a volume or claim the PV controller (not the user) bound. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** The node the scheduler chose for a WaitForFirstConsumer claim: the provisioner makes the volume there. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** The external provisioner asked to provision a claim (set by the PV controller). */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** The provisioner that made a volume (the one that deletes it). */
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
/** The storage class before spec.storageClassName existed; still honoured first. */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
export const ANN_DEFAULT_STORAGE_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BETA_DEFAULT_STORAGE_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';
/** A claim used by a pod is not removed until the pod is gone. */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
/** A bound volume is not removed until it is released. */
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
/** The provisioner of classes whose volumes are made by hand (local volumes). */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export type Claim = core.PersistentVolumeClaim & KubeObject;
export type Volume = core.PersistentVolume & KubeObject;
export type StorageClass = storage.StorageClass & KubeObject;

const annotation = (o: KubeObject, key: string): string | undefined => o.metadata.annotations?.[key];

/** GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName, else "". */
export function claimClass(c: Claim): string {
  return annotation(c, ANN_BETA_STORAGE_CLASS) ?? c.spec?.storageClassName ?? '';
}

/** PersistentVolumeClaimHasClass: a class was asked for (the empty class "" counts: it means "no class"). */
export function claimHasClass(c: Claim): boolean {
  return (
    annotation(c, ANN_BETA_STORAGE_CLASS) !== undefined || (c.spec?.storageClassName !== undefined && c.spec.storageClassName !== null)
  );
}

/** GetPersistentVolumeClass. */
export function volumeClass(v: Volume): string {
  return annotation(v, ANN_BETA_STORAGE_CLASS) ?? v.spec?.storageClassName ?? '';
}

/** IsDefaultAnnotation. */
export function isDefaultClass(sc: StorageClass): boolean {
  return annotation(sc, ANN_DEFAULT_STORAGE_CLASS) === 'true' || annotation(sc, ANN_BETA_DEFAULT_STORAGE_CLASS) === 'true';
}

/** GetDefaultClass: of several default classes the newest wins, then the first by name. */
export function defaultClass(classes: readonly StorageClass[]): StorageClass | undefined {
  const at = (sc: StorageClass) => Date.parse(sc.metadata.creationTimestamp ?? '') || 0;
  return classes.filter(isDefaultClass).sort((a, b) => at(b) - at(a) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
}

/** The class's binding mode (the apiserver defaults it to Immediate). */
export const isWaitForFirstConsumer = (sc: StorageClass | undefined): boolean => sc?.volumeBindingMode === 'WaitForFirstConsumer';

/** GetAccessModesAsString: "RWO,ROX,RWX,RWOP" in that order, duplicates once. */
export function accessModesString(modes: readonly string[] | undefined): string {
  const has = new Set(modes ?? []);
  return [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ]
    .filter(([m]) => has.has(m))
    .map(([, s]) => s)
    .join(',');
}

/** A storage quantity in bytes, NaN when absent or not a quantity. */
function bytes(q: unknown): number {
  if (typeof q !== 'string' && typeof q !== 'number') return NaN;
  try {
    return parseQuantity(q);
  } catch {
    return NaN;
  }
}

export const claimRequest = (c: Claim): number => bytes(c.spec?.resources?.requests?.storage);
export const volumeCapacity = (v: Volume): number => bytes(v.spec?.capacity?.storage);

/** IsVolumeBoundToClaim: the volume's claimRef names the claim (and its uid, once set). */
export function isVolumeBoundToClaim(v: Volume, c: Claim): boolean {
  const ref = v.spec?.claimRef;
  if (!ref || ref.name !== c.metadata.name || ref.namespace !== c.metadata.namespace) return false;
  return !ref.uid || ref.uid === c.metadata.uid;
}

/** The claimRef a binder writes into a volume it binds to `c` (upstream's reference to the claim object). */
export function claimReference(c: Claim) {
  const m = c.metadata;
  return {
    kind: 'PersistentVolumeClaim',
    namespace: m.namespace,
    name: m.name,
    uid: m.uid,
    apiVersion: 'v1',
    resourceVersion: m.resourceVersion,
  };
}

/** CheckVolumeModeMismatches: Filesystem unless said otherwise, on both sides. */
export const volumeModeMismatch = (c: Claim, v: Volume): boolean =>
  (c.spec?.volumeMode ?? 'Filesystem') !== (v.spec?.volumeMode ?? 'Filesystem');

/** CheckAccessModes: every mode the claim asks for is one the volume offers. */
export function accessModesSatisfied(c: Claim, v: Volume): boolean {
  const offered = new Set(v.spec?.accessModes ?? []);
  return (c.spec?.accessModes ?? []).every((m) => offered.has(m));
}

/** CheckNodeAffinity: a volume without required node affinity is reachable from every node. */
export function volumeNodeAffinityMatches(v: Volume, node: Pick<core.Node, 'metadata'>): boolean {
  const required = v.spec?.nodeAffinity?.required;
  return !required || nodeSelectorMatches(required, node);
}

/** The node a volume is pinned to by a single `kubernetes.io/hostname In [node]` term (local volumes), if any. */
export function volumePinnedNode(v: Volume): string | undefined {
  const terms = v.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  if (terms.length !== 1) return undefined;
  const exprs = terms[0].matchExpressions ?? [];
  const e = exprs.length === 1 ? exprs[0] : undefined;
  return e?.key === 'kubernetes.io/hostname' && e.operator === 'In' && e.values?.length === 1 ? e.values[0] : undefined;
}

export interface MatchOptions {
  /** The scheduler's path: only volumes reachable from this node, access modes checked. */
  node?: Pick<core.Node, 'metadata'>;
  /** Volumes already chosen for other claims of the same pod, or assumed for other pods. */
  excluded?: ReadonlySet<string>;
  /** The claim's class is WaitForFirstConsumer: the PV controller leaves unbound volumes to the scheduler. */
  delayBinding?: boolean;
}

/**
 * FindMatchingVolume: the volume pre-bound to the claim if there is one, else the smallest Available
 * volume of the claim's class with enough capacity, the claim's access modes and volume mode, labels its
 * selector accepts, and (on the scheduler's path) node affinity to the node.
 */
export function findMatchingVolume(claim: Claim, volumes: readonly Volume[], opts: MatchOptions = {}): Volume | undefined {
  const requested = claimRequest(claim);
  if (!(requested >= 0)) return undefined;
  const wantClass = claimClass(claim);
  let selector: ReturnType<typeof labelSelectorFromObject> | undefined;
  if (claim.spec?.selector) {
    try {
      selector = labelSelectorFromObject(claim.spec.selector);
    } catch {
      return undefined; // a selector that does not parse selects nothing
    }
  }
  let smallest: Volume | undefined;
  let smallestSize = Infinity;
  for (const v of volumes) {
    if (opts.excluded?.has(v.metadata.name ?? '')) continue;
    // the PV controller only looks at volumes offering every mode the claim asks for (its access-mode index)
    if (!opts.node && !accessModesSatisfied(claim, v)) continue;
    if (v.spec?.claimRef && !isVolumeBoundToClaim(v, claim)) continue;
    const size = volumeCapacity(v);
    if (!(size >= requested)) continue;
    if (volumeModeMismatch(claim, v)) continue;
    if (v.metadata.deletionTimestamp) continue;
    const reachable = !opts.node || volumeNodeAffinityMatches(v, opts.node);
    if (isVolumeBoundToClaim(v, claim)) return reachable ? v : undefined;
    if (!opts.node && opts.delayBinding) continue;
    if (v.status?.phase !== 'Available') continue;
    if (selector && !matchesLabels(selector, v.metadata.labels ?? {})) continue;
    if (volumeClass(v) !== wantClass) continue;
    if (!reachable || !accessModesSatisfied(claim, v)) continue;
    if (size < smallestSize) {
      smallest = v;
      smallestSize = size;
    }
  }
  return smallest;
}

/** The claims a pod's volumes name (persistentVolumeClaim volumes), in volume order. */
export function podClaimNames(pod: Pick<core.Pod, 'spec'>): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
  return out;
}

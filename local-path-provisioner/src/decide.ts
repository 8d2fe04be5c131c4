// The provisioner's decisions (the external-provisioner protocol, as sig-storage-lib-external-provisioner
// drives it), pure: whether this node's instance provisions a claim and the PersistentVolume it makes, and
// whether it deletes a released volume.
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClass,
  claimRequest,
  formatQuantity,
  isWaitForFirstConsumer,
  volumePinnedNode,
  type Claim,
  type StorageClass,
  type Volume,
} from '@minik8s/shared';
import { volumeDirOf } from './paths';

export interface Me {
  provisioner: string;
  node: string;
  root: string;
}

export type ProvisionDecision =
  | { do: 'skip' }
  /** A ProvisioningFailed event; `reschedule` drops the selected node so the scheduler picks another. */
  | { do: 'fail'; message: string; reschedule?: boolean }
  | { do: 'provision'; bytes: number };

const ACCESS_MODES = ['ReadWriteOnce', 'ReadWriteOncePod'];

/** Whether this instance provisions the claim now (its storage class and its node), or why it cannot. */
export function provisionDecision(claim: Claim, sc: StorageClass | undefined, me: Me, freeBytes: () => number): ProvisionDecision {
  const ann = claim.metadata.annotations ?? {};
  if (claim.metadata.deletionTimestamp || claim.spec?.volumeName) return { do: 'skip' };
  if ((ann[ANN_STORAGE_PROVISIONER] ?? ann[ANN_BETA_STORAGE_PROVISIONER]) !== me.provisioner) return { do: 'skip' };
  if (!sc || sc.provisioner !== me.provisioner) return { do: 'skip' };
  const selected = ann[ANN_SELECTED_NODE];
  const fail = (why: string, reschedule = false): ProvisionDecision => ({ do: 'fail', message: `failed to provision volume with StorageClass "${claimClass(claim)}": ${why}`, reschedule });
  if (!selected) {
    if (isWaitForFirstConsumer(sc)) return { do: 'skip' }; // the scheduler has not chosen a node yet
    return fail(`${me.provisioner} needs volumeBindingMode WaitForFirstConsumer: a local volume lives on the node its first pod is scheduled to`);
  }
  if (selected !== me.node) return { do: 'skip' };
  if (claim.spec?.selector) return fail('claim Selector is not supported');
  if ((claim.spec?.volumeMode ?? 'Filesystem') !== 'Filesystem') return fail(`${me.provisioner} only provisions Filesystem volumes`);
  const modes = claim.spec?.accessModes ?? [];
  if (!modes.length || modes.some((m) => !ACCESS_MODES.includes(m))) return fail(`${me.provisioner} only supports the ReadWriteOnce and ReadWriteOncePod access modes`);
  const bytes = claimRequest(claim);
  if (!(bytes > 0)) return fail('the claim requests no storage');
  const free = freeBytes();
  if (bytes > free)
    return fail(`insufficient capacity on node "${me.node}": requested ${claim.spec!.resources!.requests!.storage}, ${formatQuantity(Math.floor(free / 1024 ** 2) * 1024 ** 2, 'BinarySI')} available under ${me.root}`, true);
  return { do: 'provision', bytes };
}

/** The PersistentVolume of a provisioned claim: a hostPath directory of this node, bound to the claim. */
export function provisionedVolume(claim: Claim, sc: StorageClass, me: Me, path: string): Volume {
  const m = claim.metadata;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `pvc-${m.uid}`, annotations: { [ANN_DYNAMICALLY_PROVISIONED]: me.provisioner } },
    spec: {
      capacity: { storage: claim.spec!.resources!.requests!.storage! },
      accessModes: claim.spec!.accessModes,
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name,
      volumeMode: 'Filesystem',
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: m.namespace, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion },
      hostPath: { path, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [me.node] }] }] } },
      ...(sc.mountOptions?.length ? { mountOptions: sc.mountOptions } : {}),
    },
  };
}

export type DeleteDecision = { do: 'skip' } | { do: 'refuse'; message: string } | { do: 'delete'; dir: string };

/** shouldDelete: a Released volume this provisioner made on this node, reclaim policy Delete, at a path of ours. */
export function deleteDecision(pv: Volume, me: Me): DeleteDecision {
  if (pv.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED] !== me.provisioner) return { do: 'skip' };
  if (pv.status?.phase !== 'Released' || pv.spec?.persistentVolumeReclaimPolicy !== 'Delete') return { do: 'skip' };
  if (volumePinnedNode(pv) !== me.node) return { do: 'skip' };
  const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
  const dir = volumeDirOf(me.root, path);
  if ('refused' in dir) return { do: 'refuse', message: `refusing to delete volume "${pv.metadata.name}": ${dir.refused}` };
  return { do: 'delete', dir: dir.name };
}

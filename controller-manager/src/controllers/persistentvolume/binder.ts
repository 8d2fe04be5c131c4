// The PersistentVolume binder's decisions (upstream pv_controller.go syncClaim / syncVolume), pure: given a
// claim or a volume and what the informers hold, the steps to take. The controller shell carries them out.
// Minik8s has no in-tree volume plugins: every dynamic provisioner is external (the provisioner watches
// claims annotated with its name), and only volumes an external provisioner made can be deleted by one.
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  claimReference,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  accessModesSatisfied,
  claimClass,
  claimHasClass,
  claimRequest,
  findMatchingVolume,
  isVolumeBoundToClaim,
  isWaitForFirstConsumer,
  volumeCapacity,
  volumeClass,
  volumeModeMismatch,
  type Claim,
  type StorageClass,
  type Volume,
} from '@minik8s/shared';

export interface Event {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type ClaimStep =
  /** Bind volume and claim to each other: volume spec, volume status Bound, claim spec, claim status Bound. */
  | { do: 'bind'; volume: Volume }
  /** Set the claim's phase (status access modes and capacity cleared); the event only when the phase changes. */
  | { do: 'phase'; phase: 'Pending' | 'Lost'; event?: Event }
  | { do: 'event'; event: Event }
  /** Give a classless claim the default class (retroactive default StorageClass assignment). */
  | { do: 'defaultClass'; className: string }
  /** Annotate the claim for its external provisioner. */
  | { do: 'provisioner'; provisioner: string };

export type VolumeStep =
  | { do: 'phase'; phase: 'Available' | 'Bound' | 'Released' | 'Failed'; event?: Event }
  | { do: 'event'; event: Event }
  /** Undo a binding: the controller's own (claimRef dropped) or a user's pre-binding (claimRef uid cleared). */
  | { do: 'unbind' }
  /** The claim whose binding the volume waits for should be synced now. */
  | { do: 'syncClaim'; key: string };

export interface ClaimWorld {
  volumes: readonly Volume[];
  volume(name: string): Volume | undefined;
  storageClass(name: string): StorageClass | undefined;
  defaultClass: StorageClass | undefined;
  /** Names of the pods that use the claim and are not scheduled yet (not terminated). */
  unscheduledPods: readonly string[];
}

export const hasAnnotation = (o: Claim | Volume, key: string) => o.metadata.annotations?.[key] !== undefined;

/** IsDelayBindingMode: the claim's class exists and binds when the first consumer is scheduled. */
export function isDelayBinding(claim: Claim, world: Pick<ClaimWorld, 'storageClass'>): boolean {
  const name = claimClass(claim);
  return !!name && isWaitForFirstConsumer(world.storageClass(name));
}

/** checkVolumeSatisfyClaim: why a volume the claim names cannot take it (undefined: it can). */
export function volumeMismatch(volume: Volume, claim: Claim): string | undefined {
  if (volume.metadata.deletionTimestamp) return `the volume is marked for deletion "${volume.metadata.name}"`;
  if (!(volumeCapacity(volume) >= claimRequest(claim))) return 'requested PV is too small';
  if (volumeClass(volume) !== claimClass(claim)) return 'storageClassName does not match';
  if (volumeModeMismatch(claim, volume)) return 'incompatible volumeMode';
  if (!accessModesSatisfied(claim, volume)) return 'incompatible accessMode';
  return undefined;
}

/** The event of an unbound WaitForFirstConsumer claim (emitEventForUnboundDelayBindingClaim). */
function delayBindingEvent(pods: readonly string[]): Event {
  if (pods.length === 0)
    return { type: 'Normal', reason: 'WaitForFirstConsumer', message: 'waiting for first consumer to be created before binding' };
  return {
    type: 'Normal',
    reason: 'WaitForPodScheduled',
    message: pods.length > 1 ? `waiting for pods ${pods.join(',')} to be scheduled` : `waiting for pod ${pods[0]} to be scheduled`,
  };
}

/** What provisioning a claim of `className` takes (provisionClaim with external provisioners only). */
function provision(claim: Claim, className: string, world: ClaimWorld): ClaimStep[] {
  const sc = world.storageClass(className);
  if (!sc)
    return [
      {
        do: 'event',
        event: { type: 'Warning', reason: 'ProvisioningFailed', message: `storageclass.storage.k8s.io "${className}" not found` },
      },
    ];
  const provisioner = sc.provisioner ?? '';
  // in-tree plugins (kubernetes.io/...) do not exist here: kubernetes.io/no-provisioner classes are made by hand
  if (provisioner.startsWith('kubernetes.io/'))
    return [
      { do: 'event', event: { type: 'Warning', reason: 'ProvisioningFailed', message: `no volume plugin matched name: ${provisioner}` } },
    ];
  const steps: ClaimStep[] = [];
  if (claim.metadata.annotations?.[ANN_STORAGE_PROVISIONER] !== provisioner) steps.push({ do: 'provisioner', provisioner });
  steps.push({
    do: 'event',
    event: {
      type: 'Normal',
      reason: 'ExternalProvisioning',
      message: `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    },
  });
  return steps;
}

/** syncClaim. Throws for a binding that should never happen (the shell retries with backoff). */
export function syncClaim(claim: Claim, world: ClaimWorld): ClaimStep[] {
  return hasAnnotation(claim, ANN_BIND_COMPLETED) ? syncBoundClaim(claim, world) : syncUnboundClaim(claim, world);
}

function syncUnboundClaim(claim: Claim, world: ClaimWorld): ClaimStep[] {
  const pending: ClaimStep = { do: 'phase', phase: 'Pending' };
  const wanted = claim.spec?.volumeName;
  if (!wanted) {
    const delay = isDelayBinding(claim, world);
    const volume = findMatchingVolume(claim, world.volumes, { delayBinding: delay });
    if (volume) return [{ do: 'bind', volume }];
    if (!claimHasClass(claim) && world.defaultClass) return [{ do: 'defaultClass', className: world.defaultClass.metadata.name! }];
    if (delay && !hasAnnotation(claim, ANN_SELECTED_NODE))
      return [{ do: 'event', event: delayBindingEvent(world.unscheduledPods) }, pending];
    const className = claimClass(claim);
    if (className) return provision(claim, className, world);
    return [
      {
        do: 'event',
        event: {
          type: 'Normal',
          reason: 'FailedBinding',
          message: 'no persistent volumes available for this claim and no storage class is set',
        },
      },
      pending,
    ];
  }
  const volume = world.volume(wanted);
  if (!volume) return [pending];
  if (!volume.spec?.claimRef) {
    const why = volumeMismatch(volume, claim);
    if (why)
      return [
        {
          do: 'event',
          event: { type: 'Warning', reason: 'VolumeMismatch', message: `Cannot bind to requested volume "${wanted}": ${why}` },
        },
        pending,
      ];
    return [{ do: 'bind', volume }];
  }
  if (isVolumeBoundToClaim(volume, claim)) return [{ do: 'bind', volume }];
  const taken: Event = { type: 'Warning', reason: 'FailedBinding', message: `volume "${wanted}" already bound to a different claim.` };
  if (!hasAnnotation(claim, ANN_BOUND_BY_CONTROLLER)) return [{ do: 'event', event: taken }, pending];
  throw new Error(
    `invalid binding of claim "${claim.metadata.namespace}/${claim.metadata.name}" to volume "${wanted}": volume already claimed by "${volume.spec.claimRef.namespace}/${volume.spec.claimRef.name}"`,
  );
}

function syncBoundClaim(claim: Claim, world: ClaimWorld): ClaimStep[] {
  const lost = (reason: string, message: string): ClaimStep[] => [
    { do: 'phase', phase: 'Lost', event: { type: 'Warning', reason, message } },
  ];
  const name = claim.spec?.volumeName;
  if (!name) return lost('ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
  const volume = world.volume(name);
  if (!volume) return lost('ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
  if (!volume.spec?.claimRef || volume.spec.claimRef.uid === claim.metadata.uid) return [{ do: 'bind', volume }];
  return lost('ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
}

/** reclaimVolume: Retain keeps the volume Released; Delete is for the external provisioner that made it. */
function reclaim(volume: Volume): VolumeStep[] {
  const failed = (reason: string, message: string): VolumeStep[] => [
    { do: 'phase', phase: 'Failed', event: { type: 'Warning', reason, message } },
  ];
  switch (volume.spec?.persistentVolumeReclaimPolicy) {
    case 'Retain':
      return [];
    case 'Recycle':
      return failed('VolumeFailedRecycle', 'No recycler plugin found for the volume!');
    case 'Delete': {
      const by = volume.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED];
      if (by && !by.startsWith('kubernetes.io/')) return []; // its external provisioner deletes it
      return failed(
        'VolumeFailedDelete',
        `error getting deleter volume plugin for volume "${volume.metadata.name}": no deletable volume plugin matched`,
      );
    }
    default:
      return failed('VolumeUnknownReclaimPolicy', 'Volume has unrecognized PersistentVolumeReclaimPolicy');
  }
}

/** syncVolume; `claim` is the claim the volume's claimRef names, if it exists. */
export function syncVolume(volume: Volume, claim: Claim | undefined): VolumeStep[] {
  const ref = volume.spec?.claimRef;
  if (!ref || !ref.uid) return [{ do: 'phase', phase: 'Available' }];
  const phase = volume.status?.phase;
  const released = (): VolumeStep[] => [
    ...(phase !== 'Released' && phase !== 'Failed' ? [{ do: 'phase', phase: 'Released' } as VolumeStep] : []),
    ...reclaim(volume),
  ];
  if (!claim || claim.metadata.uid !== ref.uid) return released();
  if (!claim.spec?.volumeName) {
    if (volumeModeMismatch(claim, volume))
      return [
        {
          do: 'event',
          event: {
            type: 'Warning',
            reason: 'VolumeMismatch',
            message: `Cannot bind PersistentVolume to requested PersistentVolumeClaim "${claim.metadata.name}" due to incompatible volumeMode.`,
          },
        },
      ];
    return [{ do: 'syncClaim', key: `${claim.metadata.namespace}/${claim.metadata.name}` }];
  }
  if (claim.spec.volumeName === volume.metadata.name) return [{ do: 'phase', phase: 'Bound' }];
  if (hasAnnotation(volume, ANN_DYNAMICALLY_PROVISIONED) && volume.spec?.persistentVolumeReclaimPolicy === 'Delete') return released();
  return [{ do: 'unbind' }];
}

// --- what the steps write (the objects are never modified in place) ---

/** GetBindVolumeToClaim: the volume with its claimRef on the claim, or undefined when it already is. */
export function boundVolume(volume: Volume, claim: Claim): Volume | undefined {
  const ref = volume.spec?.claimRef;
  const m = claim.metadata;
  const setRef = !ref || ref.name !== m.name || ref.namespace !== m.namespace || ref.uid !== m.uid;
  const setAnn = !isVolumeBoundToClaim(volume, claim) && !hasAnnotation(volume, ANN_BOUND_BY_CONTROLLER);
  if (!setRef && !setAnn) return undefined;
  const next = structuredClone(volume);
  if (setRef)
    next.spec = {
      ...next.spec,
      claimRef: claimReference(claim),
    };
  if (setAnn) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: 'yes' };
  return next;
}

/** bindClaimToVolume: the claim naming the volume, marked bound, or undefined when it already is. */
export function boundClaim(claim: Claim, volume: Volume): Claim | undefined {
  const ann = claim.metadata.annotations ?? {};
  const rebind = claim.spec?.volumeName !== volume.metadata.name;
  if (!rebind && ann[ANN_BIND_COMPLETED] !== undefined) return undefined;
  const next = structuredClone(claim);
  const annotations = { ...ann };
  if (rebind) {
    next.spec = { ...next.spec, volumeName: volume.metadata.name };
    annotations[ANN_BOUND_BY_CONTROLLER] ??= 'yes';
  }
  annotations[ANN_BIND_COMPLETED] ??= 'yes';
  next.metadata.annotations = annotations;
  return next;
}

/** updateClaimStatus: the claim's status in `phase` (with the volume's modes and capacity when bound), or undefined when unchanged. */
export function claimStatus(claim: Claim, phase: string, volume?: Volume): Claim['status'] | undefined {
  const cur = claim.status ?? {};
  const next: NonNullable<Claim['status']> = { ...cur, phase };
  if (!volume) {
    delete next.accessModes;
    delete next.capacity;
  } else {
    next.accessModes = volume.spec?.accessModes;
    // capacity only when the claim becomes bound: a later difference may be intentional (resize)
    if (cur.phase !== phase) next.capacity = volume.spec?.capacity;
  }
  return JSON.stringify(next) === JSON.stringify(cur) ? undefined : next;
}

/** unbindVolume: the volume without the controller's binding (or the user's pre-binding without its uid). */
export function unboundVolume(volume: Volume): Volume {
  const next = structuredClone(volume);
  if (hasAnnotation(volume, ANN_BOUND_BY_CONTROLLER)) {
    delete next.spec!.claimRef;
    const { [ANN_BOUND_BY_CONTROLLER]: _drop, ...rest } = next.metadata.annotations ?? {};
    next.metadata.annotations = Object.keys(rest).length ? rest : undefined;
  } else if (next.spec?.claimRef) {
    next.spec.claimRef = { ...next.spec.claimRef, uid: undefined };
    delete next.spec.claimRef.uid;
  }
  return next;
}

/** setClaimProvisioner: both the GA and the beta annotation name the provisioner. */
export function provisionerAnnotations(provisioner: string): Record<string, string> {
  return { [ANN_BETA_STORAGE_PROVISIONER]: provisioner, [ANN_STORAGE_PROVISIONER]: provisioner };
}

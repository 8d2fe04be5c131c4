// persistentVolumeClaim volumes: claim → bound PersistentVolume → its hostPath or local source, as
// upstream's desired-state populator resolves them (its error wording), pure. The path is parsed and
// bounded here too (absolute, clean, no "..", no NUL, at most PATH_MAX), whatever the apiserver let in.
import { volumeNodeAffinityMatches, type Claim, type core, type Volume } from '@minik8s/shared';

export type ClaimSource = { kind: 'hostPath'; path: string; type: string } | { kind: 'local'; path: string };

export class ClaimError extends Error {}

const PATH_MAX = 4096;

/** An absolute, clean path or why not (path.Clean would leave it unchanged; no ".." segments). */
export function checkHostPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return 'is empty';
  if (path.length > PATH_MAX) return `is longer than ${PATH_MAX} bytes`;
  if (path.includes('\0')) return 'contains a NUL character';
  if (!path.startsWith('/')) return 'is not absolute';
  const segments = path.split('/').slice(1);
  if (segments.includes('..')) return "contains '..'";
  if (path !== '/' && segments.some((s) => s === '' || s === '.')) return 'is not clean';
  return undefined;
}

/**
 * The source a claim's bound volume mounts from on `node`, or a ClaimError worded as the kubelet's
 * ("error processing PVC ns/name: PVC is not bound").
 */
export function claimSource(namespace: string, claimName: string, claim: Claim | undefined, volume: Volume | undefined, node: Pick<core.Node, 'metadata'>): ClaimSource {
  const fail = (why: string) => new ClaimError(`error processing PVC ${namespace}/${claimName}: ${why}`);
  if (!claim) throw fail(`failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
  if (claim.metadata.deletionTimestamp) throw fail('PVC is being deleted');
  const pvName = claim.spec?.volumeName;
  if (claim.status?.phase !== 'Bound' || !pvName) throw fail('PVC is not bound');
  if (!volume) throw fail(`failed to fetch PV "${pvName}" from API server: persistentvolumes "${pvName}" not found`);
  const ref = volume.spec?.claimRef;
  if (!ref) throw fail(`found PV object "${pvName}" but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim`);
  if (ref.uid !== claim.metadata.uid) throw fail(`found PV object "${pvName}" but its pv.Spec.ClaimRef.UID (${ref.uid ?? ''}) does not point to claim.UID (${claim.metadata.uid})`);
  if ((volume.spec?.volumeMode ?? 'Filesystem') !== 'Filesystem') throw fail(`PV "${pvName}" has volumeMode ${volume.spec?.volumeMode}: only Filesystem volumes can be mounted`);
  if (!volumeNodeAffinityMatches(volume, node)) throw fail(`PV "${pvName}" node affinity does not match node "${node.metadata?.name}"`);
  const src = volume.spec?.hostPath ? { kind: 'hostPath' as const, path: volume.spec.hostPath.path, type: volume.spec.hostPath.type ?? '' } : volume.spec?.local ? { kind: 'local' as const, path: volume.spec.local.path } : undefined;
  if (!src) throw fail(`PV "${pvName}" has no hostPath or local source: minik8s nodes mount only those`);
  const bad = checkHostPath(src.path);
  if (bad) throw fail(`the path of PV "${pvName}" ${bad}: ${JSON.stringify(String(src.path).slice(0, 256))}`);
  return src;
}

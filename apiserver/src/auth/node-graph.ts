// The Node authorizer's graph (upstream's plugin/pkg/auth/authorizer/node graph): which node each bound
// pod runs on and what it names — secrets, configmaps, PVCs (and through each claim its bound PV and the
// secrets that PV names), its ServiceAccount. Kept from the apiserver's own watch caches by the
// populator; pure here, so a decision is a few map lookups and never an etcd read.
import { persistentVolumeSecrets, podReferences, type core } from '@minik8s/shared';

export type VertexKind = 'pod' | 'secret' | 'configmap' | 'pvc' | 'pv' | 'serviceaccount';

interface PodLike {
  metadata: { name?: string; namespace?: string };
  spec?: core.PodSpec;
}
interface ClaimLike {
  metadata: { name?: string; namespace?: string };
  spec?: core.PersistentVolumeClaimSpec;
}
interface VolumeLike {
  metadata: { name?: string };
  spec?: core.PersistentVolumeSpec;
}

const vertex = (kind: VertexKind, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

export class NodeGraph {
  /** pod ns/name → its node and the vertices it reaches directly. */
  private readonly pods = new Map<string, { node: string; refs: string[] }>();
  /** node → vertex → how many of the node's pods reach it. */
  private readonly byNode = new Map<string, Map<string, number>>();
  /** PVC ns/name → the PV it is bound to. */
  private readonly claims = new Map<string, string>();
  /** PV name → the secret vertices its source names. */
  private readonly volumeSecrets = new Map<string, string[]>();

  /** A pod was added or changed (an unbound pod reaches nothing). */
  setPod(pod: PodLike): void {
    const ns = pod.metadata.namespace ?? '';
    const name = pod.metadata.name ?? '';
    this.deletePod(ns, name);
    const node = pod.spec?.nodeName;
    if (!node) return;
    const r = podReferences(pod.spec);
    const refs = [
      vertex('pod', ns, name),
      ...r.secrets.map((s) => vertex('secret', ns, s)),
      ...r.configMaps.map((c) => vertex('configmap', ns, c)),
      ...r.persistentVolumeClaims.map((c) => vertex('pvc', ns, c)),
      ...(r.serviceAccount ? [vertex('serviceaccount', ns, r.serviceAccount)] : []),
    ];
    this.pods.set(`${ns}/${name}`, { node, refs });
    let counts = this.byNode.get(node);
    if (!counts) this.byNode.set(node, (counts = new Map()));
    for (const v of refs) counts.set(v, (counts.get(v) ?? 0) + 1);
  }

  deletePod(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const had = this.pods.get(key);
    if (!had) return;
    this.pods.delete(key);
    const counts = this.byNode.get(had.node)!;
    for (const v of had.refs) {
      const n = (counts.get(v) ?? 0) - 1;
      if (n > 0) counts.set(v, n);
      else counts.delete(v);
    }
    if (!counts.size) this.byNode.delete(had.node);
  }

  setClaim(pvc: ClaimLike): void {
    const key = `${pvc.metadata.namespace ?? ''}/${pvc.metadata.name ?? ''}`;
    if (pvc.spec?.volumeName) this.claims.set(key, pvc.spec.volumeName);
    else this.claims.delete(key);
  }

  deleteClaim(namespace: string, name: string): void {
    this.claims.delete(`${namespace}/${name}`);
  }

  setVolume(pv: VolumeLike): void {
    const secrets = persistentVolumeSecrets(pv.spec).map((s) => vertex('secret', s.namespace, s.name));
    if (secrets.length) this.volumeSecrets.set(pv.metadata.name ?? '', secrets);
    else this.volumeSecrets.delete(pv.metadata.name ?? '');
  }

  deleteVolume(name: string): void {
    this.volumeSecrets.delete(name);
  }

  /** Forget every object of a kind (its watch is being resynced from a fresh list). */
  reset(kind: 'pods' | 'claims' | 'volumes'): void {
    if (kind === 'pods') {
      this.pods.clear();
      this.byNode.clear();
    } else if (kind === 'claims') this.claims.clear();
    else this.volumeSecrets.clear();
  }

  /** Is there a path from `node` to the object: a pod bound to it names the object (directly, or via its claims' volumes)? */
  hasPath(node: string, kind: VertexKind, namespace: string, name: string): boolean {
    const counts = this.byNode.get(node);
    if (!counts) return false;
    if (kind !== 'pv' && counts.has(vertex(kind, namespace, name))) return true;
    if (kind !== 'pv' && kind !== 'secret') return false;
    const secret = vertex('secret', namespace, name);
    for (const v of counts.keys()) {
      if (!v.startsWith('pvc/')) continue;
      const pv = this.claims.get(v.slice('pvc/'.length));
      if (!pv) continue;
      if (kind === 'pv' ? pv === name : !!this.volumeSecrets.get(pv)?.includes(secret)) return true;
    }
    return false;
  }
}

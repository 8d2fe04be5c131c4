// The objects a pod's spec names (upstream's podutil.VisitPodSecretNames / VisitPodConfigmapNames and the
// Node authorizer's graph edges): secrets, configmaps, PVCs and its ServiceAccount, in every place a pod
// can name them — volumes (projected sources included), env, envFrom, imagePullSecrets, every container
// kind (init, ephemeral).
import type { core } from './types';

export interface PodReferences {
  secrets: string[];
  configMaps: string[];
  persistentVolumeClaims: string[];
  /** The ServiceAccount the pod runs as ('' when none is named). */
  serviceAccount: string;
}

type AnyContainer = Pick<core.Container, 'env' | 'envFrom'>;

/** Every secret, configmap and PVC `spec` names (each name once) and its ServiceAccount. */
export function podReferences(spec: core.PodSpec | undefined): PodReferences {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  const claims = new Set<string>();
  const add = (set: Set<string>, name: string | undefined) => {
    if (name) set.add(name);
  };
  for (const s of spec?.imagePullSecrets ?? []) add(secrets, s.name);
  const containers: AnyContainer[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])];
  for (const c of containers) {
    for (const f of c.envFrom ?? []) {
      add(secrets, f.secretRef?.name);
      add(configMaps, f.configMapRef?.name);
    }
    for (const e of c.env ?? []) {
      add(secrets, e.valueFrom?.secretKeyRef?.name);
      add(configMaps, e.valueFrom?.configMapKeyRef?.name);
    }
  }
  for (const v of spec?.volumes ?? []) {
    add(secrets, v.secret?.secretName);
    add(configMaps, v.configMap?.name);
    add(claims, v.persistentVolumeClaim?.claimName);
    for (const p of v.projected?.sources ?? []) {
      add(secrets, p.secret?.name);
      add(configMaps, p.configMap?.name);
    }
    // volume plugins that take their credentials from a secret
    add(secrets, v.azureFile?.secretName);
    add(secrets, v.cephfs?.secretRef?.name);
    add(secrets, v.cinder?.secretRef?.name);
    add(secrets, v.flexVolume?.secretRef?.name);
    add(secrets, v.iscsi?.secretRef?.name);
    add(secrets, v.rbd?.secretRef?.name);
    add(secrets, v.scaleIO?.secretRef?.name);
    add(secrets, v.storageos?.secretRef?.name);
    add(secrets, v.csi?.nodePublishSecretRef?.name);
  }
  return {
    secrets: [...secrets],
    configMaps: [...configMaps],
    persistentVolumeClaims: [...claims],
    serviceAccount: spec?.serviceAccountName ?? '',
  };
}

/** The secrets a PersistentVolume's source names, by namespace (upstream's VisitPVSecretNames). */
export function persistentVolumeSecrets(spec: core.PersistentVolumeSpec | undefined): { namespace: string; name: string }[] {
  const out: { namespace: string; name: string }[] = [];
  const ref = (r: { name?: string; namespace?: string } | undefined, defaultNs = '') => {
    if (r?.name) out.push({ namespace: r.namespace ?? defaultNs, name: r.name });
  };
  if (!spec) return out;
  ref(spec.csi?.nodePublishSecretRef);
  ref(spec.csi?.nodeStageSecretRef);
  ref(spec.csi?.nodeExpandSecretRef);
  ref(spec.csi?.controllerPublishSecretRef);
  ref(spec.csi?.controllerExpandSecretRef);
  ref(spec.cephfs?.secretRef);
  ref(spec.cinder?.secretRef);
  ref(spec.flexVolume?.secretRef);
  ref(spec.iscsi?.secretRef);
  ref(spec.rbd?.secretRef);
  ref(spec.scaleIO?.secretRef);
  ref(spec.storageos?.secretRef);
  if (spec.azureFile?.secretName)
    out.push({ namespace: spec.azureFile.secretNamespace ?? spec.claimRef?.namespace ?? '', name: spec.azureFile.secretName });
  return out;
}

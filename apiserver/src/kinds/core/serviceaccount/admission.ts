// The ServiceAccount admission of pods on create (upstream's plugin, in part): the pod runs as
// spec.serviceAccountName (default "default"), and unless automountServiceAccountToken is false on the
// pod or its ServiceAccount, it gets upstream's kube-api-access-<suffix> projected volume — a bound token
// (TokenRequest by the kubelet), ca.crt from the kube-root-ca.crt ConfigMap, the namespace from the
// downward API — mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount in every container.
// Unlike upstream, a pod whose ServiceAccount does not exist (yet) is admitted without the volume
// rather than refused.
import { randomBytes } from 'node:crypto';
import { isNotFound } from '@minik8s/shared';
import type { AdmissionPlugin } from '../../../registry/admission';
import type { Obj } from '../../../registry/objects';
import { pods } from '../pod';
import { SERVICE_ACCOUNTS } from '.';

export const SA_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Upstream's default lifetime of the projected token: an hour, plus 7 s to tell it from a user's 3600. */
export const SA_TOKEN_SECONDS = 3607;
const SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function suffix(): string {
  return [...randomBytes(5)].map((b) => SUFFIX_CHARS[b % SUFFIX_CHARS.length]).join('');
}

/** The projected volume upstream adds (pure but for its random name). */
export function apiAccessVolume(name = `kube-api-access-${suffix()}`): Obj {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: SA_TOKEN_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** Add the volume and the mounts to a pod (pure); `automount` is the ServiceAccount's setting. */
export function withApiAccess(pod: Obj, automount: boolean | undefined, volume = apiAccessVolume()): Obj {
  const spec: Obj = { ...(pod.spec ?? {}) };
  spec.serviceAccountName ||= 'default';
  const mount = spec.automountServiceAccountToken ?? automount ?? true;
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  if (!mount || containers.some((c: Obj) => (c.volumeMounts ?? []).some((m: Obj) => m.mountPath === SA_MOUNT_PATH)))
    return { ...pod, spec };
  const addMount = (c: Obj) => ({
    ...c,
    volumeMounts: [...(c.volumeMounts ?? []), { name: volume.name, readOnly: true, mountPath: SA_MOUNT_PATH }],
  });
  spec.volumes = [...(spec.volumes ?? []), volume];
  spec.containers = (spec.containers ?? []).map(addMount);
  if (spec.initContainers) spec.initContainers = spec.initContainers.map(addMount);
  return { ...pod, spec };
}

/** The plugin: mutating, pod creates only; the new pod's spec gets its ServiceAccount and the volume. */
export const serviceAccountAdmission: AdmissionPlugin = {
  name: 'ServiceAccount',
  operations: ['CREATE'],
  admit: async (registry, { r, namespace, obj }) => {
    if (r.strategy !== pods || !namespace) return;
    const name = obj.spec?.serviceAccountName || 'default';
    let sa: Obj | undefined;
    try {
      sa = await registry.get(registry.resource(SERVICE_ACCOUNTS), name, namespace);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    obj.spec = sa ? withApiAccess(obj, sa.automountServiceAccountToken).spec : { ...(obj.spec ?? {}), serviceAccountName: name };
  },
};

// Volume rules of ValidatePodSpec (ValidateVolumes, validateVolumeSource): one source per volume, names,
// modes, paths that stay inside the volume, and the sources the kubelet serves (emptyDir, hostPath,
// configMap, secret, projected, downwardAPI) checked field by field, worded as upstream.
import { fe } from '../../../registry/fielderrors';
import { bool, dnsLabel, dnsSubdomain, int32, int64, obj, objects, oneOf, quantity, str, type Errs } from '../../../registry/validation';
import type { Obj } from '../../helpers';
import { localNonReservedPath, nodePath } from './paths';
import { fieldSelector, resourceFieldSelector } from './downward';

const FILE_MODE_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';

/** Sources upstream knows; the kubelet serves the first six, the rest are only counted (one source per volume). */
const SOURCES = [
  'emptyDir', 'hostPath', 'configMap', 'secret', 'projected', 'downwardAPI', 'persistentVolumeClaim', 'ephemeral', 'image', 'nfs', 'iscsi', 'glusterfs',
  'rbd', 'cinder', 'cephfs', 'flocker', 'flexVolume', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk',
  'portworxVolume', 'scaleIO', 'storageos', 'csi', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo',
];

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'] as const;
const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];

/** validateHostPathVolumeSource (a pod's volume or a PersistentVolume's). */
export function hostPathSource(errs: Errs, path: string, src: Obj): void {
  nodePath(errs, `${path}.path`, src.path);
  oneOf(errs, `${path}.type`, src.type, HOST_PATH_TYPES);
}

function mode(errs: Errs, path: string, v: unknown): void {
  const m = int32(errs, path, v);
  if (m !== undefined && (m < 0 || m > 0o777)) errs.push(fe.invalid(path, m, FILE_MODE_MSG));
}

/** KeyToPath items: a key, a path that stays inside the volume, a mode. Returns the paths. */
function keyToPaths(errs: Errs, path: string, items: unknown): string[] {
  const paths: string[] = [];
  for (const [kp, p] of objects(errs, path, items)) {
    str(errs, `${p}.key`, kp.key, true);
    const target = str(errs, `${p}.path`, kp.path, true);
    if (target !== undefined) {
      localNonReservedPath(errs, `${p}.path`, target);
      if (target) paths.push(target);
    }
    mode(errs, `${p}.mode`, kp.mode);
  }
  return paths;
}

/** downwardAPI files: a path, exactly one of fieldRef and resourceFieldRef, a mode. Returns the paths. */
function downwardFiles(errs: Errs, path: string, items: unknown): string[] {
  const paths: string[] = [];
  for (const [f, p] of objects(errs, path, items)) {
    const target = str(errs, `${p}.path`, f.path, true);
    if (target !== undefined) {
      localNonReservedPath(errs, `${p}.path`, target);
      if (target) paths.push(target);
    }
    const fieldRef = obj(errs, `${p}.fieldRef`, f.fieldRef);
    const resourceRef = obj(errs, `${p}.resourceFieldRef`, f.resourceFieldRef);
    if (fieldRef) {
      fieldSelector(errs, `${p}.fieldRef`, fieldRef, VOLUME_FIELD_PATHS);
      if (resourceRef) errs.push(fe.invalid(p, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    } else if (resourceRef) resourceFieldSelector(errs, `${p}.resourceFieldRef`, resourceRef, true);
    else errs.push(fe.required(p, 'one of fieldRef and resourceFieldRef is required'));
    mode(errs, `${p}.mode`, f.mode);
  }
  return paths;
}

function projected(errs: Errs, path: string, src: Obj): void {
  mode(errs, `${path}.defaultMode`, src.defaultMode);
  const all = new Set<string>();
  const unique = (paths: string[], name: unknown) => {
    for (const t of paths) {
      if (all.has(t)) errs.push(fe.invalid(path, name, 'conflicting duplicate paths'));
      all.add(t);
    }
  };
  for (const [s, p] of objects(errs, `${path}.sources`, src.sources)) {
    const present = ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle'].filter((k) => s[k] !== undefined && s[k] !== null);
    if (present.length > 1) errs.push(fe.forbidden(p, 'may not specify more than 1 volume type per source'));
    for (const k of ['secret', 'configMap'] as const) {
      const ref = obj(errs, `${p}.${k}`, s[k]);
      if (!ref) continue;
      str(errs, `${p}.${k}.name`, ref.name, true);
      bool(errs, `${p}.${k}.optional`, ref.optional);
      unique(keyToPaths(errs, `${p}.${k}.items`, ref.items), ref.name);
    }
    const dapi = obj(errs, `${p}.downwardAPI`, s.downwardAPI);
    if (dapi) unique(downwardFiles(errs, `${p}.downwardAPI.items`, dapi.items), '');
    const token = obj(errs, `${p}.serviceAccountToken`, s.serviceAccountToken);
    if (token) {
      const tp = `${p}.serviceAccountToken`;
      const target = str(errs, `${tp}.path`, token.path, true);
      if (target) {
        localNonReservedPath(errs, `${tp}.path`, target);
        unique([target], '');
      }
      str(errs, `${tp}.audience`, token.audience);
      const exp = int64(errs, `${tp}.expirationSeconds`, token.expirationSeconds);
      if (exp !== undefined && exp < 600) errs.push(fe.invalid(`${tp}.expirationSeconds`, exp, 'may not specify a duration less than 10 minutes'));
      if (exp !== undefined && exp > 2 ** 32) errs.push(fe.invalid(`${tp}.expirationSeconds`, exp, 'may not specify a duration larger than 2^32 seconds'));
    }
  }
}

/** validateVolumeSource for one volume. */
function source(errs: Errs, path: string, vol: Obj): void {
  const present = SOURCES.filter((k) => vol[k] !== undefined && vol[k] !== null);
  if (!present.length) return void errs.push(fe.required(path, 'must specify a volume type'));
  for (const k of present.slice(1)) errs.push(fe.forbidden(`${path}.${k}`, 'may not specify more than 1 volume type'));
  const k = present[0];
  const p = `${path}.${k}`;
  const src = obj(errs, p, vol[k]);
  if (!src) return;
  switch (k) {
    case 'emptyDir': {
      const medium = str(errs, `${p}.medium`, src.medium);
      if (medium && medium !== 'Memory' && medium !== 'HugePages' && !medium.startsWith('HugePages-')) errs.push(fe.notSupported(`${p}.medium`, medium, ['', 'HugePages', 'Memory']));
      if (src.sizeLimit !== undefined && src.sizeLimit !== null) {
        const size = quantity(errs, `${p}.sizeLimit`, src.sizeLimit);
        if (size && size.nano < 0n) errs.push(fe.forbidden(`${p}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
      }
      break;
    }
    case 'hostPath':
      hostPathSource(errs, p, src);
      break;
    case 'secret':
    case 'configMap': {
      const nameField = k === 'secret' ? 'secretName' : 'name';
      const name = str(errs, `${p}.${nameField}`, src[nameField], true);
      if (name) dnsSubdomain(errs, `${p}.${nameField}`, name);
      mode(errs, `${p}.defaultMode`, src.defaultMode);
      bool(errs, `${p}.optional`, src.optional);
      keyToPaths(errs, `${p}.items`, src.items);
      break;
    }
    case 'downwardAPI':
      mode(errs, `${p}.defaultMode`, src.defaultMode);
      downwardFiles(errs, `${p}.items`, src.items);
      break;
    case 'projected':
      projected(errs, p, src);
      break;
    case 'persistentVolumeClaim':
      str(errs, `${p}.claimName`, src.claimName, true);
      bool(errs, `${p}.readOnly`, src.readOnly);
      break;
    default:
      break;
  }
}

/** ValidateVolumes: the volumes by name (for the mounts), causes added to `errs`. */
export function volumes(errs: Errs, path: string, list: unknown): Map<string, Obj> {
  const byName = new Map<string, Obj>();
  for (const [vol, p] of objects(errs, path, list)) {
    const el: Errs = [];
    source(el, p, vol);
    const name = str(el, `${p}.name`, vol.name, true);
    if (name) dnsLabel(el, `${p}.name`, name);
    if (name !== undefined && byName.has(name)) el.push(fe.duplicate(`${p}.name`, name));
    if (!el.length && name) byName.set(name, vol);
    errs.push(...el);
  }
  return byName;
}


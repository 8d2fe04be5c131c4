// The downward API selectors of env vars and downwardAPI volumes (validateObjectFieldSelector,
// validateContainerResourceFieldSelector and the divisors), worded as upstream.
import { toQuantity } from '@minik8s/shared';
import { fe } from '../../../registry/fielderrors';
import { qualifiedName, quantity, str, type Errs } from '../../../registry/validation';
import type { Obj } from '../../helpers';

/** What ConvertDownwardAPIFieldLabel knows at v1. */
const KNOWN_FIELDS = new Set([
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.restartPolicy',
  'spec.serviceAccountName', 'spec.schedulerName', 'status.phase', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
]);

/** fieldRef: an apiVersion (defaulted to v1) and a field path among `valid`, or a subscripted labels/annotations path. */
export function fieldSelector(errs: Errs, path: string, ref: Obj, valid: readonly string[]): void {
  const version = str(errs, `${path}.apiVersion`, ref.apiVersion, true);
  if (!version) return;
  const fieldPath = str(errs, `${path}.fieldPath`, ref.fieldPath, true);
  if (!fieldPath) return;
  const sub = /^(metadata\.(?:annotations|labels))\['(.*)'\]$/.exec(fieldPath);
  if (version !== 'v1') return void errs.push(fe.invalid(`${path}.fieldPath`, fieldPath, `error converting fieldPath: unsupported pod version: ${version}`));
  if (!sub && !KNOWN_FIELDS.has(fieldPath)) return void errs.push(fe.invalid(`${path}.fieldPath`, fieldPath, `error converting fieldPath: field label not supported: ${fieldPath}`));
  if (sub) qualifiedName(errs, path, sub[1] === 'metadata.annotations' ? sub[2].toLowerCase() : sub[2]);
  else if (!valid.includes(fieldPath)) errs.push(fe.notSupported(`${path}.fieldPath`, fieldPath, [...valid]));
}

const DOWNWARD_RESOURCES = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];
const CPU_DIVISORS = ['1m', '1'];
const BYTE_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];
const nanoOf = (list: string[]) => new Set(list.map((q) => toQuantity(q).nano));
const CPU_NANO = nanoOf(CPU_DIVISORS);
const BYTE_NANO = nanoOf(BYTE_DIVISORS);

/** resourceFieldRef: a container (volumes only), a resource of the container and a supported divisor. */
export function resourceFieldSelector(errs: Errs, path: string, ref: Obj, volume: boolean): void {
  const container = str(errs, `${path}.containerName`, ref.containerName);
  const resource = str(errs, `${path}.resource`, ref.resource);
  if (volume && !container) errs.push(fe.required(`${path}.containerName`));
  else if (!resource) errs.push(fe.required(`${path}.resource`));
  else if (!DOWNWARD_RESOURCES.includes(resource) && !/^(requests|limits)\.hugepages-/.test(resource)) errs.push(fe.notSupported(`${path}.resource`, resource, DOWNWARD_RESOURCES));
  if (ref.divisor === undefined || ref.divisor === null) return;
  const d = quantity(errs, `${path}.divisor`, ref.divisor);
  if (!d || d.nano === 0n || !resource) return;
  const kind = resource.split('.')[1];
  if (kind === 'cpu' && !CPU_NANO.has(d.nano)) errs.push(fe.invalid(`${path}.divisor`, resource, `only divisor's values ${CPU_DIVISORS.join(' and ')} are supported with the cpu resource`));
  if ((kind === 'memory' || kind === 'ephemeral-storage') && !BYTE_NANO.has(d.nano))
    errs.push(fe.invalid(`${path}.divisor`, resource, `only divisor's values ${BYTE_DIVISORS.join(', ')} are supported with the ${kind === 'memory' ? 'memory' : 'local ephemeral storage'} resource`));
}

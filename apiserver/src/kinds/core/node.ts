// Nodes (upstream pkg/registry/core/node): cluster-scoped, kept under the historical `minions` keys; a
// kubelet registers its node with its status, so create keeps the status it is given. Pod CIDRs and
// addresses, which every node turns into routes, are validated on every write, /status included.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { fe, type Cause } from '../../registry/fielderrors';
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf, wide } from '../../tables/columns';
import { orNone } from '../../tables/format';
import { isObj, proxySubresource, type Obj } from '../helpers';
import { deepEqual } from '../../registry/objects';
import { bool, cidr, ip, nonNegativeQuantity, obj, objects, oneOf, portNum, qualifiedName, str, strings } from '../../registry/validation';
import { labelValueErrors, parseCIDRSloppy } from '@minik8s/shared';
import { taintEffect } from './podspec/scheduling';

function nodeStatus(o: any): string {
  const conds: any[] = o.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  const parts = [!ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (o.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(o: any): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries<string>(o.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) {
      roles.add(v);
    }
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

const nodeAddress = (o: any, type: string) => orNone((o.status?.addresses ?? []).find((a: any) => a.type === type)?.address);

const ADDRESS_TYPES = ['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS'] as const;

/** ValidateNode: pod CIDRs, taints, addresses, capacity and allocatable. */
function validate(o: Obj): Cause[] {
  const errs: Cause[] = [];
  const spec = obj(errs, 'spec', o.spec) ?? {};
  str(errs, 'spec.podCIDR', spec.podCIDR);
  const cidrs = strings(errs, 'spec.podCIDRs', spec.podCIDRs);
  for (const [c, p] of cidrs) cidr(errs, p, c);
  if (cidrs.length > 1) {
    const families = new Set(cidrs.map(([c]) => parseCIDRSloppy(c)?.ip.family));
    if (families.size !== cidrs.length || cidrs.length > 2) errs.push(fe.invalid('spec.podCIDRs', spec.podCIDRs, 'may specify no more than one CIDR for each IP family'));
  }
  bool(errs, 'spec.unschedulable', spec.unschedulable);
  str(errs, 'spec.providerID', spec.providerID);
  const seen = new Set<string>();
  for (const [t, p] of objects(errs, 'spec.taints', spec.taints)) {
    const key = str(errs, `${p}.key`, t.key) ?? '';
    qualifiedName(errs, `${p}.key`, key);
    const value = str(errs, `${p}.value`, t.value) ?? '';
    const msgs = labelValueErrors(value);
    if (msgs.length) errs.push(fe.invalid(`${p}.value`, value, msgs.join(';')));
    const effect = taintEffect(errs, `${p}.effect`, t.effect, false);
    const k = `${effect}/${key}`;
    if (seen.has(k)) errs.push({ ...fe.duplicate(p, t), message: `${fe.duplicate(p, t).message}: taints must be unique by key and effect pair` });
    seen.add(k);
  }
  const status = obj(errs, 'status', o.status) ?? {};
  for (const [a, p] of objects(errs, 'status.addresses', status.addresses)) {
    const type = oneOf(errs, `${p}.type`, a.type, ADDRESS_TYPES, true);
    const address = str(errs, `${p}.address`, a.address, true);
    // the pod-route code of every node routes to InternalIP/ExternalIP addresses
    if (address && (type === 'InternalIP' || type === 'ExternalIP')) ip(errs, `${p}.address`, address);
  }
  for (const which of ['capacity', 'allocatable']) {
    for (const [name, q] of Object.entries(obj(errs, `status.${which}`, status[which]) ?? {})) {
      const p = `status.${which}[${name}]`;
      qualifiedName(errs, p, name);
      const parsed = nonNegativeQuantity(errs, p, q);
      const integer = name === 'pods' || (name.includes('/') && !name.startsWith('kubernetes.io/'));
      if (parsed && integer && parsed.nano % 1_000_000_000n !== 0n) errs.push(fe.invalid(p, q, 'must be an integer'));
    }
  }
  const endpoints = obj(errs, 'status.daemonEndpoints', status.daemonEndpoints);
  const kubelet = obj(errs, 'status.daemonEndpoints.kubeletEndpoint', endpoints?.kubeletEndpoint);
  if (kubelet) portNum(errs, 'status.daemonEndpoints.kubeletEndpoint.Port', kubelet.Port);
  return errs;
}

/** podCIDR and podCIDRs as v1 converts them: podCIDRs wins, podCIDR is its first entry. */
function normalizePodCIDRs(o: Obj): void {
  const spec = o.spec;
  if (!isObj(spec)) return;
  if (Array.isArray(spec.podCIDRs) && spec.podCIDRs.length && typeof spec.podCIDRs[0] === 'string') spec.podCIDR = spec.podCIDRs[0];
  else if (typeof spec.podCIDR === 'string' && spec.podCIDR) spec.podCIDRs = [spec.podCIDR];
}

/** ValidateNodeUpdate: a pod CIDR, once set, stays. */
function validateUpdate(next: Obj, old: Obj): Cause[] {
  const before: unknown[] = old.spec?.podCIDRs ?? [];
  if (before.length && !deepEqual(next.spec?.podCIDRs ?? [], before)) return [fe.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid')];
  return [];
}

export const nodes: ResourceStrategy = {
  group: '',
  kind: 'Node',
  resource: 'nodes',
  namespaced: false,
  shortNames: ['no'],
  versions: [{ name: 'v1' }],
  storageKey: 'minions',
  status: { keepOnCreate: true, validate },
  subresources: { proxy: proxySubresource('NodeProxyOptions') },
  defaults: normalizePodCIDRs,
  validate,
  validateUpdate,
  table: {
    columns: [
      NAME,
      col('Status', { description: 'The status of the node' }),
      col('Roles', { description: 'The roles of the node' }),
      AGE,
      col('Version', { description: 'Kubelet Version reported by the node.' }),
      wide('Internal-IP', 'List of addresses reachable to the node.'),
      wide('External-IP', 'List of addresses reachable to the node.'),
      wide('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
      wide('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
      wide('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
    ],
    cells(o, now) {
      const info = o.status?.nodeInfo ?? {};
      return [
        nameOf(o), nodeStatus(o), nodeRoles(o), ageOf(o, now), info.kubeletVersion ?? '',
        nodeAddress(o, 'InternalIP'), nodeAddress(o, 'ExternalIP'), info.osImage || '<unknown>', info.kernelVersion || '<unknown>', info.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
  selectableFields: { 'metadata.name': METADATA_SELECTABLE['metadata.name'], 'spec.unschedulable': (o) => String(o.spec?.unschedulable === true) },
};

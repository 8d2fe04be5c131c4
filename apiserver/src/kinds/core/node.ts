// Nodes (upstream pkg/registry/core/node): cluster-scoped, kept under the historical `minions` keys; a
// kubelet registers its node with its status, so create keeps the status it is given.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { fe, type Cause } from '../../registry/fielderrors';
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf, wide } from '../../tables/columns';
import { orNone } from '../../tables/format';
import { isObj, proxySubresource } from '../helpers';

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

export const nodes: ResourceStrategy = {
  group: '',
  kind: 'Node',
  resource: 'nodes',
  namespaced: false,
  shortNames: ['no'],
  versions: [{ name: 'v1' }],
  storageKey: 'minions',
  status: { keepOnCreate: true },
  subresources: { proxy: proxySubresource('NodeProxyOptions') },
  validate(o) {
    const errs: Cause[] = [];
    if (isObj(o.spec) && o.spec.podCIDR !== undefined && typeof o.spec.podCIDR !== 'string') errs.push(fe.invalid('spec.podCIDR', o.spec.podCIDR, 'must be a CIDR'));
    return errs;
  },
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

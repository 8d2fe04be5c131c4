// The rows of `kubectl get services` (printService, upstream printers.go v1.32).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { AGE, NAME, ageOf, col, nameOf, wide } from '../../../tables/columns';
import { formatLabels, orNone } from '../../../tables/format';
import type { TablePrinter } from '../../../tables/types';

function externalIP(o: any): string {
  const spec = o.spec ?? {};
  const external: string[] = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress: string[] = [...new Set<string>((o.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip || i.hostname).filter(Boolean))].sort();
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
  }
  return '<unknown>';
}

function ports(list: any[] | undefined): string {
  if (!list?.length) return '<none>';
  return list.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

export const servicePrinter: TablePrinter = {
  columns: [
    NAME,
    col('Type', { description: 'type determines how the Service is exposed.' }),
    col('Cluster-IP', { description: 'clusterIP is the IP address of the service and is usually assigned randomly.' }),
    col('External-IP', { description: 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.' }),
    col('Port(s)', { description: 'The list of ports that are exposed by this service.' }),
    AGE,
    wide('Selector', 'Route service traffic to pods with label keys and values matching this selector.'),
  ],
  cells(o, now) {
    const spec = o.spec ?? {};
    return [nameOf(o), spec.type ?? '', orNone(spec.clusterIPs?.[0] ?? spec.clusterIP), externalIP(o), ports(spec.ports), ageOf(o, now), formatLabels(spec.selector)];
  },
};

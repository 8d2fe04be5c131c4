// Desired EndpointSlices for a Service: one per port set (IPv4), at most maxEndpoints each.
import { isPodReady, type discovery } from '@minik8s/shared';
import type { Pod, Service } from '../../util/types';
import { podEndpoints, portSetKey, type PodEndpoint } from '../endpoints/build';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';

export interface DesiredSlice {
  portKey: string;
  ports: discovery.EndpointPort[];
  endpoints: discovery.Endpoint[];
}

function endpointOf(e: PodEndpoint): discovery.Endpoint {
  const ep: discovery.Endpoint = {
    addresses: [e.ip],
    conditions: { ready: e.ready, serving: e.ready || isServing(e), terminating: e.terminating },
    targetRef: { kind: 'Pod', namespace: e.pod.metadata.namespace, name: e.pod.metadata.name, uid: e.pod.metadata.uid },
  };
  if (e.pod.spec?.nodeName) ep.nodeName = e.pod.spec.nodeName;
  if (e.pod.spec?.hostname) ep.hostname = e.pod.spec.hostname;
  return ep;
}

function isServing(e: PodEndpoint): boolean {
  return isPodReady(e.pod);
}

export function desiredSlices(svc: Service, pods: Pod[], maxEndpoints = 100): DesiredSlice[] {
  const hasPorts = (svc.spec?.ports ?? []).length > 0;
  const groups = new Map<string, PodEndpoint[]>();
  for (const e of podEndpoints(svc, pods, true)) {
    if (hasPorts && e.ports.length === 0) continue;
    if (e.ip.includes(':')) continue; // IPv4 slices only
    const k = portSetKey(e.ports);
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  const out: DesiredSlice[] = [];
  for (const [portKey, eps] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    eps.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
    const ports = eps[0].ports.map((p) => ({ ...p }));
    for (let i = 0; i < eps.length; i += maxEndpoints) out.push({ portKey, ports, endpoints: eps.slice(i, i + maxEndpoints).map(endpointOf) });
  }
  return out;
}

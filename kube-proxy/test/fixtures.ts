// Builders for Service / EndpointSlice objects used by the unit tests.
import type { core, discovery } from '@minik8s/shared';

export function service(ns: string, name: string, spec: Partial<core.ServiceSpec>): core.Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { type: 'ClusterIP', ...spec } };
}

export function slice(
  ns: string,
  svcName: string,
  ports: { name?: string; port: number; protocol?: string }[],
  endpoints: { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean; node?: string }[],
  suffix = 'abc',
): discovery.EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name: `${svcName}-${suffix}`, labels: { 'kubernetes.io/service-name': svcName } },
    addressType: 'IPv4',
    ports: ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      nodeName: e.node,
      conditions: { ready: e.ready ?? true, serving: e.serving, terminating: e.terminating },
    })),
  };
}

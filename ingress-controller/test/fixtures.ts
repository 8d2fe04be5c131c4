// API objects for the unit tests: short constructors for Ingresses, classes, Services, slices, Secrets.
import type { EndpointSlice, Ingress, IngressClass, KeyPair, ModelInput, Secret, Service } from '../src/model';

export const CONTROLLER = 'minik8s.io/ingress-nginx';

let clock = 0;
/** Creation timestamps increase with every object made, so "older" is "made first". */
const stamp = () => new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString().replace(/\.\d+Z$/, 'Z');

export type PathSpec = [path: string, type: 'Prefix' | 'Exact' | 'ImplementationSpecific', service: string, port: number | string];

export function rule(host: string | undefined, ...paths: PathSpec[]) {
  return {
    ...(host ? { host } : {}),
    http: {
      paths: paths.map(([path, pathType, name, port]) => ({ path, pathType, backend: { service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } } })),
    },
  };
}

export function ingress(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>, namespace = 'default'): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace, uid: `uid-${name}`, generation: 1, creationTimestamp: stamp(), ...(annotations ? { annotations } : {}) },
    spec: { ingressClassName: 'nginx', ...spec },
  } as Ingress;
}

export function ingressClass(name: string, controller = CONTROLLER): IngressClass {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name }, spec: { controller } };
}

export function service(name: string, ports: Array<{ name?: string; port: number }>, namespace = 'default', type = 'ClusterIP'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { type, ports: ports.map((p) => ({ ...p, protocol: 'TCP' })) } };
}

export function slice(svc: string, portName: string | undefined, port: number, ips: Array<string | [string, boolean]>, namespace = 'default', suffix = 'a'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-${suffix}`, namespace, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ ...(portName !== undefined ? { name: portName } : {}), port, protocol: 'TCP' }],
    endpoints: ips.map((x) => (typeof x === 'string' ? { addresses: [x], conditions: { ready: true } } : { addresses: [x[0]], conditions: { ready: x[1] } })),
  };
}

export function tlsSecret(name: string, data: Record<string, string> = { 'tls.crt': 'Y3J0', 'tls.key': 'a2V5' }, namespace = 'default'): Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: '1' }, type: 'kubernetes.io/tls', data };
}

/** A key-pair check that accepts every Secret whose name does not start with "bad". */
export function fakeKeyPair(s: Secret): KeyPair {
  return s.metadata.name!.startsWith('bad') ? { error: 'tls.key does not match the certificate in tls.crt' } : { pem: `PEM of ${s.metadata.name}\n` };
}

export function input(objs: { ingresses: Ingress[]; services?: Service[]; slices?: EndpointSlice[]; secrets?: Secret[]; classes?: IngressClass[] }, watchWithoutClass = false): ModelInput {
  return {
    ingresses: objs.ingresses,
    classes: objs.classes ?? [ingressClass('nginx')],
    services: objs.services ?? [],
    slices: objs.slices ?? [],
    secrets: objs.secrets ?? [],
    controller: CONTROLLER,
    watchWithoutClass,
    keyPair: fakeKeyPair,
  };
}

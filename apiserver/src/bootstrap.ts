// What exists from the start, as upstream's bootstrap controllers create it: the system namespaces and
// the `kubernetes` Service (first IP of the service range) with Endpoints/EndpointSlice pointing here.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { ApiError, R, type Logger } from '@minik8s/shared';
import type { Registry } from './registry/registry';

const RECONCILE_MS = 60_000;

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
  }
}

export async function bootstrapOnce(registry: Registry, advertiseAddress: string, port: number): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) await ensure(() => registry.create(R.namespaces, undefined, { metadata: { name } }));
  const ip = registry.services.ipRange.ip(registry.services.ipRange.first);
  await ensure(() =>
    registry.create(R.services, 'default', {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }], sessionAffinity: 'None' },
    }),
  );
  const subsets = [{ addresses: [{ ip: advertiseAddress }], ports: [{ name: 'https', port, protocol: 'TCP' }] }];
  await upsert(registry, R.endpoints, 'kubernetes', { metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets });
  await upsert(registry, R.endpointslices, 'kubernetes', {
    metadata: { name: 'kubernetes', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [advertiseAddress], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  });
}

async function upsert(registry: Registry, r: typeof R.endpoints, name: string, desired: any): Promise<void> {
  try {
    await registry.create(r, 'default', desired);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
    await registry.guaranteedUpdate(r, name, 'default', (cur) => ({ ...cur, ...desired, metadata: { ...cur.metadata, labels: desired.metadata.labels } }));
  }
}

/** Retry until etcd answers (the apiserver serves 503s meanwhile). */
export async function bootstrap(registry: Registry, advertiseAddress: string, port: number, log: Logger): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await bootstrapOnce(registry, advertiseAddress, port);
      log.info('bootstrap objects ensured (system namespaces, kubernetes service)');
      // keep reconciling them, as upstream's bootstrap controllers do
      setInterval(() => {
        bootstrapOnce(registry, advertiseAddress, port).catch((e) => log.debug({ err: e }, 'bootstrap reconcile failed'));
      }, RECONCILE_MS).unref();
      return;
    } catch (e) {
      if (attempt % 10 === 0) log.warn({ err: e }, 'bootstrap failed, retrying');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

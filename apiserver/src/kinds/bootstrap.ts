// What exists from the start, as upstream's bootstrap controllers create it: the system namespaces and
// the `kubernetes` Service (first IP of the service range) with Endpoints/EndpointSlice pointing here.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { ApiError, type Logger } from '@minik8s/shared';
import type { Registry } from '../registry/registry';
import type { ServedResource } from '../registry/kinds';
import { namespaces } from './core/namespace';
import { endpoints } from './core/endpoints';
import { endpointSlices } from './discovery/endpointslice';
import { SERVICES, type ServiceRanges } from './core/service';

const RECONCILE_MS = 60_000;

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
  }
}

export interface BootstrapConfig {
  services: ServiceRanges;
  advertiseAddress: string;
  port: number;
}

export async function bootstrapOnce(registry: Registry, { services, advertiseAddress, port }: BootstrapConfig, log?: Logger): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) await ensure(() => registry.create(registry.resource(namespaces), undefined, { metadata: { name } }));
  const ip = services.ipRange.ip(services.ipRange.first);
  await ensure(() =>
    registry.create(registry.resource(SERVICES), 'default', {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }], sessionAffinity: 'None' },
    }),
  );
  const subsets = [{ addresses: [{ ip: advertiseAddress }], ports: [{ name: 'https', port, protocol: 'TCP' }] }];
  try {
    await upsert(registry, registry.resource(endpoints), 'kubernetes', { metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets });
    await upsert(registry, registry.resource(endpointSlices), 'kubernetes', {
      metadata: { name: 'kubernetes', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [advertiseAddress], conditions: { ready: true } }],
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    });
  } catch (e) {
    // as upstream's endpoint reconciler: an address endpoints may not hold (loopback) is logged, not fatal
    if (!(e instanceof ApiError && e.code === 422)) throw e;
    log?.error({ err: e.message }, 'unable to reconcile the kubernetes endpoints: set --advertise-address');
  }
}

async function upsert(registry: Registry, r: ServedResource, name: string, desired: any): Promise<void> {
  try {
    await registry.create(r, 'default', desired);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
    await registry.guaranteedUpdate(r, name, 'default', (cur) => ({ ...cur, ...desired, metadata: { ...cur.metadata, labels: desired.metadata.labels } }));
  }
}

/** Retry until etcd answers (the apiserver serves 503s meanwhile). */
export async function bootstrap(registry: Registry, cfg: BootstrapConfig, log: Logger): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await bootstrapOnce(registry, cfg, log);
      log.info('bootstrap objects ensured (system namespaces, kubernetes service)');
      // keep reconciling them, as upstream's bootstrap controllers do
      setInterval(() => {
        bootstrapOnce(registry, cfg, log).catch((e) => log.debug({ err: e }, 'bootstrap reconcile failed'));
      }, RECONCILE_MS).unref();
      return;
    } catch (e) {
      if (attempt % 10 === 0) log.warn({ err: e }, 'bootstrap failed, retrying');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

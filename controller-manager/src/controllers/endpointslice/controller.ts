// EndpointSlice controller: discovery.k8s.io/v1 slices for each selector Service, owned by the
// Service, labelled with its name and this controller as manager.
import { isNotFound, R, splitKey, type Informer, type ResourceClient } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { newControllerRef } from '../../util/owners';
import { semanticEqual } from '../../util/semantic';
import type { EndpointSlice, Pod, Service } from '../../util/types';
import { portSetKey } from '../endpoints/build';
import { managesEndpoints, podHandlers, podsForService } from '../endpoints/services';
import { desiredSlices, MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './build';

export class EndpointSliceController extends Controller {
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly client: ResourceClient<EndpointSlice>;

  constructor(ctx: ControllerContext, workers: number) {
    super('endpointslice', ctx, workers);
    this.services = ctx.factory.informer<Service>(R.services);
    this.pods = ctx.factory.informer<Pod>(R.pods);
    this.slices = ctx.factory.informer<EndpointSlice>(R.endpointslices, { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` });
    this.slices.addIndexer('service', (s) => [`${s.metadata.namespace}/${s.metadata.labels?.[SERVICE_NAME_LABEL] ?? ''}`]);
    this.client = ctx.client.resource<EndpointSlice>(R.endpointslices);
    this.services.addEventHandler({
      onAdd: (s) => this.enqueue(s),
      onUpdate: (_o, s) => this.enqueue(s),
      onDelete: (s) => this.enqueue(s),
    });
    this.pods.addEventHandler(podHandlers(this.services, (s) => this.enqueue(s)));
    this.slices.addEventHandler({
      onUpdate: (_o, s) => this.enqueue(`${s.metadata.namespace}/${s.metadata.labels?.[SERVICE_NAME_LABEL]}`),
      onDelete: (s) => this.enqueue(`${s.metadata.namespace}/${s.metadata.labels?.[SERVICE_NAME_LABEL]}`),
    });
  }

  /** Slices we created that the informer has not shown yet (upstream's EndpointSliceTracker). */
  private readonly inFlight = new Map<string, { names: Set<string>; at: number }>();

  protected async reconcile(key: string): Promise<void> {
    const { namespace } = splitKey(key);
    const pending = this.inFlight.get(key);
    if (pending) {
      for (const n of [...pending.names]) if (this.slices.store.get(`${namespace}/${n}`)) pending.names.delete(n);
      if (pending.names.size > 0 && Date.now() - pending.at < 10_000) return this.enqueueAfter(key, 200);
      this.inFlight.delete(key);
    }
    const svc = this.services.store.get(key);
    const existing = this.slices.store.byIndex('service', key).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    const managed = !!svc && managesEndpoints(svc);
    const want = managed ? desiredSlices(svc, podsForService(this.pods, svc)) : [];
    // A Service with a selector keeps one (possibly empty) slice, as upstream.
    if (managed && want.length === 0) want.push({ portKey: '', ports: [], endpoints: [] });
    const unused = [...existing];
    const created = new Set<string>();
    for (const d of want) {
      let i = unused.findIndex((s) => portSetKey(this.portsOf(s)) === d.portKey);
      if (i < 0 && d.endpoints.length === 0) i = unused.length > 0 ? 0 : -1;
      if (i >= 0) {
        const cur = unused.splice(i, 1)[0];
        if (semanticEqual(cur.endpoints, d.endpoints) && semanticEqual(cur.ports, d.ports)) continue;
        await this.client.update({ ...cur, endpoints: d.endpoints, ports: d.ports });
      } else {
        const s = await this.client.create(this.newSlice(svc!, d.endpoints, d.ports), { namespace });
        created.add(s.metadata.name!);
      }
    }
    if (created.size) this.inFlight.set(key, { names: created, at: Date.now() });
    for (const s of unused) {
      await this.client.delete(s.metadata.name!, { namespace }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
    }
  }

  private portsOf(s: EndpointSlice) {
    return (s.ports ?? []).map((p) => ({
      name: p.name ?? undefined,
      port: p.port!,
      protocol: p.protocol ?? 'TCP',
      appProtocol: p.appProtocol,
    }));
  }

  private newSlice(svc: Service, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports']): EndpointSlice {
    const s: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        generateName: `${svc.metadata.name}-`,
        namespace: svc.metadata.namespace,
        labels: { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: svc.metadata.name!, [MANAGED_BY_LABEL]: MANAGED_BY },
        ownerReferences: [newControllerRef(svc, 'v1', 'Service')],
      },
      addressType: 'IPv4',
      endpoints,
    };
    if (ports?.length) s.ports = ports;
    return s;
  }
}

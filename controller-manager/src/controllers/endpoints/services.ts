// Which Services select a pod: shared by the Endpoints and EndpointSlice controllers.
import { labelSelectorFromSet, matchesLabels, type Informer } from '@minik8s/shared';
import type { Pod, Service } from '../../util/types';

/** True for Services whose endpoints a controller maintains: a selector, not ExternalName, not default/kubernetes. */
export function managesEndpoints(svc: Service): boolean {
  if (svc.metadata.namespace === 'default' && svc.metadata.name === 'kubernetes') return false;
  if (svc.spec?.type === 'ExternalName') return false;
  return !!svc.spec?.selector && Object.keys(svc.spec.selector).length > 0;
}

export function selectsPod(svc: Service, pod: Pod): boolean {
  return managesEndpoints(svc) && matchesLabels(labelSelectorFromSet(svc.spec!.selector!), pod.metadata.labels);
}

export function servicesForPod(services: Informer<Service>, pod: Pod): Service[] {
  return services.store.byIndex('namespace', pod.metadata.namespace ?? '').filter((s) => selectsPod(s, pod));
}

export function podsForService(pods: Informer<Pod>, svc: Service): Pod[] {
  return pods.store.byIndex('namespace', svc.metadata.namespace ?? '').filter((p) => selectsPod(svc, p));
}

/** Handlers that enqueue every Service selecting a pod before or after a change. */
export function podHandlers(services: Informer<Service>, enqueue: (s: Service) => void) {
  return {
    onAdd: (p: Pod) => servicesForPod(services, p).forEach(enqueue),
    onUpdate: (old: Pod, cur: Pod) => {
      if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
      const seen = new Set<string>();
      for (const s of [...servicesForPod(services, old), ...servicesForPod(services, cur)]) {
        if (seen.has(s.metadata.name!)) continue;
        seen.add(s.metadata.name!);
        enqueue(s);
      }
    },
    onDelete: (p: Pod) => servicesForPod(services, p).forEach(enqueue),
  };
}

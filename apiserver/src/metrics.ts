// Prometheus metrics with upstream names (prom-client through @minik8s/shared).
import { newRegistry, newCounter, newGauge, newHistogram, type Registry } from '@minik8s/shared';

export interface ApiMetrics {
  registry: Registry;
  requests: ReturnType<typeof newCounter<'verb' | 'resource' | 'subresource' | 'code'>>;
  latency: ReturnType<typeof newHistogram<'verb' | 'resource'>>;
  watchers: ReturnType<typeof newGauge<'resource'>>;
  etcdLatency: ReturnType<typeof newHistogram<'operation'>>;
  /** Requests refused with 429 by the in-flight limits, by class. */
  rejected: ReturnType<typeof newCounter<'class'>>;
  /** Report the in-flight counts from `read` at every scrape. */
  inflight(read: () => Readonly<Record<'readonly' | 'mutating' | 'longRunning', number>>): void;
}

export function createMetrics(): ApiMetrics {
  const registry = newRegistry('apiserver');
  return {
    registry,
    requests: newCounter(registry, 'apiserver_request_total', 'Counter of apiserver requests broken out by verb, resource and HTTP response code.', ['verb', 'resource', 'subresource', 'code']),
    latency: newHistogram(registry, 'apiserver_request_duration_seconds', 'Response latency distribution in seconds for each verb and resource.', ['verb', 'resource'], [
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ]),
    watchers: newGauge(registry, 'apiserver_registered_watchers', 'Number of currently registered watchers for a given resource.', ['resource']),
    etcdLatency: newHistogram(registry, 'etcd_request_duration_seconds', 'Etcd request latency in seconds for each operation.', ['operation'], [
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
    ]),
    rejected: newCounter(registry, 'apiserver_dropped_requests_total', 'Number of requests dropped with a \'Try again later\' response, by request class.', ['class']),
    inflight(read) {
      const gauge = newGauge(registry, 'apiserver_current_inflight_requests', 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.', ['request_kind']);
      const kinds = { readonly: 'readOnly', mutating: 'mutating', longRunning: 'longRunning' } as const;
      // refreshed on scrape: the counters live in the limiter
      (gauge as unknown as { collect?: () => void }).collect = () => {
        for (const [k, v] of Object.entries(read())) gauge.set({ request_kind: kinds[k as keyof typeof kinds] }, v);
      };
    },
  };
}

// Prometheus metrics with upstream names (prom-client through @minik8s/shared).
import { newRegistry, newCounter, newGauge, newHistogram, type Registry } from '@minik8s/shared';

export interface ApiMetrics {
  registry: Registry;
  requests: ReturnType<typeof newCounter<'verb' | 'resource' | 'subresource' | 'code'>>;
  latency: ReturnType<typeof newHistogram<'verb' | 'resource'>>;
  watchers: ReturnType<typeof newGauge<'resource'>>;
  etcdLatency: ReturnType<typeof newHistogram<'operation'>>;
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
  };
}

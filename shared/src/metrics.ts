// Prometheus metrics on prom-client, and a tiny HTTP server with /healthz, /livez, /readyz and /metrics
// for components that have no HTTP server of their own (scheduler, controller-manager, kube-proxy).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/**
 * A registry with the process/Node.js default metrics. Metrics get no component label (upstream names are
 * kept as they are); `component` is only used to name the registry in its error messages.
 */
export function newRegistry(component: string): Registry {
  const registry = new Registry();
  registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
  registryNames.set(registry, component);
  collectDefaultMetrics({ register: registry });
  return registry;
}

const registryNames = new WeakMap<Registry, string>();

export function newCounter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function newGauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

/** Seconds-based histogram with upstream-like latency buckets (5ms .. 60s) unless given. */
export function newHistogram<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets: number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
): Histogram<L> {
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}

export interface HealthServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** /readyz answers 200 only when this returns true (default: always ready). */
  ready?: () => boolean | Promise<boolean>;
  /** /healthz and /livez answer 200 only when this returns true (default: always healthy). */
  healthy?: () => boolean | Promise<boolean>;
}

export interface HealthServer {
  server: Server;
  /** The bound port (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/** Serve /healthz, /livez, /readyz and /metrics; resolves once listening. */
export function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-cache, private' });
      res.end(body);
    };
    const check = async (fn: (() => boolean | Promise<boolean>) | undefined, name: string) => {
      let ok: boolean;
      try {
        ok = fn ? await fn() : true;
      } catch {
        ok = false;
      }
      reply(ok ? 200 : 500, ok ? 'ok' : `${name} check failed`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed');
    switch (path) {
      case '/healthz':
      case '/livez':
        return void check(opts.healthy, path.slice(1));
      case '/readyz':
        return void check(opts.ready, 'readyz');
      case '/metrics':
        opts.registry.metrics().then(
          (text) => reply(200, text, opts.registry.contentType),
          (e: unknown) => reply(500, `${registryNames.get(opts.registry) ?? 'component'} metrics: ${String(e)}`),
        );
        return;
      default:
        return reply(404, '404 page not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((ok) => {
            server.closeAllConnections();
            server.close(() => ok());
          }),
      });
    });
  });
}

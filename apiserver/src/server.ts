// The apiserver process: fastify app over HTTPS, authentication and authorization in front of every
// route (./auth), body parsing, Status errors, health/metrics/version endpoints, the etcd store with one
// watch cache per served kind, the kinds (kinds/index.ts) registered in a KindRegistry, discovery and
// OpenAPI, the pod proxy (logs, exec, attach) and metrics.k8s.io.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError, statusFor, type Logger, type Status } from '@minik8s/shared';
import { Store, StorageUnavailableError, CompactedError, StorageQuotaError, ObjectTooLargeError } from './storage/etcd';
import { startMaintenance } from './storage/maintenance';
import { InflightLimiter, registerInflightLimits } from './limits/inflight';
import { Registry, withKind } from './registry/registry';
import { KindRegistry, type ServedResource } from './registry/kinds';
import { registerApiRoutes } from './routes/api';
import { createMetrics, type ApiMetrics } from './metrics';
import { admissionChain, builtinKinds } from './kinds';
import { loadAdmissionConfig } from './admission-config';
import { bootstrap } from './kinds/bootstrap';
import { IpRange, parsePortRange, type ServiceRanges } from './kinds/core/service';
import type { ApiContext } from './context';
import { registerDiscoveryRoutes } from './discovery';
import { registerOpenApiRoutes } from './openapi';
import { registerPodProxy } from './podproxy';
import { registerProxyRoutes } from './proxy';
import { METRICS_RESOURCES, registerMetricsApi } from './metricsapi';
import { RbacPolicy, setupAuth, watchCacheSource, type ObjectGetter } from './auth';
import { NodeGraph } from './auth/node-graph';
import { populateNodeGraph } from './auth/node-graph-populator';
import type { Flags } from './flags';
import { KubeletClient } from './kubeletclient';
import { CrdController } from './kinds/apiextensions/controller';
import { RbacBootstrap } from './kinds/rbac/bootstrap';
import type { BindingSpec } from './auth/rbac/bootstrap-policy';

export interface ServerConfig extends Omit<Flags, 'advertiseAddress'> {
  advertiseAddress: string;
  bookmarkIntervalMs: number;
  logger: Logger;
}

export const BODY_LIMIT = 3 * 1024 * 1024;
const DRAIN_LIMIT = 64 * 1024 * 1024;

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-minik8s',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'node',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

function toStatus(err: any): Status {
  if (err instanceof ApiError) return err.status;
  if (err instanceof StorageUnavailableError) return statusFor.unavailable(`storage is unavailable: ${err.message}`);
  if (err instanceof StorageQuotaError) return statusFor.internal(err.message);
  if (err instanceof ObjectTooLargeError) return statusFor.tooLarge(err.limit);
  if (err instanceof CompactedError) return statusFor.gone(err.message);
  const code = err?.statusCode;
  if (code === 413 || err?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return statusFor.tooLarge(BODY_LIMIT);
  if (code === 415 || err?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return statusFor.unsupportedMediaType(String(err?.message ?? ''));
  if (typeof code === 'number' && code >= 400 && code < 500) return { ...statusFor.badRequest(String(err.message ?? 'bad request')), code };
  return statusFor.internal(String(err?.message ?? err));
}

export function sendStatus(reply: FastifyReply, status: Status): FastifyReply {
  return reply.code(status.code).type('application/json').send(JSON.stringify(status));
}

export interface ApiServer {
  app: FastifyInstance;
  registry: Registry;
  /** The served kinds: register or unregister one at run time. */
  kinds: KindRegistry;
  store: Store;
  metrics: ApiMetrics;
  url: string;
  close(): Promise<void>;
}

const file = (p: string | undefined) => (p ? readFileSync(p) : undefined);

export async function startServer(cfg: ServerConfig): Promise<ApiServer> {
  const metrics = createMetrics();
  let registry: Registry | undefined;
  const store = new Store({
    endpoints: cfg.etcdServers,
    tls: cfg.etcdCafile ? { ca: file(cfg.etcdCafile), cert: file(cfg.etcdCertfile), key: file(cfg.etcdKeyfile) } : undefined,
    timeoutMs: cfg.etcdTimeoutMs,
    observe: (op, s) => metrics.etcdLatency.observe({ operation: op }, s),
    onCommit: (key, rev, obj) => registry?.committed(key, rev, obj),
    onStrayWatchResponse: (s) =>
      cfg.logger.warn(
        s,
        s.action === 'reset'
          ? 'etcd answered for an unknown watch: watch stream reset'
          : 'etcd acknowledged the cancel of a watch it had canceled: dropped',
      ),
  });
  let server: Omit<ApiServer, 'url'>;
  try {
    server = await buildServer(cfg, store, metrics);
  } catch (e) {
    store.close();
    throw e;
  }
  registry = server.registry;
  try {
    await server.app.listen({ host: cfg.bindAddress, port: cfg.securePort });
  } catch (e) {
    await server.close();
    throw e;
  }
  const url = `https://${cfg.bindAddress.includes(':') ? `[${cfg.bindAddress}]` : cfg.bindAddress}:${cfg.securePort}`;
  cfg.logger.info({ url, etcd: cfg.etcdServers, prefix: cfg.etcdPrefix }, 'apiserver listening');
  return { ...server, url };
}

/**
 * The apiserver's identity towards kubelets (its --kubelet-client-certificate's CN) may use their whole API
 * (upstream's system:kubelet-api-admin; kubeadm binds it the same way at init).
 */
function kubeletClientBinding(certFile: string | undefined): BindingSpec[] {
  if (!certFile) return [];
  const user = /(?:^|\n)CN=([^\n]+)/.exec(new X509Certificate(readFileSync(certFile)).subject)?.[1];
  return user ? [['minik8s:apiserver-kubelet-client', [['User', user]], 'system:kubelet-api-admin']] : [];
}

/**
 * The app on `store` (its serving certificate and authentication set up from the flags), its watch caches
 * and bootstrap started, not listening yet.
 */
export async function buildServer(
  cfg: Omit<ServerConfig, 'etcdServers' | 'etcdTimeoutMs'>,
  store: Store,
  metrics = createMetrics(),
): Promise<Omit<ApiServer, 'url'>> {
  const log = cfg.logger;
  const services: ServiceRanges = { ipRange: new IpRange(cfg.serviceClusterIpRange), portRange: parsePortRange(cfg.serviceNodePortRange) };
  // The token authenticators read ServiceAccounts, pods and Secrets through the registry built below.
  const get: ObjectGetter = (kind, name, namespace) => registry.get(registry.resource(kind), name, namespace);
  const serviceIP = services.ipRange.ip(services.ipRange.first);
  // The Node authorizer's graph, fed from the watch caches once they run (below).
  const nodeGraph = new NodeGraph();
  // The RBAC authorizer's roles and bindings: the watch caches of the registry built below.
  const rbac: RbacPolicy = new RbacPolicy(watchCacheSource((): Registry => registry));
  const authn = await setupAuth(cfg, {
    sans: {
      dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
      ips: [...new Set(['127.0.0.1', cfg.advertiseAddress, serviceIP])],
    },
    get,
    log,
    authorizerDeps: { nodeGraph, rbac },
  });
  const kinds = new KindRegistry(
    builtinKinds({
      store,
      root: cfg.etcdPrefix,
      services,
      eventTTLSeconds: cfg.eventTTLSeconds,
      auth: { tokens: authn.tokens, reviewer: authn.auth, authorizer: authn.authorizer },
    }),
  );
  const registry = new Registry(store, cfg.etcdPrefix, kinds, {
    watchCacheSize: cfg.watchCacheSize,
    log: (msg, err) => log.warn({ err }, msg),
    admission: admissionChain(loadAdmissionConfig(cfg.admissionControlConfigFile).podSecurity, {
      authorizer: authn.authorizer,
      policy: rbac,
    }),
  });
  const kubelet = new KubeletClient({
    cert: file(cfg.kubeletClientCertificate),
    key: file(cfg.kubeletClientKey),
    ca: file(cfg.kubeletCertificateAuthority),
    preferredAddressTypes: cfg.kubeletPreferredAddressTypes,
  });
  const app = Fastify({
    loggerInstance: log as any,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: DRAIN_LIMIT,
    https: authn.tls,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  } as any) as unknown as FastifyInstance;
  // Every request is authenticated and authorized before its route runs (and before its body is read).
  app.addHook('onRequest', authn.auth.hook);

  // Bodies are decoded by the handlers (JSON, YAML, protobuf) so that errors become Status objects.
  app.removeAllContentTypeParsers();
  // Oversized bodies are drained (up to DRAIN_LIMIT) before the 413 so that clients read the Status
  // instead of failing with EPIPE on a socket closed under them.
  app.addContentTypeParser('*', (_req, payload, done) => {
    const chunks: Buffer[] = [];
    let size = 0;
    payload.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= BODY_LIMIT) chunks.push(c);
      else if (size > DRAIN_LIMIT) payload.destroy();
    });
    payload.on('error', (e) => done(e, undefined));
    payload.on('end', () => {
      if (size > BODY_LIMIT) done(new ApiError(statusFor.tooLarge(BODY_LIMIT)), undefined);
      else done(null, Buffer.concat(chunks));
    });
  });

  app.setErrorHandler((err, req, reply) => {
    const status = toStatus(err);
    if (status.code >= 500 && status.code !== 503) req.log.error({ err }, 'request failed');
    if (reply.raw.headersSent) return;
    return sendStatus(reply, status);
  });
  app.setNotFoundHandler((_req, reply) => sendStatus(reply, statusFor.notFoundPath()));

  const limiter = new InflightLimiter({
    maxReadonly: cfg.maxRequestsInflight ?? 400,
    maxMutating: cfg.maxMutatingRequestsInflight ?? 200,
    maxLongRunning: cfg.maxLongRunningRequests ?? 10_000,
    maxWatchesPerClient: cfg.maxWatchesPerClient ?? 1000,
    maxStreamsPerClient: cfg.maxStreamsPerClient ?? 100,
  });
  registerInflightLimits(app, limiter, sendStatus, (cls) => metrics.rejected.inc({ class: cls }));
  metrics.inflight(() => limiter.inflight());

  // Request metrics and one pino line per request (reads at debug, writes and errors at info).
  app.addHook('onResponse', (req, reply, done) => {
    const info = (req as any).apiInfo as { verb: string; resource: string; subresource: string } | undefined;
    const verb = info?.verb ?? req.method.toLowerCase();
    const resource = info?.resource ?? '';
    const code = reply.statusCode;
    metrics.requests.inc({ verb: verb.toUpperCase(), resource, subresource: info?.subresource ?? '', code: String(code) });
    const secs = reply.elapsedTime / 1000;
    metrics.latency.observe({ verb: verb.toUpperCase(), resource }, secs);
    const read = code < 400 && (verb === 'get' || verb === 'list');
    if (!read || (req.log as Logger).isLevelEnabled('debug')) {
      const line = { method: req.method, url: req.url, code, ms: Math.round(reply.elapsedTime * 100) / 100, ua: req.headers['user-agent'] };
      if (read) req.log.debug(line, 'request');
      else req.log.info(line, 'request');
    }
    done();
  });

  // Health: etcd reachability, probed at most once a second while it answers, and every 100 ms while
  // it does not (a start-up's failed first probe must not hold /readyz at 500 for a second after).
  let lastProbe = 0;
  let etcdOk = false;
  const etcdHealthy = async (): Promise<boolean> => {
    if (Date.now() - lastProbe < (etcdOk ? 1000 : 100)) return etcdOk;
    lastProbe = Date.now();
    try {
      await store.currentRevision();
      etcdOk = true;
    } catch {
      etcdOk = false;
    }
    return etcdOk;
  };
  // The CustomResourceDefinitions stored are served (their kinds registered) before the apiserver is ready.
  const crds = new CrdController(registry, log.child({ controller: 'crd' }));
  // The bootstrap roles and bindings are reconciled before the apiserver is ready (upstream's rbac/bootstrap-roles hook).
  const rbacBootstrap = new RbacBootstrap(
    registry,
    log.child({ component: 'rbac-bootstrap' }),
    kubeletClientBinding(cfg.kubeletClientCertificate),
  );
  const health =
    (checkEtcd: boolean, checkHooks = false) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const etcd = !checkEtcd || (await etcdHealthy());
      const synced = !checkHooks || crds.isSynced;
      const roles = !checkHooks || rbacBootstrap.done;
      const ok = etcd && synced && roles;
      const verbose = 'verbose' in ((req.query as object) ?? {});
      const lines = [`[+]ping ok`, `[${etcd ? '+' : '-'}]etcd ${etcd ? 'ok' : 'failed: etcd unreachable'}`];
      if (checkHooks) {
        lines.push(`[${synced ? '+' : '-'}]poststarthook/crd-informer-synced ${synced ? 'ok' : 'failed: not finished'}`);
        lines.push(`[${roles ? '+' : '-'}]poststarthook/rbac/bootstrap-roles ${roles ? 'ok' : 'failed: not finished'}`);
      }
      const body = verbose
        ? `${lines.join('\n')}\n${ok ? 'healthz check passed' : 'healthz check failed'}\n`
        : ok
          ? 'ok'
          : !etcd
            ? 'etcd unreachable'
            : !synced
              ? 'custom resource definitions not synced'
              : 'bootstrap roles not reconciled';
      return reply
        .code(ok ? 200 : 500)
        .type('text/plain; charset=utf-8')
        .send(body);
    };
  app.get('/healthz', health(true));
  app.get('/readyz', health(true, true));
  app.get('/livez', health(false));
  app.get('/version', async (_req, reply) => reply.type('application/json').send(JSON.stringify(VERSION_INFO)));
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  const ctx: ApiContext = {
    kinds,
    logger: app.log,
    resource: (s) => registry.resource(s),
    get: async (r, name, namespace) => withKind(r, await registry.get(r, name, namespace)),
    list: (r, opts = {}) => registry.list(r, opts),
    sendStatus,
    kubelet,
    authorizeUpgrade: async (req) => void (await authn.auth.checkUpgrade(req)),
    admitStream: (client) => limiter.acquire('stream', client),
  };
  registerDiscoveryRoutes(app, ctx, METRICS_RESOURCES);
  registerOpenApiRoutes(app, ctx);
  registerPodProxy(app, ctx);
  registerProxyRoutes(app, ctx);
  registerMetricsApi(app, ctx);

  const activeWatches = new Set<() => void>();
  registerApiRoutes(app, {
    registry,
    watch: {
      store,
      active: activeWatches,
      bookmarkIntervalMs: cfg.bookmarkIntervalMs,
      onOpen: (r: ServedResource) => {
        // hijacked streams skip onResponse: count the watch request here
        metrics.requests.inc({ verb: 'WATCH', resource: r.resource, subresource: '', code: '200' });
        metrics.watchers.inc({ resource: r.resource });
      },
      onClose: (r: ServedResource) => metrics.watchers.dec({ resource: r.resource }),
    },
  });

  // One watch cache per kind, now and for kinds registered later (they retry while etcd is down), and
  // the bootstrap objects, in the background.
  const stopCaches = registry.startCaches();
  const stopNodeGraph = populateNodeGraph(registry, nodeGraph, (msg) => log.warn(msg));
  crds.start();
  void rbacBootstrap.run();
  void bootstrap(registry, { services, advertiseAddress: cfg.advertiseAddress, port: cfg.securePort }, log);

  const stopMaintenance = startMaintenance(
    store,
    { compactionIntervalMs: cfg.etcdCompactionIntervalMs, defragIntervalMs: cfg.etcdDefragIntervalMs ?? 3_600_000 },
    log,
  );

  return {
    app,
    registry,
    kinds,
    store,
    metrics,
    close: async () => {
      stopMaintenance();
      crds.stop();
      rbacBootstrap.stop();
      stopCaches();
      stopNodeGraph();
      for (const finish of [...activeWatches]) finish();
      await Promise.all([...registry.caches.values()].map((c) => c.stop()));
      await app.close();
      store.close();
    },
  };
}

// metrics.k8s.io/v1beta1 built into the apiserver (upstream serves it from metrics-server through API
// aggregation): NodeMetrics and PodMetrics, get and list, from the kubelets' /stats/summary. What
// `kubectl top` and the HPA controller read; Tables for `kubectl get`. Discovery lists METRICS_RESOURCES
// (apiserver/src/discovery).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, failure, statusFor, type KubeObject, type ResourceType, type Status } from '@minik8s/shared';
import type { ApiContext } from '../context';
import { parseIncludeObject, tableVersionRequested } from '../tables';
import { pods as podKind } from '../kinds/core/pod';
import { nodes as nodeKind } from '../kinds/core/node';
import { METRICS_GROUP, METRICS_VERSION, metricsList, metricsTable, nodeMetrics, podMetrics } from './convert';
import { Scraper, type ScraperOptions } from './scraper';

const entry = (kind: string, resource: string, namespaced: boolean): ResourceType => ({
  group: METRICS_GROUP,
  version: METRICS_VERSION,
  kind,
  listKind: `${kind}List`,
  resource,
  singular: '',
  namespaced,
  shortNames: [],
  categories: [],
  subresources: [],
  verbs: ['get', 'list'],
});

/** What discovery advertises for metrics.k8s.io/v1beta1, as metrics-server does. */
export const METRICS_RESOURCES: readonly ResourceType[] = [entry('NodeMetrics', 'nodes', false), entry('PodMetrics', 'pods', true)];

// Errors name the resources as metrics-server registers them.
const NODE_METRICS = { group: METRICS_GROUP, resource: 'nodemetrics' };
const POD_METRICS = { group: METRICS_GROUP, resource: 'podmetrics' };

type Query = Record<string, string | undefined>;

function toStatus(e: unknown): Status {
  if (e instanceof ApiError) return e.status;
  return statusFor.internal((e as Error)?.message ?? String(e));
}

const isRunning = (p: KubeObject) => (p as { status?: { phase?: string } }).status?.phase === 'Running';

export function registerMetricsApi(app: FastifyInstance, ctx: ApiContext, opts: ScraperOptions = {}): void {
  const scraper = new Scraper(ctx, opts);
  const base = `/apis/${METRICS_GROUP}/${METRICS_VERSION}`;

  type MetricsObject = Parameters<typeof metricsTable>[0][number];
  const route = (path: string, what: typeof NODE_METRICS, fn: (params: Record<string, string>, q: Query) => Promise<unknown>) =>
    app.get(path, async (req: FastifyRequest, reply: FastifyReply) => {
      const q = (req.query ?? {}) as Query;
      try {
        if (q.watch === '1' || q.watch === 'true') {
          throw new ApiError(failure(405, 'MethodNotAllowed', `watch is not supported on resources of kind "${what.resource}.${what.group}"`));
        }
        let body = await fn(req.params as Record<string, string>, q);
        const table = tableVersionRequested(req.headers.accept);
        if (table) body = metricsTable((body as { items?: MetricsObject[] }).items ?? [body as MetricsObject], table, parseIncludeObject(q.includeObject));
        return reply.code(200).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(body)));
      } catch (e) {
        return ctx.sendStatus(reply, toStatus(e));
      }
    });

  const listNodes = async (q: Query) => {
    const [nodes, snap] = await Promise.all([ctx.list(ctx.resource(nodeKind), { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector }), scraper.current()]);
    const now = Date.now();
    const items = nodes.items
      .filter((n) => snap.nodes.has(n.metadata.name!))
      .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!))
      .map((n) => nodeMetrics(n.metadata, snap.nodes.get(n.metadata.name!)!, now));
    return metricsList('NodeMetricsList', items);
  };

  const listPods = async (namespace: string | undefined, q: Query) => {
    const [pods, snap] = await Promise.all([ctx.list(ctx.resource(podKind), { namespace, labelSelector: q.labelSelector, fieldSelector: q.fieldSelector }), scraper.current()]);
    const now = Date.now();
    const items = pods.items
      .filter(isRunning)
      .map((p) => ({ p, u: snap.pods.get(`${p.metadata.namespace}/${p.metadata.name}`) }))
      .filter(({ p, u }) => u && (!u.uid || u.uid === p.metadata.uid))
      .sort((a, b) => a.p.metadata.namespace!.localeCompare(b.p.metadata.namespace!) || a.p.metadata.name!.localeCompare(b.p.metadata.name!))
      .map(({ p, u }) => podMetrics(p.metadata, u!, now));
    return metricsList('PodMetricsList', items);
  };

  route(`${base}/nodes`, NODE_METRICS, (_p, q) => listNodes(q));
  route(`${base}/nodes/:name`, NODE_METRICS, async ({ name }) => {
    // A missing node: `node "NAME" not found`, as metrics-server's typed node lister answers.
    const node = await ctx.get(ctx.resource(nodeKind), name).catch((e) => {
      throw e instanceof ApiError && e.code === 404 ? new ApiError(statusFor.notFound({ group: '', resource: 'node' }, name)) : e;
    });
    const u = (await scraper.current()).nodes.get(name);
    if (!u) throw new ApiError(statusFor.notFound(NODE_METRICS, name));
    return nodeMetrics(node.metadata, u, Date.now());
  });
  route(`${base}/pods`, POD_METRICS, (_p, q) => listPods(undefined, q));
  route(`${base}/namespaces/:namespace/pods`, POD_METRICS, ({ namespace }, q) => listPods(namespace, q));
  route(`${base}/namespaces/:namespace/pods/:name`, POD_METRICS, async ({ namespace, name }) => {
    // A missing pod: the registry's `pods "NAME" not found`, as metrics-server's metadata lister answers.
    const pod = await ctx.get(ctx.resource(podKind), name, namespace);
    const u = (await scraper.current()).pods.get(`${namespace}/${name}`);
    if (!u || !isRunning(pod) || (u.uid && u.uid !== pod.metadata.uid)) throw new ApiError(statusFor.notFound(POD_METRICS, `${namespace}/${name}`));
    return podMetrics(pod.metadata, u, Date.now());
  });
}

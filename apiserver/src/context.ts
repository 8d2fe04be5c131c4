// The context the apiserver hands to its route modules (discovery, OpenAPI, the pod proxy,
// metrics.k8s.io). They read objects through it; they never touch etcd directly. Their routes are
// registered as ordinary fastify routes (static/param paths), which take precedence over the apiserver's
// own /api/* and /apis/* catch-all routes.
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { KubeList, KubeObject, Status } from '@minik8s/shared';
import type { KindRegistry, ServedResource } from './registry/kinds';
import type { ResourceStrategy } from './registry/strategy';

export interface ListOptions {
  namespace?: string;
  /** Label selector string, as in ?labelSelector= */
  labelSelector?: string;
  /** Field selector string, as in ?fieldSelector= */
  fieldSelector?: string;
}

export interface ApiContext {
  /** The kinds this apiserver serves, as registered at the time of the call. */
  kinds: KindRegistry;
  logger: FastifyBaseLogger;
  /** A kind module's strategy as served here (at its storage version); 404 when it is not served. */
  resource(s: Pick<ResourceStrategy, 'group' | 'resource'>): ServedResource;
  /** The stored object; throws ApiError (NotFound, ServiceUnavailable, ...) from @minik8s/shared. */
  get(r: ServedResource, name: string, namespace?: string): Promise<KubeObject>;
  /** A list with metadata.resourceVersion; items carry kind/apiVersion. Throws ApiError. */
  list(r: ServedResource, opts?: ListOptions): Promise<KubeList>;
  /** Answer with a Status object (sets the HTTP code from status.code). */
  sendStatus(reply: FastifyReply, status: Status): FastifyReply;
  /** A stream slot for an upgraded request of `client` (exec, attach, port-forward): its release, or the 429 to answer. */
  admitStream(client: string): { release: () => void } | { refuse: Status };
}

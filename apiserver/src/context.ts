// The context the apiserver hands to its route modules
// (apiserver/src/kubectl: discovery, openapi, tables, protobuf; apiserver/src/podproxy: logs/exec/attach).
// They read objects through it; they never touch etcd directly. Their routes are registered as
// ordinary fastify routes (static/param paths), which take precedence over the apiserver's own
// /api/* and /apis/* catch-all routes.
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KubeList, KubeObject, ResourceType, Status } from '@minik8s/shared';
import type { KubeletClient } from './kubeletclient';

export interface ListOptions {
  namespace?: string;
  /** Label selector string, as in ?labelSelector= */
  labelSelector?: string;
  /** Field selector string, as in ?fieldSelector= */
  fieldSelector?: string;
}

export interface ApiContext {
  /** Every resource type this apiserver serves (shared/src/api/resources.ts). */
  resources: readonly ResourceType[];
  logger: FastifyBaseLogger;
  /** The stored object; throws ApiError (NotFound, ServiceUnavailable, ...) from @minik8s/shared. */
  get(r: ResourceType, name: string, namespace?: string): Promise<KubeObject>;
  /** A list with metadata.resourceVersion; items carry kind/apiVersion. Throws ApiError. */
  list(r: ResourceType, opts?: ListOptions): Promise<KubeList>;
  /** Answer with a Status object (sets the HTTP code from status.code). */
  sendStatus(reply: FastifyReply, status: Status): FastifyReply;
  /** How to reach a node's kubelet (address, TLS with the apiserver's client certificate). */
  kubelet: KubeletClient;
  /** Authenticate and authorize a raw upgrade request (fastify's hooks do not see them); throws ApiError. */
  authorizeUpgrade(req: IncomingMessage): Promise<void>;
}

/** What apiserver/src/kubectl/index.ts exports. */
export interface KubectlModule {
  /** Discovery (/api, /api/v1, /apis, /apis/<g>/<v>, aggregated), /openapi/v2, /openapi/v3[/...]. */
  registerKubectlRoutes(app: FastifyInstance, ctx: ApiContext): void | Promise<void>;
  /**
   * For `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`: the Table to send instead of
   * `objOrList` (an object, a list, or a single watch-event object); undefined when no Table was asked for.
   */
  maybeTable(req: FastifyRequest, r: ResourceType, objOrList: KubeObject | KubeList): unknown | undefined;
  /** Decode an `application/vnd.kubernetes.protobuf` request body into a JSON object (throws on bad input). */
  decodeProtobufBody(buf: Buffer, r: ResourceType): KubeObject;
}

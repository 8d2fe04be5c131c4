// The REST client every component uses: Node's http/https with a keep-alive agent, JSON in and out,
// non-2xx answers thrown as ApiError carrying the Status, socket failures as kubectl-worded ConnectionErrors.
// Credentials (client certificate, token, token file, exec plugin) come from a CredentialSource.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { ResourceType } from '../api/resources';
import type { KubeObject } from '../api/types';
import { ApiError } from '../api/status';
import { CredentialSource, type Credentials } from './credentials';
import { apiErrorFromBody, connectionError } from './errors';
import { loadKubeconfig, normalizeServer, type ClientConfig, type KubeconfigOptions } from './kubeconfig';
import { ResourceClient } from './resource-client';
import { warningsOf } from './warnings';

/** Where and how to reach the apiserver (a kubeconfig's ClientConfig; its namespace is ignored). */
export interface ApiClientOptions extends Omit<ClientConfig, 'namespace'> {
  userAgent?: string;
  /** Per-request timeout for non-streaming requests (default 60 s). */
  timeoutMs?: number;
  /** Told about every request when its answer arrives (kubectl's -v request logging). */
  observe?: (r: RequestRecord) => void;
  /** Told each warning the server sends (Warning: 299 headers), as client-go's WarningHandler. */
  onWarning?: (text: string) => void;
}

/** One request and its answer, for observe(). The body is absent for streamed answers. */
export interface RequestRecord {
  method: string;
  url: URL;
  requestHeaders: Record<string, string>;
  requestBody?: Buffer;
  status: number;
  statusText: string;
  responseHeaders: IncomingMessage['headers'];
  responseBody?: string;
  ms: number;
}

export type QueryValue = string | number | boolean | undefined | null | readonly string[];

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** Objects are sent as JSON; strings and Buffers as they are. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  /** Resolve with the open response (status already checked) instead of the parsed body. */
  stream?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/** What a raw connection to the apiserver (a WebSocket, an upgrade) needs: TLS settings and the auth header. */
export interface ConnectionOptions {
  headers: Record<string, string>;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

export class ApiClient {
  readonly server: string;
  /** The namespace of the kubeconfig context, when built from one. */
  namespace?: string;
  private readonly base: URL;
  private agent: http.Agent;
  /** The client certificate the agent presents (an exec plugin may hand out a new one). */
  private agentCert?: string | Buffer;
  private readonly transport: typeof http | typeof https;
  private readonly opts: ApiClientOptions;
  private readonly creds: CredentialSource;

  constructor(opts: ApiClientOptions) {
    this.opts = opts;
    this.server = normalizeServer(opts.server);
    this.base = new URL(this.server);
    this.creds = new CredentialSource({ ...opts, server: this.server });
    if (this.base.protocol === 'https:') {
      this.transport = https;
      this.agent = this.httpsAgent(opts);
    } else if (this.base.protocol === 'http:') {
      this.transport = http;
      this.agent = new http.Agent({ keepAlive: true });
    } else {
      throw new Error(`unsupported server URL scheme "${this.base.protocol}" in ${opts.server} (want http or https)`);
    }
  }

  private httpsAgent(c: Credentials): https.Agent {
    this.agentCert = c.cert;
    return new https.Agent({ keepAlive: true, ...this.tls(c) });
  }

  private tls(c: Credentials): Omit<ConnectionOptions, 'headers'> {
    return {
      ca: this.opts.ca,
      cert: c.cert,
      key: c.key,
      rejectUnauthorized: !this.opts.insecureSkipTLSVerify,
      servername: this.opts.tlsServerName,
    };
  }

  /** The current credentials, with the agent switched to a new client certificate when there is one. */
  private async credentials(): Promise<Credentials> {
    const c = await this.creds.current();
    if (this.transport === https && c.cert !== this.agentCert) {
      this.agent.destroy();
      this.agent = this.httpsAgent(c);
    }
    return c;
  }

  /** TLS settings and headers for a connection made outside this client (WebSockets, upgrades). */
  async connectionOptions(): Promise<ConnectionOptions> {
    const c = await this.credentials();
    const headers: Record<string, string> = { 'User-Agent': this.opts.userAgent ?? 'minik8s' };
    if (c.token) headers.Authorization = `Bearer ${c.token}`;
    return { headers, ...this.tls(c) };
  }

  /** A client from kubeconfig (see loadKubeconfig); `server` overrides the cluster's server like --master. */
  static fromKubeconfig(opts: KubeconfigOptions & { userAgent?: string } = {}): ApiClient {
    const cfg = loadKubeconfig(opts);
    const c = new ApiClient({ ...cfg, userAgent: opts.userAgent });
    c.namespace = cfg.namespace;
    return c;
  }

  resource<T extends KubeObject = KubeObject>(rt: ResourceType): ResourceClient<T> {
    return new ResourceClient<T>(this, rt);
  }

  /**
   * Resolve once the apiserver answers (as upstream's components wait for its /healthz before they
   * start): /readyz polled every intervalMs. A component started beside its apiserver then begins the
   * moment it answers, instead of after an informer's back-off or a leader election's retry period.
   * Any answer but a 5xx counts (a 401/403 is for the component's own requests to report).
   */
  async waitForApiserver(opts: { intervalMs?: number; logger?: { info(obj: object, msg?: string): void } } = {}): Promise<void> {
    const start = Date.now();
    let logged = 0;
    for (;;) {
      try {
        await this.request('GET', '/readyz', { accept: 'text/plain', timeoutMs: 5000 });
        break;
      } catch (e) {
        const code = (e as { status?: { code?: number } }).status?.code;
        if (code !== undefined && code < 500) break;
        if (Date.now() - logged >= 10_000) {
          opts.logger?.info({ server: this.server, err: (e as Error).message }, 'waiting for the apiserver');
          logged = Date.now();
        }
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
    }
    if (logged) opts.logger?.info({ server: this.server, waitedMs: Date.now() - start }, 'the apiserver answers');
  }

  /** Close idle keep-alive sockets (open watches end when their requests are stopped). */
  close(): void {
    this.agent.destroy();
  }

  url(path: string, query?: Record<string, QueryValue>): URL {
    const u = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) for (const x of v) u.searchParams.append(k, x);
      else u.searchParams.set(k, String(v));
    }
    return u;
  }

  /**
   * A request on this client's transport, TLS settings and credentials, left for the caller to write and read
   * (a proxy streaming bodies both ways, or upgrading). `pathAndQuery` is relative to the server's URL.
   */
  async rawRequest(method: string, pathAndQuery: string, headers: http.OutgoingHttpHeaders): Promise<http.ClientRequest> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + pathAndQuery, this.base);
    const h: http.OutgoingHttpHeaders = { ...headers, host: url.host };
    const creds = await this.credentials();
    if (creds.token) h.authorization = `Bearer ${creds.token}`;
    return this.transport.request(url, { method, headers: h, agent: this.agent });
  }

  request(method: string, path: string, opts: RequestOptions & { stream: true }): Promise<IncomingMessage>;
  request<T = unknown>(method: string, path: string, opts?: RequestOptions & { stream?: false }): Promise<T>;
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T | IncomingMessage> {
    try {
      return await this.send<T>(method, path, opts, await this.credentials());
    } catch (e) {
      // A keep-alive socket the server had just closed: the request never reached it, so retry once
      // (idempotent methods only).
      if ((e as { staleSocket?: boolean }).staleSocket && IDEMPOTENT.has(method.toUpperCase()))
        return this.send<T>(method, path, opts, await this.credentials());
      // A rotated token or an expired plugin credential: fetch new ones and try once more, as client-go.
      if (e instanceof ApiError && e.code === 401 && this.creds.refreshable) {
        this.creds.invalidate();
        return this.send<T>(method, path, opts, await this.credentials());
      }
      throw e;
    }
  }

  private send<T>(method: string, path: string, opts: RequestOptions, creds: Credentials): Promise<T | IncomingMessage> {
    const url = this.url(path, opts.query);
    let payload: Buffer | undefined;
    let contentType = opts.contentType;
    if (opts.body !== undefined) {
      if (Buffer.isBuffer(opts.body)) payload = opts.body;
      else if (typeof opts.body === 'string') payload = Buffer.from(opts.body);
      else {
        payload = Buffer.from(JSON.stringify(opts.body));
        contentType ??= 'application/json';
      }
    }
    const headers: Record<string, string> = {
      Accept: opts.accept ?? 'application/json, */*',
      'User-Agent': this.opts.userAgent ?? 'minik8s',
      ...opts.headers,
    };
    if (contentType) headers['Content-Type'] = contentType;
    if (payload) headers['Content-Length'] = String(payload.length);
    if (creds.token) headers.Authorization = `Bearer ${creds.token}`;

    const started = Date.now();
    const observe = this.opts.observe;
    const record = (res: IncomingMessage, responseBody?: string) =>
      observe?.({
        method,
        url,
        requestHeaders: headers,
        requestBody: payload,
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        responseHeaders: res.headers,
        responseBody,
        ms: Date.now() - started,
      });
    return new Promise<T | IncomingMessage>((resolve, reject) => {
      const req = this.transport.request(url, { method, headers, agent: this.agent, signal: opts.signal }, (res) => {
        const code = res.statusCode ?? 0;
        if (this.opts.onWarning) for (const w of warningsOf(res.rawHeaders)) this.opts.onWarning(w);
        if (opts.stream && code >= 200 && code < 300) {
          req.setTimeout(0);
          record(res);
          return resolve(res);
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(connectionError(this.base, e)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          record(res, text);
          if (code < 200 || code >= 300) return reject(apiErrorFromBody(code, text));
          const ct = String(res.headers['content-type'] ?? '');
          if (ct.includes('json') && text !== '') {
            try {
              return resolve(JSON.parse(text) as T);
            } catch (e) {
              return reject(new Error(`invalid JSON from ${method} ${url.pathname}: ${(e as Error).message}`));
            }
          }
          resolve(text as T);
        });
      });
      const timeout = opts.timeoutMs ?? this.opts.timeoutMs ?? 60_000;
      if (!opts.stream && timeout > 0) {
        req.setTimeout(timeout, () =>
          req.destroy(Object.assign(new Error(`request timed out after ${timeout} ms`), { code: 'ETIMEDOUT' })),
        );
      }
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.name === 'AbortError') return reject(e);
        const err = connectionError(this.base, e);
        if (req.reusedSocket && e.code === 'ECONNRESET') Object.assign(err, { staleSocket: true });
        reject(err);
      });
      req.end(payload);
    });
  }
}

// How the apiserver reaches a node's kubelet (logs, exec, attach, port-forward, stats): HTTPS to the
// node's address of the first --kubelet-preferred-address-types type it has, presenting
// --kubelet-client-certificate and verifying the kubelet against --kubelet-certificate-authority
// (without one, as upstream, the kubelet's certificate is not verified).
import type { IncomingMessage } from 'node:http';
import { request, type RequestOptions } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';

export interface NodeLike {
  metadata?: { name?: string };
  status?: { addresses?: Array<{ type: string; address: string }>; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

export interface KubeletEndpoint {
  host: string;
  port: number;
}

export interface KubeletClientConfig {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
  preferredAddressTypes: string[];
}

export class KubeletClient {
  constructor(readonly cfg: KubeletClientConfig) {}

  /** Where the node's kubelet listens; undefined when it has no address of a preferred type. */
  address(node: NodeLike): KubeletEndpoint | undefined {
    const addrs = node.status?.addresses ?? [];
    for (const t of this.cfg.preferredAddressTypes) {
      const a = addrs.find((x) => x.type === t && x.address);
      if (a) return { host: a.address, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || 10250 };
    }
    return undefined;
  }

  /** TLS options for a connection to a kubelet (https.request, tls.connect, ws). */
  tls(): { cert?: Buffer; key?: Buffer; ca?: Buffer; rejectUnauthorized: boolean } {
    return { cert: this.cfg.cert, key: this.cfg.key, ca: this.cfg.ca, rejectUnauthorized: !!this.cfg.ca };
  }

  url(e: KubeletEndpoint, path: string, scheme: 'https' | 'wss' = 'https'): string {
    return `${scheme}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}${path}`;
  }

  /** A GET on the kubelet; resolves with the response (any status). */
  get(e: KubeletEndpoint, path: string, timeoutMs: number, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((ok, fail) => {
      const opts: RequestOptions = { host: e.host, port: e.port, path, method: 'GET', timeout: timeoutMs, signal, ...this.tls() };
      const r = request(opts, ok);
      r.on('timeout', () => r.destroy(new Error('timeout')));
      r.on('error', fail);
      r.end();
    });
  }

  /** A TLS connection to the kubelet (for upgrades piped through as they came). */
  connect(e: KubeletEndpoint): TLSSocket {
    return connect({ host: e.host, port: e.port, servername: /^[\d.]+$|:/.test(e.host) ? undefined : e.host, ...this.tls() });
  }
}

/** Read a response body as text (bounded). */
export function readBody(res: IncomingMessage, limit = 1 << 20): Promise<string> {
  return new Promise((ok) => {
    const chunks: Buffer[] = [];
    let n = 0;
    res.on('data', (d: Buffer) => {
      n += d.length;
      if (n <= limit) chunks.push(d);
    });
    res.on('end', () => ok(Buffer.concat(chunks).toString()));
    res.on('error', () => ok(Buffer.concat(chunks).toString()));
  });
}

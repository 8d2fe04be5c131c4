// A tiny in-memory object server for unit tests: GET/POST/PUT/PATCH(merge)/DELETE on
// /api(s)/.../namespaces/NS/RESOURCE[/NAME] with resourceVersion conflicts, like the apiserver.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../src';

export class FakeObjects {
  rev = 1;
  readonly objs = new Map<string, KubeObject>();
  readonly calls: string[] = [];
  server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const m = /^\/apis?\/(?:[^/]+\/)?v1\/namespaces\/([^/]+)\/([^/?]+)(?:\/([^/?]+))?/.exec(req.url!);
        const send = (code: number, body: unknown) => {
          res.writeHead(code, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        const status = (code: number, reason: string) =>
          send(code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, message: reason, code });
        if (!m) return status(404, 'NotFound');
        const [, ns, resource, name] = m;
        this.calls.push(`${req.method} ${resource}${name ? `/${name}` : ''}`);
        const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as KubeObject) : undefined;
        const key = (n: string) => `${ns}/${resource}/${n}`;
        switch (req.method) {
          case 'GET': {
            const o = this.objs.get(key(name));
            return o ? send(200, o) : status(404, 'NotFound');
          }
          case 'POST': {
            const n = body!.metadata.name!;
            if (this.objs.has(key(n))) return status(409, 'AlreadyExists');
            const o = { ...body!, metadata: { ...body!.metadata, namespace: ns, uid: `uid-${n}`, resourceVersion: String(++this.rev) } };
            this.objs.set(key(n), o);
            return send(201, o);
          }
          case 'PUT': {
            const cur = this.objs.get(key(name));
            if (!cur) return status(404, 'NotFound');
            if (body!.metadata.resourceVersion !== cur.metadata.resourceVersion) return status(409, 'Conflict');
            const o = { ...body!, metadata: { ...body!.metadata, resourceVersion: String(++this.rev) } };
            this.objs.set(key(name), o);
            return send(200, o);
          }
          case 'PATCH': {
            const cur = this.objs.get(key(name));
            if (!cur) return status(404, 'NotFound');
            const o = { ...cur, ...body, metadata: { ...cur.metadata, resourceVersion: String(++this.rev) } } as KubeObject;
            this.objs.set(key(name), o);
            return send(200, o);
          }
          case 'DELETE':
            this.objs.delete(key(name));
            return send(200, { kind: 'Status', status: 'Success' });
        }
        status(405, 'MethodNotAllowed');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.server.closeAllConnections();
    this.server.close();
  }

  of(resource: string): KubeObject[] {
    return [...this.objs.entries()].filter(([k]) => k.split('/')[1] === resource).map(([, v]) => v);
  }
}

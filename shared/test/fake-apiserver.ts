// A tiny in-memory stand-in for the apiserver's pods list/watch (for unit tests of the informer):
// revisions, an event log, compaction (old watches get 410), and dropping watch connections.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from '../src';

interface LogEntry {
  rev: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: KubeObject;
}

export class FakePods {
  rev = 10;
  compacted = 0;
  readonly objs = new Map<string, KubeObject>();
  readonly log: LogEntry[] = [];
  readonly watchers = new Set<{ res: ServerResponse; from: number }>();
  readonly requests: string[] = [];
  server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push(req.url!);
      const u = new URL(req.url!, 'http://x');
      if (u.pathname !== '/api/v1/pods') {
        res.writeHead(404);
        return res.end();
      }
      if (u.searchParams.get('watch')) {
        const from = Number(u.searchParams.get('resourceVersion') ?? '0');
        if (from < this.compacted) {
          res.writeHead(410, { 'Content-Type': 'application/json' });
          return res.end(
            JSON.stringify({
              kind: 'Status',
              apiVersion: 'v1',
              metadata: {},
              status: 'Failure',
              reason: 'Expired',
              message: `too old resource version: ${from} (${this.compacted})`,
              code: 410,
            }),
          );
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const w = { res, from };
        for (const e of this.log) if (e.rev > from) res.write(JSON.stringify({ type: e.type, object: e.obj }) + '\n');
        this.watchers.add(w);
        res.on('close', () => this.watchers.delete(w));
        return;
      }
      // Paged list: limit + continue (continue = index of the next item).
      const all = [...this.objs.values()].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
      const start = Number(u.searchParams.get('continue') ?? '0');
      const limit = Number(u.searchParams.get('limit') ?? '0') || all.length;
      const items = all.slice(start, start + limit);
      const more = start + limit < all.length;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: { resourceVersion: String(this.rev), continue: more ? String(start + limit) : undefined },
          items,
        }),
      );
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.server.closeAllConnections();
    this.server.close();
  }

  private apply(type: LogEntry['type'], name: string, ns: string, labels: Record<string, string>, silent: boolean): void {
    this.rev++;
    const key = `${ns}/${name}`;
    const obj: KubeObject = { metadata: { name, namespace: ns, labels, resourceVersion: String(this.rev), uid: `uid-${name}` } };
    if (type === 'DELETED') {
      const old = this.objs.get(key)!;
      this.objs.delete(key);
      obj.metadata = { ...old.metadata, resourceVersion: String(this.rev) };
    } else this.objs.set(key, obj);
    if (silent) return;
    const e = { rev: this.rev, type, obj };
    this.log.push(e);
    for (const w of this.watchers) w.res.write(JSON.stringify({ type, object: obj }) + '\n');
  }

  put(name: string, labels: Record<string, string> = {}, ns = 'default', silent = false): void {
    this.apply(this.objs.has(`${ns}/${name}`) ? 'MODIFIED' : 'ADDED', name, ns, labels, silent);
  }

  del(name: string, ns = 'default', silent = false): void {
    this.apply('DELETED', name, ns, {}, silent);
  }

  /** Compact everything so far and drop every watch: clients must relist. */
  compactAndDrop(): void {
    this.compacted = this.rev + 1;
    this.log.length = 0;
    for (const w of this.watchers) w.res.destroy();
  }

  bookmark(): void {
    this.rev++;
    for (const w of this.watchers)
      w.res.write(JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: String(this.rev) } } }) + '\n');
  }
}

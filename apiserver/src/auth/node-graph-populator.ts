// Keeps the Node authorizer's graph from the apiserver's own watch caches of pods, PVCs and PVs (upstream's
// graph_populator on shared informers): each cache's current objects, then its events; when a cache is
// reset (etcd compacted under it) its kind is forgotten and re-read from the fresh list.
import type { KubeObject } from '@minik8s/shared';
import type { Registry } from '../registry/registry';
import type { NodeGraph } from './node-graph';

type GraphKind = 'pods' | 'claims' | 'volumes';

const SOURCES: { kind: GraphKind; resource: string }[] = [
  { kind: 'pods', resource: 'pods' },
  { kind: 'claims', resource: 'persistentvolumeclaims' },
  { kind: 'volumes', resource: 'persistentvolumes' },
];

function apply(graph: NodeGraph, kind: GraphKind, deleted: boolean, obj: KubeObject): void {
  const { name = '', namespace = '' } = obj.metadata;
  if (kind === 'pods') {
    if (deleted) graph.deletePod(namespace, name);
    else graph.setPod(obj);
  } else if (kind === 'claims') {
    if (deleted) graph.deleteClaim(namespace, name);
    else graph.setClaim(obj);
  } else if (deleted) graph.deleteVolume(name);
  else graph.setVolume(obj);
}

/** Start feeding `graph`; the returned function stops it. */
export function populateNodeGraph(registry: Registry, graph: NodeGraph, log: (msg: string) => void): () => void {
  let stopped = false;
  const detach: (() => void)[] = [];
  const follow = async (kind: GraphKind, resource: string): Promise<void> => {
    const r = registry.resource({ group: '', resource });
    const cache = registry.caches.get(r);
    if (!cache || stopped) return;
    await cache.ready();
    if (stopped) return;
    graph.reset(kind);
    const w = cache.add({
      filter: () => true,
      send: (type, obj) => apply(graph, kind, type === 'DELETED', obj),
      expire: (message) => {
        log(`node graph: ${resource} watch reset (${message}); re-reading`);
        // after the cache has cleared its watchers and started its relist
        setImmediate(() => void follow(kind, resource));
      },
    });
    detach.push(() => cache.remove(w));
  };
  for (const s of SOURCES) void follow(s.kind, s.resource);
  return () => {
    stopped = true;
    for (const d of detach) d();
  };
}

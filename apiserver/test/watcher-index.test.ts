// Pod watchers indexed by spec.nodeName: which watchers an event is offered to, and that the index
// never changes what a watcher receives compared with offering every event to every watcher.
import { describe, expect, it } from 'vitest';
import { parseFieldSelector, requiresExactField, type KubeObject } from '@minik8s/shared';
import { WatcherIndex } from '../src/storage/watcher-index';
import { dispatch, type CacheEvent, type CacheWatcher } from '../src/storage/watchcache';
import { compileFilter } from '../src/registry/selection';
import { kind } from './kinds';

const pods = kind('pods');
const NODE = pods.watchIndex!;

const pod = (node: string | undefined, rv = 1): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', resourceVersion: String(rv) },
  spec: node === undefined ? {} : { nodeName: node },
});

interface Named {
  name: string;
  indexValue?: string;
}

describe('WatcherIndex.forChange', () => {
  const watchers: Named[] = [
    { name: 'all' },
    { name: 'n1', indexValue: 'n1' },
    { name: 'n1-again', indexValue: 'n1' },
    { name: 'n2', indexValue: 'n2' },
    { name: 'unbound', indexValue: '' },
  ];
  const idx = new WatcherIndex<Named>(NODE);
  for (const w of watchers) idx.add(w);

  it.each([
    { what: 'create, no node', obj: pod(undefined), prev: undefined, want: ['all', 'unbound'] },
    { what: 'create on n1', obj: pod('n1'), prev: undefined, want: ['all', 'n1', 'n1-again'] },
    { what: 'bind to n2', obj: pod('n2'), prev: pod(undefined), want: ['all', 'n2', 'unbound'] },
    { what: 'bind with an empty nodeName before', obj: pod('n1'), prev: pod(''), want: ['all', 'n1', 'n1-again', 'unbound'] },
    { what: 'status update on n2', obj: pod('n2'), prev: pod('n2'), want: ['all', 'n2'] },
    { what: 'moved from n1 to n2', obj: pod('n2'), prev: pod('n1'), want: ['all', 'n2', 'n1', 'n1-again'] },
    { what: 'a node nobody watches', obj: pod('n9'), prev: pod('n9'), want: ['all'] },
  ])('$what', ({ obj, prev, want }) => {
    expect([...idx.forChange(obj, prev)].map((w) => w.name)).toEqual(want);
  });

  it('counts, iterates and removes every watcher', () => {
    const i = new WatcherIndex<Named>(NODE);
    for (const w of watchers) i.add(w);
    expect(i.size).toBe(5);
    expect([...i].map((w) => w.name).sort()).toEqual(watchers.map((w) => w.name).sort());
    for (const w of watchers) i.delete(w);
    expect(i.size).toBe(0);
    expect([...i.forChange(pod('n1'), pod('n2'))]).toEqual([]);
  });

  it('offers every event to every watcher without an index field', () => {
    const i = new WatcherIndex<Named>();
    for (const w of watchers) i.add(w);
    expect([...i.forChange(pod('n9'), undefined)]).toHaveLength(5);
  });
});

describe('indexed dispatch', () => {
  it('sends each watcher exactly what dispatching to every watcher sends', () => {
    const selectors = ['', 'spec.nodeName=n1', 'spec.nodeName==n2', 'spec.nodeName=', 'spec.nodeName!=n1', 'spec.nodeName=n1,metadata.name=p', 'metadata.namespace=default'];
    const nodes = [undefined, '', 'n1', 'n2', 'n3'];
    // every transition between two node values, plus creates and deletes
    const events: CacheEvent[] = [];
    let rev = 1;
    for (const a of nodes) {
      events.push({ type: 'ADDED', rev: ++rev, key: 'k', obj: pod(a, rev) });
      for (const b of nodes) events.push({ type: 'MODIFIED', rev: ++rev, key: 'k', obj: pod(b, rev), prev: pod(a, rev - 1) });
      events.push({ type: 'DELETED', rev: ++rev, key: 'k', obj: pod(a, rev), prev: pod(a, rev - 1) });
    }
    const run = (indexed: boolean) => {
      const idx = new WatcherIndex<CacheWatcher>(indexed ? NODE : undefined);
      const got = selectors.map(() => [] as string[]);
      selectors.forEach((sel, i) => {
        const indexValue = requiresExactField(parseFieldSelector(sel), 'spec.nodeName');
        idx.add({ fromRev: 0, indexValue, filter: compileFilter(pods, { fieldSelector: sel }), send: (t, o) => got[i].push(`${t}@${o.metadata.resourceVersion}`), expire: () => undefined });
      });
      for (const ev of events) for (const w of idx.forChange(ev.obj, ev.prev)) dispatch(w, ev);
      return got;
    };
    const all = run(false);
    expect(all.every((g) => g.length > 0)).toBe(true);
    expect(run(true)).toEqual(all);
  });
});

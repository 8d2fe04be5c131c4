// The guard in front of etcd3's watch dispatch (the real etcd case is in watch.int.test.ts): a response for
// a tracked watcher passes, a stray cancellation is dropped (ending a cancel() that waits for it), any other
// stray response resets the stream; a client whose internals moved refuses the guard at start-up.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Etcd3 } from 'etcd3';
import { guardWatchManager, type StrayWatchResponse } from '../src/storage/watchguard';

function fakeClient(ids: string[], closing: string[] = []) {
  const watcher = (id: string) => Object.assign(new EventEmitter(), { id });
  const dispatched: unknown[] = [];
  const resets: Error[] = [];
  const watchManager = {
    watchers: ids.map(watcher),
    expectedClosers: new Set(closing.map(watcher)),
    handleResponse: (res: unknown) => dispatched.push(res),
    handleError: (e: Error) => resets.push(e),
  };
  const stray: StrayWatchResponse[] = [];
  guardWatchManager({ watchManager } as unknown as Etcd3, (s) => stray.push(s));
  return { mgr: watchManager, dispatched, resets, stray };
}

describe('guardWatchManager', () => {
  it('passes responses for tracked watchers on', () => {
    const c = fakeClient(['1', '2']);
    c.mgr.handleResponse({ watch_id: '2', canceled: true, created: false });
    c.mgr.handleResponse({ watch_id: '1', canceled: false, created: false });
    expect(c.dispatched).toHaveLength(2);
    expect(c.stray).toEqual([]);
  });

  it('drops a cancellation for an unknown watch, ending the cancel() that waits for it', () => {
    const c = fakeClient(['1'], ['7']);
    const closer = [...c.mgr.expectedClosers][0];
    let ended = false;
    closer.once('end', () => (ended = true));
    c.mgr.handleResponse({ watch_id: '7', canceled: true, created: false });
    c.mgr.handleResponse({ watch_id: '8', canceled: true, created: false });
    expect(ended).toBe(true);
    expect(c.mgr.expectedClosers.size).toBe(0);
    expect(c.stray).toEqual([{ watchId: '7', action: 'dropped' }, { watchId: '8', action: 'dropped' }]);
    expect(c.dispatched).toEqual([]);
    expect(c.resets).toEqual([]);
  });

  it('resets the stream for events of an unknown watch', () => {
    const c = fakeClient(['1']);
    c.mgr.handleResponse({ watch_id: '9', canceled: false, created: false });
    expect(c.stray).toEqual([{ watchId: '9', action: 'reset' }]);
    expect(c.resets.map((e) => e.message)).toEqual(['etcd answered for watch 9, which this client no longer tracks']);
    expect(c.dispatched).toEqual([]);
  });

  it('refuses a client without the internals it relies on', () => {
    expect(() => guardWatchManager({} as Etcd3, () => undefined)).toThrow(/internals changed/);
  });
});

// etcd3's watch manager throws "Failed to find watcher for IWatchResponse" from inside the gRPC stream's
// 'data' handler — an uncaught exception that ends the apiserver — when etcd answers for a watch id the
// manager no longer tracks. etcd does so when it acknowledges a cancel of a watcher it had already
// canceled itself (compaction) and the manager dropped. The guard sits in front of that dispatch: a
// cancellation for an unknown id is dropped (nobody watches it); any other response for an unknown id
// means the bookkeeping is lost, so the stream is reset as after a network error and every watcher
// resumes from its last revision (one whose revision is gone meanwhile gets its compaction error, and
// the watch cache relists).
import type { Etcd3 } from 'etcd3';

interface WatchResponse {
  watch_id: string;
  canceled: boolean;
  created: boolean;
}

interface Watcher {
  id: string | null;
  emit(event: 'end'): boolean;
}

/** The parts of etcd3 1.x's (internal) WatchManager the guard relies on. */
interface WatchManager {
  watchers: Watcher[];
  /** Watchers whose cancel() waits for etcd's acknowledgement ('end'). */
  expectedClosers: Set<Watcher>;
  handleResponse(res: WatchResponse): void;
  handleError(err: Error): void;
}

export type StrayWatchResponse = { watchId: string; action: 'dropped' | 'reset' };

/** Install the guard on `client`'s watch manager; `onStray` hears of each response it caught. */
export function guardWatchManager(client: Etcd3, onStray: (s: StrayWatchResponse) => void): void {
  const mgr = (client as unknown as { watchManager?: Partial<WatchManager> }).watchManager;
  if (!mgr || !Array.isArray(mgr.watchers) || !(mgr.expectedClosers instanceof Set) || typeof mgr.handleResponse !== 'function' || typeof mgr.handleError !== 'function')
    throw new Error('etcd3 watch manager internals changed: the stray-response guard cannot be installed');
  const m = mgr as WatchManager;
  const dispatch = m.handleResponse.bind(m);
  m.handleResponse = (res) => {
    if (m.watchers.some((w) => w.id === res.watch_id)) return dispatch(res);
    if (res.canceled) {
      // the acknowledgement a cancel() waits for, though the manager had dropped its watcher
      const closer = [...m.expectedClosers].find((w) => w.id === res.watch_id);
      if (closer) {
        m.expectedClosers.delete(closer);
        closer.emit('end');
      }
      onStray({ watchId: String(res.watch_id), action: 'dropped' });
      return;
    }
    onStray({ watchId: String(res.watch_id), action: 'reset' });
    m.handleError(new Error(`etcd answered for watch ${res.watch_id}, which this client no longer tracks`));
  };
}

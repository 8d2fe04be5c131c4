// Keeping etcd bounded on long runs. Compaction as upstream's --etcd-compaction-interval: every interval,
// compact to the revision seen one interval before (watchers and paginated lists get that long). Upstream
// leaves defragmentation to operators; minik8s runs one etcd member that only this apiserver writes, so the
// apiserver is the operator: after a compaction, when less than half of the database file is in use, it
// defragments (at most once per --etcd-defrag-interval), and clears a NOSPACE alarm once that brought the
// database back under its quota. The decisions are pure (planMaintenance); the loop is the thin shell.
import type { Logger } from '@minik8s/shared';
import { CompactedError, type Store } from './etcd';

export interface MaintenanceConfig {
  /** --etcd-compaction-interval (0: never) */
  compactionIntervalMs: number;
  /** --etcd-defrag-interval (0: never) */
  defragIntervalMs: number;
}

export interface DbStatus {
  dbSize: number;
  dbSizeInUse: number;
  alarms: string[];
}

/** Defragment when at most this share of the file is in use (the rest is free pages etcd keeps). */
export const DEFRAG_IN_USE_RATIO = 0.5;
/** Below this file size a defragmentation is not worth stalling the member for. */
export const DEFRAG_MIN_BYTES = 64 * 1024 * 1024;

/** What to do after a compaction, given the database status and when it was last defragmented. */
export function planMaintenance(st: DbStatus, now: number, lastDefrag: number, cfg: MaintenanceConfig): { defrag: boolean; disarm: boolean } {
  const noSpace = st.alarms.some((a) => /nospace/i.test(a));
  const due = cfg.defragIntervalMs > 0 && now - lastDefrag >= cfg.defragIntervalMs;
  const fragmented = st.dbSize >= DEFRAG_MIN_BYTES && st.dbSizeInUse <= st.dbSize * DEFRAG_IN_USE_RATIO;
  // an alarm means writes are refused: defragment now, whatever the interval
  const defrag = cfg.defragIntervalMs > 0 && ((due && fragmented) || noSpace);
  return { defrag, disarm: noSpace };
}

/** Start the loop; returns its stop function. */
export function startMaintenance(store: Store, cfg: MaintenanceConfig, log: Logger, onDefrag?: (st: DbStatus) => void): () => void {
  if (cfg.compactionIntervalMs <= 0) return () => undefined;
  let previous = 0;
  let compacted = 0;
  let lastDefrag = Date.now();
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const rev = await store.currentRevision();
      // nothing written since the last compaction: compacting again would be refused
      if (previous > compacted) {
        try {
          await store.compact(previous);
          log.info({ revision: previous }, 'etcd compacted');
        } catch (e) {
          // already compacted there (by an earlier run of this apiserver, or an operator)
          if (!(e instanceof CompactedError)) throw e;
        }
        compacted = previous;
      }
      previous = rev;
      const st = await store.status();
      const plan = planMaintenance(st, Date.now(), lastDefrag, cfg);
      if (plan.defrag) {
        await store.defragment();
        lastDefrag = Date.now();
        const after = await store.status();
        log.info({ before: st.dbSize, after: after.dbSize, inUse: after.dbSizeInUse }, 'etcd defragmented');
        onDefrag?.(after);
      }
      if (plan.disarm) {
        await store.disarmNoSpace();
        log.warn('etcd NOSPACE alarm cleared after compaction and defragmentation; writes are accepted again until the quota fills');
      }
    } catch (e) {
      log.warn({ err: e }, 'etcd maintenance failed');
    } finally {
      running = false;
    }
  };
  const t = setInterval(() => void tick(), cfg.compactionIntervalMs);
  t.unref();
  return () => clearInterval(t);
}

// The sync loop, common to both proxy modes: state in (Services, EndpointSlices, Endpoints), one
// transaction per sync out through a backend (iptables-backend.ts, nft-backend.ts). Debounced like
// upstream's BoundedFrequencyRunner (at most one sync per --min-sync-period, and one at least every
// --sync-period); a full sync at start, after any failure, hourly, and when a backend check finds
// our rules damaged (flushed tables, our jumps no longer first).
import type { core, discovery } from '@minik8s/shared';
import { buildServicePorts, comparePorts, SERVICE_NAME_LABEL, type DropReporter, type ServicePort } from '@minik8s/shared';
import { run } from './iptables';
import { staleUdpFlows } from './plan';

export const FULL_SYNC_PERIOD_MS = 3600_000;
/**
 * How often (at most) our jumps' places in the built-in chains are checked: Docker puts its rules on top
 * when the kubelet creates the pod bridge, shortly after start; a few `iptables -S` of built-in chains.
 */
export const JUMP_CHECK_PERIOD_MS = 5000;

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

/** What one backend transaction did. */
export interface BackendSync {
  /** Rules (iptables) or rules + map elements (nftables) in the transaction. */
  rules: number;
  servicesWritten: number;
  staleChains: number;
}

export interface SyncStats extends BackendSync {
  full: boolean;
  durationMs: number;
}

/** One proxy mode: turns ServicePorts into kernel rules. */
export interface ProxyBackend {
  readonly mode: 'iptables' | 'nftables';
  /** One transaction. full: the kernel's state is unknown, write everything. Throws on failure. */
  sync(ports: ServicePort[], full: boolean): Promise<BackendSync>;
  /** Every --sync-period: why our rules need a full sync (flushed, deleted), or undefined. */
  checkRules(): Promise<string | undefined>;
  /** Every JUMP_CHECK_PERIOD_MS: why our iptables jumps need a full sync (not first any more), or undefined. */
  checkJumps(): Promise<string | undefined>;
}

export interface ProxierOptions {
  backend: ProxyBackend;
  minSyncPeriodMs?: number;
  syncPeriodMs?: number;
  logger: Logger;
  /** Command prefix for conntrack (same netns as the rules). */
  commandPrefix?: string[];
  onSync?(stats: SyncStats): void;
  onError?(err: unknown): void;
  /** An object left out because a value of it does not parse (each time its Service is rebuilt). */
  onDrop?: DropReporter;
}

export class Proxier {
  private services = new Map<string, core.Service>();
  private slices = new Map<string, discovery.EndpointSlice>();
  private endpoints = new Map<string, core.Endpoints>();
  /** Change tracking (upstream ServiceChangeTracker/EndpointsChangeTracker): only dirty Services are rebuilt. */
  private slicesBySvc = new Map<string, Map<string, discovery.EndpointSlice>>();
  private portsBySvc = new Map<string, ServicePort[]>();
  private dirty = new Set<string>();
  /** The kernel has what the last sync wrote (false: the next sync is full). */
  private synced = false;
  private lastPorts: ServicePort[] = [];
  private lastFullSync = 0;
  private lastSyncStart = 0;
  private timer: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private jumpCheck: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending = false;
  private stopped = false;
  /** Set by informers once they have listed: no sync before that (it would delete everything). */
  ready = false;
  lastSyncTime = 0;

  constructor(private readonly opts: ProxierOptions) {}

  get mode(): ProxyBackend['mode'] {
    return this.opts.backend.mode;
  }

  setService(key: string, svc: core.Service | undefined): void {
    this.dirty.add(key);
    this.put(this.services, key, svc);
  }
  setEndpointSlice(key: string, s: discovery.EndpointSlice | undefined): void {
    const old = this.slices.get(key);
    if (old) {
      const k = sliceService(old);
      this.dirty.add(k);
      this.slicesBySvc.get(k)?.delete(key);
    }
    if (s) {
      const k = sliceService(s);
      this.dirty.add(k);
      let m = this.slicesBySvc.get(k);
      if (!m) this.slicesBySvc.set(k, (m = new Map()));
      m.set(key, s);
    }
    this.put(this.slices, key, s);
  }
  setEndpoints(key: string, e: core.Endpoints | undefined): void {
    this.dirty.add(key);
    this.put(this.endpoints, key, e);
  }

  private put<T>(m: Map<string, T>, key: string, v: T | undefined): void {
    if (v === undefined) m.delete(key);
    else m.set(key, v);
    this.requestSync();
  }

  /** Rebuild the ServicePorts of changed Services only; the others keep their objects (and the backends' caches). */
  private currentPorts(): ServicePort[] {
    for (const key of this.dirty) {
      const svc = this.services.get(key);
      const slices = [...(this.slicesBySvc.get(key)?.values() ?? [])];
      const ep = this.endpoints.get(key);
      const ports = svc
        ? buildServicePorts([svc], { slices: slices.length ? new Map([[key, slices]]) : new Map(), endpoints: ep ? new Map([[key, ep]]) : new Map() }, this.opts.onDrop)
        : [];
      if (ports.length) this.portsBySvc.set(key, ports);
      else this.portsBySvc.delete(key);
    }
    this.dirty.clear();
    return [...this.portsBySvc.values()].flat().sort(comparePorts);
  }

  /** The next sync writes everything (after a failure or an external flush). */
  forceFullSync(): void {
    this.synced = false;
    this.requestSync();
  }

  start(): void {
    this.ready = true;
    const every = this.opts.syncPeriodMs ?? 30_000;
    this.periodic = setInterval(() => void this.check(() => this.opts.backend.checkRules()), every);
    this.periodic.unref();
    this.jumpCheck = setInterval(() => void this.check(() => this.opts.backend.checkJumps(), true), Math.min(every, JUMP_CHECK_PERIOD_MS));
    this.jumpCheck.unref();
    this.requestSync();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.periodic) clearInterval(this.periodic);
    if (this.jumpCheck) clearInterval(this.jumpCheck);
  }

  /** A backend check; a reason makes the next sync full. The periodic check syncs anyway (upstream's --sync-period). */
  private async check(backendCheck: () => Promise<string | undefined>, onlyIfDamaged = false): Promise<void> {
    if (this.synced && !this.running) {
      let reason: string | undefined;
      try {
        reason = await backendCheck();
      } catch (err) {
        reason = `the check failed: ${String(err)}`;
      }
      if (reason) {
        this.opts.logger.warn({ reason }, 'our rules need a full sync');
        this.synced = false;
      }
    }
    if (!onlyIfDamaged || !this.synced) this.requestSync();
  }

  /** Debounced: runs at once unless the last sync started less than --min-sync-period ago. */
  requestSync(): void {
    if (!this.ready || this.stopped) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.lastSyncStart + (this.opts.minSyncPeriodMs ?? 1000) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.syncNow();
    }, wait);
  }

  /** One sync now (also used by tests and the benchmark). Never throws; errors force a full resync. */
  async syncNow(): Promise<SyncStats | undefined> {
    while (this.running) await this.running;
    let stats: SyncStats | undefined;
    this.running = (async () => {
      this.lastSyncStart = Date.now();
      try {
        stats = await this.sync();
      } catch (err) {
        this.synced = false;
        this.opts.logger.error({ err: String(err), mode: this.mode }, 'sync failed; the next sync is a full sync');
        this.opts.onError?.(err);
        setTimeout(() => this.requestSync(), this.opts.minSyncPeriodMs ?? 1000).unref();
      }
    })();
    await this.running;
    this.running = undefined;
    if (this.pending) {
      this.pending = false;
      this.requestSync();
    }
    return stats;
  }

  private async sync(): Promise<SyncStats> {
    const t0 = performance.now();
    const full = !this.synced || Date.now() - this.lastFullSync > FULL_SYNC_PERIOD_MS;
    const ports = this.currentPorts();
    this.synced = false; // unknown until the transaction succeeds
    const done = await this.opts.backend.sync(ports, full);
    this.synced = true;
    if (full) this.lastFullSync = Date.now();
    const flows = staleUdpFlows(this.lastPorts, ports);
    this.lastPorts = ports;
    for (const args of flows) {
      // exit 1 with "0 flow entries have been deleted" is normal
      const r = await run([...(this.opts.commandPrefix ?? []), 'conntrack', ...args]);
      if (r.code > 1) this.opts.logger.warn({ args, stderr: r.stderr.trim() }, 'conntrack cleanup failed');
    }
    this.lastSyncTime = Date.now();
    const stats: SyncStats = { full, durationMs: performance.now() - t0, ...done };
    this.opts.logger.debug({ ...stats, mode: this.mode }, 'synced proxy rules');
    this.opts.onSync?.(stats);
    return stats;
  }
}

function sliceService(s: discovery.EndpointSlice): string {
  return `${s.metadata?.namespace}/${s.metadata?.labels?.[SERVICE_NAME_LABEL] ?? ''}`;
}

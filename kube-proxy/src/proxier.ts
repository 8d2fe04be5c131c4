// The sync loop: state in, one iptables-restore per sync out. Debounced like upstream's
// BoundedFrequencyRunner (at most one sync per --min-sync-period, and one at least every
// --sync-period); a full sync at start, after any failure, and every FULL_SYNC_PERIOD_MS.
import type { core, discovery } from '@minik8s/shared';
import { chainRules, Iptables, misplacedJumps, parseSaveChains, run, type Jump } from './iptables';
import { buildServicePorts, comparePorts, SERVICE_NAME_LABEL, type ServicePort } from './model';
import type { Dropped } from './checks';
import { planSync, staleUdpFlows, type AppliedState } from './plan';
import { FILTER_CHAINS, generateRules, NAT_CHAINS, PODNET_FILTER_CHAIN, PODNET_NAT_CHAIN, renderPayload, type ProxyConfig, type ServiceChains } from './rules';
import { isServiceChainName } from '@minik8s/shared';

export const FULL_SYNC_PERIOD_MS = 3600_000;
/**
 * How often (at most) our jumps' places in the built-in chains are checked: Docker puts its rules on top
 * when the kubelet creates the pod bridge, shortly after start; a few `iptables -S` of built-in chains.
 */
export const JUMP_CHECK_PERIOD_MS = 5000;
/** An empty chain per table: if it disappears, someone flushed/deleted tables and a full sync is due (upstream iptables.Monitor). */
export const CANARY_CHAIN = 'KUBE-PROXY-CANARY';
const CANARY_TABLES = ['nat', 'filter'] as const;

export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

export interface SyncStats {
  full: boolean;
  durationMs: number;
  rules: number;
  servicesWritten: number;
  staleChains: number;
}

export interface ProxierOptions {
  iptables: Iptables;
  config: ProxyConfig;
  minSyncPeriodMs?: number;
  syncPeriodMs?: number;
  logger: Logger;
  /** Command prefix for conntrack (same netns as iptables). */
  commandPrefix?: string[];
  onSync?(stats: SyncStats): void;
  onError?(err: unknown): void;
  /** An object left out because a value of it does not parse (once per object version). */
  onDrop?(d: Dropped): void;
}

/** Jumps from built-in chains, in upstream's order (iptablesJumpChains + the kubelet's KUBE-FIREWALL). */
export function jumpChains(cfg: ProxyConfig): Jump[] {
  const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'];
  const jumps: Jump[] = [
    { table: 'filter', from: 'INPUT', to: 'KUBE-EXTERNAL-SERVICES', comment: 'kubernetes externally-visible service portals', extra: NEW },
    { table: 'filter', from: 'FORWARD', to: 'KUBE-EXTERNAL-SERVICES', comment: 'kubernetes externally-visible service portals', extra: NEW },
    { table: 'filter', from: 'INPUT', to: 'KUBE-NODEPORTS', comment: 'kubernetes health check service ports' },
    { table: 'filter', from: 'FORWARD', to: 'KUBE-SERVICES', comment: 'kubernetes service portals', extra: NEW },
    { table: 'filter', from: 'OUTPUT', to: 'KUBE-SERVICES', comment: 'kubernetes service portals', extra: NEW },
    { table: 'filter', from: 'FORWARD', to: 'KUBE-FORWARD', comment: 'kubernetes forwarding rules' },
    { table: 'filter', from: 'INPUT', to: 'KUBE-PROXY-FIREWALL', comment: 'kubernetes load balancer firewall', extra: NEW },
    { table: 'filter', from: 'OUTPUT', to: 'KUBE-PROXY-FIREWALL', comment: 'kubernetes load balancer firewall', extra: NEW },
    { table: 'filter', from: 'FORWARD', to: 'KUBE-PROXY-FIREWALL', comment: 'kubernetes load balancer firewall', extra: NEW },
    { table: 'nat', from: 'OUTPUT', to: 'KUBE-SERVICES', comment: 'kubernetes service portals' },
    { table: 'nat', from: 'PREROUTING', to: 'KUBE-SERVICES', comment: 'kubernetes service portals' },
    { table: 'nat', from: 'POSTROUTING', to: 'KUBE-POSTROUTING', comment: 'kubernetes postrouting rules' },
    { table: 'filter', from: 'INPUT', to: 'KUBE-FIREWALL' },
    { table: 'filter', from: 'OUTPUT', to: 'KUBE-FIREWALL' },
  ];
  if (!cfg.podNetworkCIDR) return jumps;
  // Listed first, so inserted first and thus BELOW kube-proxy's own jumps (as a CNI plugin's rules
  // are): KUBE-PODNET-FORWARD accepts all pod traffic, which must not skip the REJECTs in KUBE-SERVICES.
  return [
    { table: 'nat', from: 'POSTROUTING', to: PODNET_NAT_CHAIN, comment: 'minik8s pod network' },
    { table: 'filter', from: 'FORWARD', to: PODNET_FILTER_CHAIN, comment: 'minik8s pod network' },
    ...jumps,
  ];
}

export class Proxier {
  private services = new Map<string, core.Service>();
  private slices = new Map<string, discovery.EndpointSlice>();
  private endpoints = new Map<string, core.Endpoints>();
  /** Change tracking (upstream ServiceChangeTracker/EndpointsChangeTracker): only dirty Services are rebuilt. */
  private slicesBySvc = new Map<string, Map<string, discovery.EndpointSlice>>();
  private portsBySvc = new Map<string, ServicePort[]>();
  private dirty = new Set<string>();
  private chainCache = new WeakMap<ServicePort, ServiceChains>();
  private applied: AppliedState | undefined;
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

  /** Rebuild the ServicePorts of changed Services only; the others keep their objects (and cached chains). */
  private currentPorts(): ServicePort[] {
    for (const key of this.dirty) {
      const svc = this.services.get(key);
      const slices = [...(this.slicesBySvc.get(key)?.values() ?? [])];
      const ep = this.endpoints.get(key);
      const ports = svc
        ? buildServicePorts([svc], { slices: slices.length ? new Map([[key, slices]]) : new Map(), endpoints: ep ? new Map([[key, ep]]) : new Map() }, (d) => this.dropped(d))
        : [];
      if (ports.length) this.portsBySvc.set(key, ports);
      else this.portsBySvc.delete(key);
    }
    this.dirty.clear();
    return [...this.portsBySvc.values()].flat().sort(comparePorts);
  }

  /** Report a dropped object once per version of it (a Service is rebuilt on every change of its endpoints). */
  private reported = new Map<string, string>();
  private dropped(d: Dropped): void {
    const k = `${d.kind}/${d.namespace}/${d.name}`;
    const version = `${d.uid}/${d.resourceVersion}`;
    if (this.reported.get(k) === version) return;
    if (this.reported.size > 10_000) this.reported.clear();
    this.reported.set(k, version);
    this.opts.logger.warn({ kind: d.kind, object: `${d.namespace ?? ''}/${d.name}`, reason: d.reason }, 'object left out of the proxy rules');
    this.opts.onDrop?.(d);
  }

  /** The next sync writes everything and re-checks the jumps (after a failure or external flush). */
  forceFullSync(): void {
    this.applied = undefined;
    this.requestSync();
  }

  start(): void {
    this.ready = true;
    const every = this.opts.syncPeriodMs ?? 30_000;
    this.periodic = setInterval(() => void this.monitor(), every);
    this.periodic.unref();
    this.jumpCheck = setInterval(() => void this.checkJumps().then((full) => full && this.requestSync()), Math.min(every, JUMP_CHECK_PERIOD_MS));
    this.jumpCheck.unref();
    this.requestSync();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.periodic) clearInterval(this.periodic);
    if (this.jumpCheck) clearInterval(this.jumpCheck);
  }

  /** Periodic tick: a full sync if a canary chain vanished (someone flushed the tables), else a partial sync. */
  private async monitor(): Promise<void> {
    if (this.applied) {
      for (const t of CANARY_TABLES) {
        if (!(await this.opts.iptables.chainExists(t, CANARY_CHAIN))) {
          this.opts.logger.warn({ table: t }, 'canary chain missing: rules were flushed, doing a full sync');
          this.applied = undefined;
          break;
        }
      }
    }
    this.requestSync();
  }

  /** Whether our jumps are no longer first in their built-in chains; if so the next sync is full (and fixes them). */
  private async checkJumps(): Promise<boolean> {
    if (!this.applied || this.running) return false;
    try {
      const jumps = jumpChains(this.opts.config);
      const listed = new Map<string, string[]>();
      for (const j of jumps) if (!listed.has(`${j.table} ${j.from}`)) listed.set(`${j.table} ${j.from}`, await this.opts.iptables.listChain(j.table, j.from));
      const misplaced = misplacedJumps((t, c) => listed.get(`${t} ${c}`) ?? [], jumps);
      if (!misplaced.length) return false;
      this.opts.logger.warn({ chains: misplaced.map((g) => `${g[0].table}/${g[0].from}`) }, 'our jumps are not first in these chains any more: doing a full sync');
    } catch (err) {
      this.opts.logger.warn({ err: String(err) }, 'checking the built-in chains failed: doing a full sync');
    }
    this.applied = undefined;
    return true;
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
        this.applied = undefined;
        this.opts.logger.error({ err: String(err) }, 'sync failed; the next sync is a full sync');
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
    const full = !this.applied || Date.now() - this.lastFullSync > FULL_SYNC_PERIOD_MS;
    // a full sync lists the kernel's rules (stale chains, missing jumps) while the rules are generated
    const listing = full ? this.opts.iptables.save() : undefined;
    listing?.catch(() => undefined);
    const ports = this.currentPorts();
    const gen = generateRules(ports, this.opts.config, this.chainCache);
    let kernelChains: string[] | undefined;
    if (listing) {
      const save = await listing;
      const listed = parseSaveChains(save);
      kernelChains = listed.get('nat') ?? [];
      for (const t of CANARY_TABLES) if (!listed.get(t)?.includes(CANARY_CHAIN)) await this.opts.iptables.ensureChain(t, CANARY_CHAIN);
      for (const group of misplacedJumps((t, c) => chainRules(save, t, c), jumpChains(this.opts.config))) {
        await this.opts.iptables.prependJumps(group);
      }
    }
    const plan = planSync(gen, full ? undefined : this.applied, kernelChains);
    const payload = renderPayload(gen, { write: plan.write, stale: plan.stale });
    this.applied = undefined; // unknown until the restore succeeds
    await this.opts.iptables.restore(payload);
    this.applied = plan.next;
    if (full) this.lastFullSync = Date.now();
    const flows = staleUdpFlows(this.lastPorts, ports);
    this.lastPorts = ports;
    for (const args of flows) {
      // exit 1 with "0 flow entries have been deleted" is normal
      const r = await run([...(this.opts.commandPrefix ?? []), 'conntrack', ...args]);
      if (r.code > 1) this.opts.logger.warn({ args, stderr: r.stderr.trim() }, 'conntrack cleanup failed');
    }
    this.lastSyncTime = Date.now();
    const stats: SyncStats = {
      full,
      durationMs: performance.now() - t0,
      rules: countRules(payload),
      servicesWritten: plan.write ? plan.write.size : gen.services.length,
      staleChains: plan.stale.length,
    };
    this.opts.logger.debug({ ...stats }, 'synced iptables rules');
    this.opts.onSync?.(stats);
    return stats;
  }
}

function sliceService(s: discovery.EndpointSlice): string {
  return `${s.metadata?.namespace}/${s.metadata?.labels?.[SERVICE_NAME_LABEL] ?? ''}`;
}

function countRules(payload: string): number {
  let n = 0;
  let i = -1;
  while ((i = payload.indexOf('\n-A ', i + 1)) >= 0) n++;
  return n;
}

/** --cleanup: remove every jump and chain kube-proxy writes; nothing else. */
export async function cleanup(ipt: Iptables, cfg: ProxyConfig): Promise<number> {
  for (const j of jumpChains({ ...cfg, podNetworkCIDR: cfg.podNetworkCIDR ?? '0.0.0.0/0' })) await ipt.deleteJump(j);
  const chains = parseSaveChains(await ipt.save());
  const ours = {
    filter: [...FILTER_CHAINS, PODNET_FILTER_CHAIN, CANARY_CHAIN],
    nat: [...NAT_CHAINS, PODNET_NAT_CHAIN, CANARY_CHAIN],
  };
  const lines: string[] = [];
  let removed = 0;
  for (const table of ['filter', 'nat'] as const) {
    const present = chains.get(table) ?? [];
    const del = present.filter((c) => ours[table].includes(c) || (table === 'nat' && isServiceChainName(c)));
    if (del.length === 0) continue;
    lines.push(`*${table}`, ...del.map((c) => `:${c} - [0:0]`), ...del.map((c) => `-X ${c}`), 'COMMIT');
    removed += del.length;
  }
  if (lines.length) await ipt.restore(lines.join('\n') + '\n');
  return removed;
}

// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
// acquire when the lease is free or expired (judged by when WE last saw it change, so clock skew between
// hosts does not matter), renew every retry period, give up after the renew deadline; every write is an
// optimistic-concurrency update through resourceVersion, so two candidates can never both win.
import { R } from './api/resources';
import { isAlreadyExists, isConflict, isNotFound } from './api/status';
import type { KubeObject } from './api/types';
import type { ApiClient } from './client/api-client';
import { microTime } from './api/time';

export interface LeaderElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  /** On stop(), clear the holder so another candidate takes over at once (default true). */
  releaseOnCancel?: boolean;
  logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

export interface LeaderCallbacks {
  /** Called when this candidate becomes leader; `signal` aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called when leadership is lost or released. */
  onStoppedLeading(): void;
  /** Called whenever the observed leader changes (including to us). */
  onNewLeader?(identity: string): void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export class LeaderElector {
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private observed?: Lease;
  /** Local time when the observed lease last changed. */
  private observedAt = 0;
  private leading = false;
  private stopped = false;
  private wake?: () => void;
  private reportedLeader?: string;
  private running?: Promise<void>;

  constructor(
    private readonly client: ApiClient,
    private readonly opts: LeaderElectorOptions,
  ) {
    this.leaseMs = (opts.leaseDurationSeconds ?? 15) * 1000;
    this.renewDeadlineMs = (opts.renewDeadlineSeconds ?? 10) * 1000;
    this.retryMs = (opts.retryPeriodSeconds ?? 2) * 1000;
    if (this.leaseMs <= this.renewDeadlineMs) throw new Error('leaseDurationSeconds must be greater than renewDeadlineSeconds');
    if (this.renewDeadlineMs <= this.retryMs * 1.2) throw new Error('renewDeadlineSeconds must be greater than retryPeriodSeconds*1.2');
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The identity holding the lease as last observed ('' if none). */
  getLeader(): string {
    return this.observed?.spec?.holderIdentity ?? '';
  }

  /** Campaign until leader, lead until the lease cannot be renewed or stop() is called; then resolve. */
  run(cb: LeaderCallbacks): Promise<void> {
    this.running ??= this.campaign(cb);
    return this.running;
  }

  private async campaign(cb: LeaderCallbacks): Promise<void> {
    // Acquire.
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew(cb)) break;
      await this.sleep(this.retryMs * (1 + Math.random() * 0.2));
    }
    if (this.stopped) return;
    this.leading = true;
    const ac = new AbortController();
    this.opts.logger?.info({ lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity }, 'successfully acquired lease');
    void Promise.resolve()
      .then(() => cb.onStartedLeading(ac.signal))
      .catch((e: unknown) => this.opts.logger?.warn({ err: (e as Error)?.message ?? String(e) }, 'onStartedLeading failed'));
    // Renew until a renewal does not succeed within the deadline.
    let lastRenew = Date.now();
    while (!this.stopped) {
      await this.sleep(this.retryMs);
      if (this.stopped) break;
      if (await this.tryAcquireOrRenew(cb)) {
        lastRenew = Date.now();
        continue;
      }
      if (Date.now() - lastRenew >= this.renewDeadlineMs || this.heldByOther()) {
        this.opts.logger?.warn({ lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity }, 'failed to renew lease; leadership lost');
        break;
      }
    }
    if (this.stopped && this.opts.releaseOnCancel !== false) await this.release();
    this.leading = false;
    ac.abort();
    cb.onStoppedLeading();
  }

  /** Stop campaigning/leading; resolves once run() has ended (and the lease is released when we led). */
  stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    return this.running ?? Promise.resolve();
  }

  private heldByOther(): boolean {
    const h = this.observed?.spec?.holderIdentity;
    return !!h && h !== this.opts.identity;
  }

  private leases() {
    return this.client.resource<Lease>(R.leases);
  }

  private observe(lease: Lease, cb: LeaderCallbacks): void {
    const changed = !this.observed || this.observed.metadata.resourceVersion !== lease.metadata.resourceVersion;
    if (changed) {
      this.observed = lease;
      this.observedAt = Date.now();
    }
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      try {
        cb.onNewLeader?.(holder);
      } catch {
        // a callback bug must not break the election
      }
    }
  }

  private async tryAcquireOrRenew(cb: LeaderCallbacks): Promise<boolean> {
    const now = new Date();
    const leaseSeconds = Math.max(1, Math.ceil(this.leaseMs / 1000));
    const mine: LeaseSpec = { holderIdentity: this.opts.identity, leaseDurationSeconds: leaseSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 };
    let current: Lease;
    try {
      current = await this.leases().get(this.opts.name, this.opts.namespace);
    } catch (e) {
      if (!isNotFound(e)) {
        this.opts.logger?.warn({ err: (e as Error)?.message ?? String(e) }, 'error retrieving lease');
        return false;
      }
      try {
        const created = await this.leases().create(
          { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.opts.name, namespace: this.opts.namespace }, spec: mine },
          { namespace: this.opts.namespace },
        );
        this.observe(created, cb);
        return true;
      } catch (e2) {
        if (!isAlreadyExists(e2)) this.opts.logger?.warn({ err: (e2 as Error)?.message ?? String(e2) }, 'error creating lease');
        return false;
      }
    }
    this.observe(current, cb);
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const iHold = holder === this.opts.identity;
    const durationMs = (spec.leaseDurationSeconds ?? leaseSeconds) * 1000;
    if (holder && !iHold && this.observedAt + durationMs > Date.now()) return false; // held and not expired
    const next: LeaseSpec = iHold
      ? { ...spec, holderIdentity: this.opts.identity, leaseDurationSeconds: leaseSeconds, renewTime: microTime(now) }
      : { ...mine, leaseTransitions: (spec.leaseTransitions ?? 0) + (holder ? 1 : 0) };
    try {
      const updated = await this.leases().update({ ...current, spec: next });
      this.observe(updated, cb);
      return true;
    } catch (e) {
      if (!isConflict(e)) this.opts.logger?.warn({ err: (e as Error)?.message ?? String(e) }, 'error updating lease');
      return false;
    }
  }

  /** Give the lease up so the next candidate need not wait for it to expire (client-go ReleaseOnCancel). */
  private async release(): Promise<void> {
    const cur = this.observed;
    if (!cur || cur.spec?.holderIdentity !== this.opts.identity) return;
    try {
      const now = microTime();
      await this.leases().update({ ...cur, spec: { ...cur.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } });
    } catch (e) {
      this.opts.logger?.warn({ err: (e as Error)?.message ?? String(e) }, 'error releasing lease');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(t);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }
}

// Liveness, readiness and startup probes: one timer loop per (container instance, probe kind),
// honouring initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold, failureThreshold.
// Results feed the pod sync: readiness → ready, liveness/startup failure → kill (and restart by policy).
import { request } from 'node:http';
import { connect } from 'node:net';
import type { core, Logger } from '@minik8s/shared';
import type { ContainerRuntime } from '../runtime/runtime';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeTarget {
  podKey: string;
  podIP: string;
  containerId: string;
  spec: core.Container;
}

export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** Runs `exec` probes in the container (the runtime's exec); resolves with the exit code. */
export type ExecFn = (containerId: string, cmd: string[], timeoutMs: number) => Promise<{ exitCode: number; output: string }>;

/** Runs one probe (or lifecycle hook) against a container. */
export type ProbeRunner = (p: core.Probe, t: ProbeTarget) => Promise<ProbeResult>;

/** Probes as a node runs them: HTTP and TCP from this host to the pod, exec in the runtime. */
export function runtimeProber(runtime: ContainerRuntime): ProbeRunner {
  return (p, t) => runProbe(p, t, (id, cmd, ms) => runtime.execSync(id, cmd, ms));
}

export function resolvePort(port: number | string | undefined, c: core.Container): number {
  if (typeof port === 'number') return port;
  if (port && /^\d+$/.test(port)) return Number(port);
  const named = c.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`port "${port}" not found in container ports`);
  return named.containerPort;
}

export async function runProbe(p: core.Probe, t: ProbeTarget, exec: ExecFn): Promise<ProbeResult> {
  const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
  try {
    if (p.exec) {
      const r = await exec(t.containerId, p.exec.command ?? [], timeoutMs);
      return { ok: r.exitCode === 0, message: r.exitCode === 0 ? '' : `command exited with ${r.exitCode}: ${r.output.trim().slice(0, 200)}` };
    }
    if (p.httpGet) {
      const g = p.httpGet;
      const port = resolvePort(g.port, t.spec);
      const host = g.host || t.podIP;
      const code = await new Promise<number>((ok, fail) => {
        const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32' };
        for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
        const req = request({ host, port, path: g.path || '/', method: 'GET', headers, timeout: timeoutMs }, (res) => {
          res.resume();
          ok(res.statusCode ?? 0);
        });
        req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs}ms`)));
        req.on('error', fail);
        req.end();
      });
      const ok = code >= 200 && code < 400;
      return { ok, message: ok ? '' : `HTTP probe failed with statuscode: ${code}` };
    }
    if (p.tcpSocket) {
      const port = resolvePort(p.tcpSocket.port, t.spec);
      const host = p.tcpSocket.host || t.podIP;
      await new Promise<void>((ok, fail) => {
        const s = connect({ host, port });
        const timer = setTimeout(() => s.destroy(new Error(`dial tcp ${host}:${port}: i/o timeout`)), timeoutMs);
        s.once('connect', () => {
          clearTimeout(timer);
          s.destroy();
          ok();
        });
        s.once('error', (e) => {
          clearTimeout(timer);
          fail(e);
        });
      });
      return { ok: true, message: '' };
    }
    return { ok: true, message: 'no probe handler' };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

interface Worker {
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

export class ProbeManager {
  private workers = new Map<string, Worker>();
  /** containerId → ready (readiness); absent → not ready yet. */
  private readyById = new Map<string, boolean>();
  private startedById = new Map<string, boolean>();
  /** containerId → why it must be killed (liveness/startup failure). */
  readonly failed = new Map<string, string>();

  constructor(private run: ProbeRunner, private onChange: (podKey: string, kind: ProbeKind, containerName: string, ok: boolean, message: string) => void, private log: Logger) {}

  isReady(id: string, spec: core.Container): boolean {
    return spec.readinessProbe ? this.readyById.get(id) === true : true;
  }

  isStarted(id: string, spec: core.Container): boolean {
    return spec.startupProbe ? this.startedById.get(id) === true : true;
  }

  /** Start the probe loops of a running container instance (idempotent). */
  ensure(t: ProbeTarget, startedAtMs: number): void {
    const kinds: Array<[ProbeKind, core.Probe | undefined]> = [
      ['startup', t.spec.startupProbe],
      ['liveness', t.spec.livenessProbe],
      ['readiness', t.spec.readinessProbe],
    ];
    for (const [kind, probe] of kinds) {
      if (!probe) continue;
      const key = `${t.containerId}/${kind}`;
      if (this.workers.has(key)) continue;
      const w: Worker = { stopped: false };
      this.workers.set(key, w);
      this.loop(w, kind, probe, t, startedAtMs);
    }
  }

  /** Stop probing every container instance not in `alive`. */
  retain(alive: Set<string>): void {
    this.drop((id) => !alive.has(id));
  }

  /** Stop probing these container instances (they were removed). */
  forget(ids: Iterable<string>): void {
    const gone = new Set(ids);
    this.drop((id) => gone.has(id));
  }

  private drop(which: (id: string) => boolean): void {
    for (const [key, w] of this.workers) {
      const id = key.slice(0, key.indexOf('/'));
      if (!which(id)) continue;
      w.stopped = true;
      clearTimeout(w.timer);
      this.workers.delete(key);
      this.readyById.delete(id);
      this.startedById.delete(id);
      this.failed.delete(id);
    }
  }

  stopAll(): void {
    this.retain(new Set());
  }

  private loop(w: Worker, kind: ProbeKind, p: core.Probe, t: ProbeTarget, startedAtMs: number): void {
    const period = Math.max(1, p.periodSeconds ?? 10) * 1000;
    const successThreshold = Math.max(1, p.successThreshold ?? 1);
    const failureThreshold = Math.max(1, p.failureThreshold ?? 3);
    let successes = 0;
    let failures = 0;
    let last: boolean | undefined;
    const tick = async () => {
      if (w.stopped) return;
      // Liveness and readiness wait for the startup probe, as upstream.
      const gated = kind !== 'startup' && t.spec.startupProbe && !this.startedById.get(t.containerId);
      if (!gated) {
        const r = await this.run(p, t);
        if (w.stopped) return;
        if (r.ok) {
          successes++;
          failures = 0;
        } else {
          failures++;
          successes = 0;
        }
        let verdict: boolean | undefined;
        if (r.ok && successes >= (kind === 'readiness' ? successThreshold : 1)) verdict = true;
        if (!r.ok && failures >= failureThreshold) verdict = false;
        if (!r.ok) this.log.debug({ pod: t.podKey, container: t.spec.name, kind, message: r.message }, 'probe failed');
        if (verdict !== undefined && verdict !== last) {
          last = verdict;
          if (kind === 'readiness') this.readyById.set(t.containerId, verdict);
          if (kind === 'startup' && verdict) this.startedById.set(t.containerId, true);
          if (!verdict && kind !== 'readiness') {
            const what = kind === 'liveness' ? 'liveness' : 'startup';
            this.failed.set(t.containerId, `Container ${t.spec.name} failed ${what} probe, will be restarted`);
          }
          this.onChange(t.podKey, kind, t.spec.name, verdict, r.message);
          // A failed liveness/startup probe ends this instance; a passed startup probe is done.
          if ((!verdict && kind !== 'readiness') || (verdict && kind === 'startup')) return;
        }
      }
      w.timer = setTimeout(tick, period);
    };
    const delay = Math.max(0, startedAtMs + (p.initialDelaySeconds ?? 0) * 1000 - Date.now());
    w.timer = setTimeout(tick, delay);
  }
}

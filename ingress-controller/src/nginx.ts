// The nginx master process, as a child of the controller (the thin shell around the pure renderer):
// certificates and configuration written to files, every configuration tested with `nginx -t` before it
// is installed, reloads by SIGHUP (graceful: old workers finish their requests), and a reload counted as
// done only when the status server answers the new configuration's hash (new workers serve it) and every
// old worker has stopped taking connections (nginx's master waits 100 ms before telling them to).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { LineSplitter } from '@minik8s/shared';
import type { Cert } from './model';
import type { Rendered } from './nginx-conf';

export interface NginxOptions {
  binary: string;
  confDir: string;
  statusPort: number;
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };
  /** nginx exited without being asked to. */
  onExit(code: number | null, signal: string | null): void;
}

/** The configuration failed `nginx -t`: nothing was installed. */
export class ConfigTestError extends Error {}

const TMP_DIRS = ['client-body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];

export class Nginx {
  private child?: ChildProcess;
  private stopping = false;
  /** The hash of the configuration nginx runs. */
  current?: string;

  constructor(private readonly o: NginxOptions) {
    mkdirSync(join(o.confDir, 'certs'), { recursive: true, mode: 0o700 });
    chmodSync(join(o.confDir, 'certs'), 0o700);
    for (const d of TMP_DIRS) mkdirSync(join(o.confDir, 'tmp', d), { recursive: true });
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Test `conf` with the certificates it needs, then install it: start nginx or reload it. Returns the time taken. */
  async apply(conf: Rendered, certs: readonly Cert[]): Promise<{ testMs: number; reloadMs: number }> {
    this.writeCerts(certs);
    const next = join(this.o.confDir, 'nginx.conf.next');
    writeFileSync(next, conf.text, { mode: 0o600 });
    const t0 = performance.now();
    await this.test(next);
    const t1 = performance.now();
    const installed = join(this.o.confDir, 'nginx.conf');
    const previous = existsSync(installed) ? readFileSync(installed) : undefined;
    renameSync(next, installed);
    const old = this.running ? workersOf(this.child!.pid!) : [];
    if (this.running) this.child!.kill('SIGHUP');
    else this.start();
    try {
      await this.waitForHash(conf.hash);
      await this.waitForOldWorkers(old);
    } catch (e) {
      // nginx kept its running configuration (a reload that fails at run time, e.g. a port taken): so does the file
      if (previous) writeFileSync(installed, previous, { mode: 0o600 });
      throw e;
    }
    this.current = conf.hash;
    this.removeCerts(certs);
    return { testMs: t1 - t0, reloadMs: performance.now() - t1 };
  }

  /** `nginx -t`: ConfigTestError with nginx's own message when the configuration is refused. */
  private test(file: string): Promise<void> {
    return new Promise((ok, fail) => {
      // stdout is /dev/null: nginx opens the access log (/dev/stdout) while testing, and cannot open a socket
      const child = spawn(this.o.binary, ['-t', '-q', '-e', 'stderr', '-p', this.o.confDir, '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d.slice(0, 65536 - stderr.length)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('error', (e) => {
        clearTimeout(timer);
        fail(new Error(`cannot run ${this.o.binary}: ${e.message}`, { cause: e }));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) ok();
        else fail(new ConfigTestError(`nginx -t refused the configuration (exit ${code ?? signal}): ${stderr.trim()}`));
      });
    });
  }

  private start(): void {
    const child = spawn(this.o.binary, ['-e', 'stderr', '-p', this.o.confDir, '-c', join(this.o.confDir, 'nginx.conf')], { stdio: ['ignore', 'inherit', 'pipe'] });
    this.child = child;
    // nginx's error log, one structured line each, at nginx's own level
    const lines = new LineSplitter();
    child.stderr!.on('data', (d: Buffer) => {
      for (const line of lines.push(d)) {
        const level = /\[(emerg|alert|crit|error)\]/.test(line) ? 'error' : /\[warn\]/.test(line) ? 'warn' : 'info';
        this.o.log[level]({ nginx: line }, 'nginx');
      }
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (!this.stopping) this.o.onExit(code, signal);
    });
    this.o.log.info({ pid: child.pid }, 'nginx started');
  }

  /** Poll the status server until it answers `hash` (new connections each time: they land on new workers). */
  private async waitForHash(hash: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
      if ((await this.configHash()) === hash) return;
      if (!this.running) throw new Error('nginx exited (its error log is in the lines logged before)');
      if (Date.now() > deadline) throw new Error(`nginx did not load the new configuration within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /** Until each of `pids` has exited or is shutting down (it closes its listening sockets as it says so). */
  private async waitForOldWorkers(pids: number[], timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (pids.some((p) => takingConnections(p))) {
      if (Date.now() > deadline) throw new Error(`old nginx workers still take connections ${timeoutMs / 1000} s after the reload`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** The hash of the configuration the status server answers with, or undefined. */
  configHash(): Promise<string | undefined> {
    return new Promise((ok) => {
      const req = http.get({ host: '127.0.0.1', port: this.o.statusPort, path: '/configuration-hash', agent: false, timeout: 1000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => ok(res.statusCode === 200 ? body : undefined));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => ok(undefined));
    });
  }

  private writeCerts(certs: readonly Cert[]): void {
    for (const c of certs) {
      const file = join(this.o.confDir, 'certs', c.file);
      writeFileSync(`${file}.tmp`, c.pem, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    }
  }

  /** Certificates no configuration in use names any more. */
  private removeCerts(keep: readonly Cert[]): void {
    const names = new Set(keep.map((c) => c.file));
    for (const f of readdirSync(join(this.o.confDir, 'certs'))) if (!names.has(f)) rmSync(join(this.o.confDir, 'certs', f), { force: true });
  }

  /** Graceful stop (SIGQUIT: workers finish their requests), SIGKILL after `graceMs`. */
  async stop(graceMs = 8000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
    child.kill('SIGQUIT');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** The worker processes of an nginx master (Linux /proc; none where there is no /proc). */
function workersOf(master: number): number[] {
  try {
    return readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A worker that has not yet said it is shutting down (its process title changes when it does). */
function takingConnections(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('nginx: worker process is shutting down');
  } catch {
    return false;
  }
}

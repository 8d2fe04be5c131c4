// logs and exec: pick the pod (deploy/NAME → one of its pods) and the container as kubectl does, then
// stream pods/log, or speak the v5.channel.k8s.io WebSocket protocol to pods/exec.
import { isPodPhaseTerminal, isPodReady } from '@minik8s/shared/rules';
import { listObjects, getObject } from '../api';
import { parseResourceArgs, builtinType } from '../args';
import type { Ctx } from '../context';
import { CliError, ExitCode } from '../errors';
import { resourcePath, type KubeObject, type QueryValue } from '../shared';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Pod = KubeObject & { spec?: any; status?: any };

const DEFAULT_CONTAINER = 'kubectl.kubernetes.io/default-container';

/** `POD`, `pod/NAME`, `deploy/NAME` (or rs/sts/job...): the pod to use, with kubectl's "Found N pods" note. */
export async function resolvePod(ctx: Ctx, arg: string): Promise<Pod> {
  const pods = builtinType('pods');
  if (!arg.includes('/')) return getObject<Pod>(ctx, pods, ctx.namespace, arg);
  const [{ rt, names }] = await parseResourceArgs(ctx, [arg], 'logs');
  if (rt.kind === 'Pod') return getObject<Pod>(ctx, pods, ctx.namespace, names[0]);
  const owner = await getObject<Pod>(ctx, rt, ctx.namespace, names[0]);
  const sel = owner.spec?.selector?.matchLabels ?? (rt.kind === 'Service' ? owner.spec?.selector : undefined);
  if (!sel) throw new CliError(`cannot find the pods of ${arg}: it has no label selector`);
  const labelSelector = Object.entries(sel)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  const list = (await listObjects(ctx, pods, ctx.namespace, { labelSelector })).items as Pod[];
  if (list.length === 0) throw new CliError(`no pods found for ${arg} (selector ${labelSelector})`);
  // kubectl prefers running, ready, then newer pods.
  const score = (p: Pod) => (p.status?.phase === 'Running' ? 2 : 0) + (isPodReady(p) ? 1 : 0);
  list.sort((a, b) => score(b) - score(a) || String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)));
  if (list.length > 1) process.stderr.write(`Found ${list.length} pods, using pod/${list[0].metadata.name}\n`);
  return list[0];
}

function pickContainer(pod: Pod, given: string | undefined): string {
  const names: string[] = (pod.spec?.containers ?? []).map((c: any) => c.name);
  if (given) return given;
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER];
  if (annotated && names.includes(annotated)) return annotated;
  if (names.length > 1) process.stderr.write(`Defaulted container "${names[0]}" out of: ${names.join(', ')}\n`);
  if (!names[0]) throw new CliError(`pod ${pod.metadata.name} has no containers`);
  return names[0];
}

export interface LogsOptions {
  follow?: boolean;
  tail?: string;
  container?: string;
  previous?: boolean;
  timestamps?: boolean;
  selector?: string;
  sinceSeconds?: string;
  allContainers?: boolean;
  prefix?: boolean;
}

async function streamLog(ctx: Ctx, pod: Pod, container: string, o: LogsOptions, tailDefault?: number, prefix?: string): Promise<void> {
  const tail = o.tail !== undefined ? Number(o.tail) : tailDefault;
  const res = await ctx.client.request('GET', resourcePath(builtinType('pods'), pod.metadata.namespace, pod.metadata.name, 'log'), {
    stream: true,
    query: {
      container,
      follow: o.follow ? 'true' : undefined,
      tailLines: tail !== undefined && tail >= 0 ? tail : undefined,
      previous: o.previous ? 'true' : undefined,
      timestamps: o.timestamps ? 'true' : undefined,
      sinceSeconds: o.sinceSeconds,
    },
  });
  await new Promise<void>((resolve, reject) => {
    let rest = '';
    res.on('data', (c: Buffer) => {
      if (!prefix) {
        process.stdout.write(c);
        return;
      }
      const lines = (rest + c.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) process.stdout.write(`${prefix} ${l}\n`);
    });
    res.on('end', () => {
      if (prefix && rest) process.stdout.write(`${prefix} ${rest}\n`);
      resolve();
    });
    res.on('error', reject);
  });
}

export async function logs(ctx: Ctx, args: string[], o: LogsOptions): Promise<number> {
  if (o.selector) {
    const pods = (await listObjects(ctx, builtinType('pods'), ctx.namespace, { labelSelector: o.selector })).items as Pod[];
    if (pods.length === 0) {
      process.stderr.write(`No resources found in ${ctx.namespace} namespace.\n`);
      return 0;
    }
    await Promise.all(
      pods.map((p) => {
        const c = pickContainer(p, o.container);
        return streamLog(ctx, p, c, o, 10, o.prefix ? `[pod/${p.metadata.name}/${c}]` : undefined);
      }),
    );
    return 0;
  }
  if (args.length === 0) throw new CliError('expected POD or TYPE/NAME is a required argument for the logs command');
  const pod = await resolvePod(ctx, args[0]);
  const containers = o.allContainers
    ? (pod.spec?.containers ?? []).map((c: any) => c.name as string)
    : [args[1] ?? pickContainer(pod, o.container)];
  for (const c of containers) await streamLog(ctx, pod, c, o, undefined, o.prefix ? `[pod/${pod.metadata.name}/${c}]` : undefined);
  return 0;
}

// ---- exec and attach ------------------------------------------------------------------------------

type RemoteStatus = { status?: string; reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } };

/** kubectl's SetupTTY: a raw terminal only with stdin, a TTY requested and stdin being a terminal. */
function rawTerminal(o: { stdin?: boolean; tty?: boolean; quiet?: boolean }): boolean {
  if (!o.tty) return false;
  if (!process.stdin.isTTY) {
    if (!o.quiet) process.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    return false;
  }
  return !!o.stdin;
}

export interface SessionResult {
  /** The remote exit code (0 when the Status says Success or none came). */
  code: number;
  /** Whether any stdout/stderr bytes arrived. */
  output: boolean;
  /** Ended by the caller's signal, not by the server. */
  aborted: boolean;
}

/**
 * One exec/attach session over the v5.channel.k8s.io WebSocket: stdin (0), stdout (1), stderr (2), the
 * exit Status (3), resize (4) at start and on SIGWINCH with a raw terminal, stdin EOF as [255, 0].
 * `signal` ends the session from our side.
 */
/** Where a session's streams go: the terminal, or (cp) a tar stream in and out. */
export interface SessionIO {
  in: NodeJS.ReadableStream;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const TERMINAL: SessionIO = { in: process.stdin, out: process.stdout, err: process.stderr };

export async function streamSession(
  ctx: Ctx,
  pod: Pod,
  sub: 'exec' | 'attach',
  query: Record<string, QueryValue>,
  stdin: boolean,
  raw: boolean,
  signal?: AbortSignal,
  io: SessionIO = TERMINAL,
): Promise<SessionResult> {
  const url = ctx.client.url(resourcePath(builtinType('pods'), pod.metadata.namespace, pod.metadata.name, sub), {
    ...query,
    stdin: stdin ? 'true' : undefined,
    stdout: 'true',
    stderr: raw ? undefined : 'true',
    tty: raw ? 'true' : undefined,
  });
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const { default: WebSocket } = await import('ws');
  // the kubeconfig's TLS settings and credentials, as every other request
  const ws = new WebSocket(url, ['v5.channel.k8s.io'], await ctx.client.connectionOptions());
  let status: RemoteStatus | undefined;
  let output = false;
  const restore: (() => void)[] = [];
  const onAbort = () => ws.terminate();
  signal?.addEventListener('abort', onAbort, { once: true });
  restore.push(() => signal?.removeEventListener('abort', onAbort));
  return new Promise<SessionResult>((resolve, reject) => {
    const done = (code: number) => resolve({ code, output, aborted: !!signal?.aborted });
    ws.on('error', (e) => (signal?.aborted ? done(0) : reject(new CliError(`error dialing backend: ${e.message}`))));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        try {
          const s = JSON.parse(body);
          reject(new CliError(s.message ?? body));
        } catch {
          reject(new CliError(`error upgrading connection: HTTP ${res.statusCode}: ${body}`));
        }
      });
    });
    ws.on('open', () => {
      if (ws.protocol !== 'v5.channel.k8s.io') {
        reject(new CliError(`the server did not agree on the v5.channel.k8s.io protocol (got "${ws.protocol}")`));
        ws.close();
        return;
      }
      const send = (ch: number, data: Buffer | string) => ws.send(Buffer.concat([Buffer.from([ch]), Buffer.from(data)]));
      if (raw) {
        process.stdin.setRawMode(true);
        restore.push(() => process.stdin.setRawMode(false));
        const resize = () => send(4, JSON.stringify({ Width: process.stdout.columns ?? 80, Height: process.stdout.rows ?? 24 }));
        resize();
        process.stdout.on('resize', resize);
        restore.push(() => process.stdout.off('resize', resize));
      }
      if (stdin) {
        io.in.on('data', (d: Buffer) => send(0, d));
        io.in.on('end', () => send(255, Buffer.from([0])));
        restore.push(() => io.in.pause());
      }
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data.length === 0) return;
      const payload = data.subarray(1);
      if (data[0] === 1 || data[0] === 2) output ||= payload.length > 0;
      if (data[0] === 1) io.out.write(payload);
      else if (data[0] === 2) io.err.write(payload);
      else if (data[0] === 3 && payload.length) status = JSON.parse(payload.toString('utf8'));
    });
    ws.on('close', () => {
      if (!status || status.status === 'Success') return done(0);
      if (status.reason === 'NonZeroExitCode')
        return done(Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message ?? 1));
      reject(new CliError(status.message ?? `${sub} failed`));
    });
  }).finally(() => restore.forEach((f) => f()));
}

export async function exec(ctx: Ctx, args: string[], o: { container?: string; stdin?: boolean; tty?: boolean }): Promise<number> {
  const dash = process.argv.indexOf('--');
  const command = dash >= 0 ? process.argv.slice(dash + 1) : args.slice(1);
  if (args.length === 0) throw new CliError('pod, type/name or --filename must be specified');
  if (command.length === 0) throw new CliError('you must specify at least one command for the container');
  const pod = await resolvePod(ctx, args[0]);
  const phase = pod.status?.phase;
  if (isPodPhaseTerminal(phase)) throw new CliError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  const container = pickContainer(pod, o.container);
  const { code } = await streamSession(ctx, pod, 'exec', { command, container }, !!o.stdin, rawTerminal({ ...o, stdin: true }));
  if (code !== 0) {
    process.stderr.write(`command terminated with exit code ${code}\n`);
    throw new ExitCode(code);
  }
  return 0;
}

export interface AttachOptions {
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
}

export async function attach(ctx: Ctx, args: string[], o: AttachOptions): Promise<number> {
  if (args.length === 0) throw new CliError('at least 1 argument is required for attach');
  if (args.length > 2)
    throw new CliError(`expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw ${args.length}: [${args.join(' ')}]`);
  const pod = await resolvePod(ctx, args.length === 2 ? `${args[0]}/${args[1]}` : args[0]);
  const phase = pod.status?.phase;
  if (isPodPhaseTerminal(phase)) throw new CliError(`cannot attach a container in a completed pod; current phase is ${phase}`);
  return (await attachTo(ctx, pod, o)).code;
}

/** Attach to a running pod's container as kubectl's AttachOptions.Run does (TTY forced to the container's setting). */
export async function attachTo(ctx: Ctx, pod: Pod, o: AttachOptions, signal?: AbortSignal): Promise<SessionResult> {
  const name = pickContainer(pod, o.container);
  const spec = (pod.spec?.containers ?? []).find((c: any) => c.name === name);
  if (!spec) throw new CliError(`cannot attach to the container: container ${name} not found in pod ${pod.metadata.name}`);
  let tty = !!o.tty;
  if (tty && !spec.tty) {
    tty = false;
    if (!o.quiet) process.stderr.write(`error: Unable to use a TTY - container ${name} did not allocate one\n`);
  } else if (!tty && spec.tty) tty = true; // the container has a TTY: its stream has no stdout/stderr framing
  const raw = rawTerminal({ ...o, tty });
  if (!o.quiet) process.stderr.write("If you don't see a command prompt, try pressing enter.\n");
  const result = await streamSession(ctx, pod, 'attach', { container: name }, !!o.stdin, raw, signal);
  if (!o.quiet && o.stdin && raw)
    process.stdout.write(
      `Session ended, resume using 'mkctl attach ${pod.metadata.name} -c ${name} -n ${pod.metadata.namespace} -i -t' command\n`,
    );
  return result;
}

/** The pod's logs once (run -i when the pod finished before it could be attached). */
export async function printLogs(ctx: Ctx, pod: Pod, container?: string): Promise<void> {
  await streamLog(ctx, pod, pickContainer(pod, container), {});
}

// run --attach / -i [--rm]: after the pod is created, what kubectl's run.go does — wait for it to be Running
// and Ready (or already finished: then print its logs), attach, wait for it to finish when the exit code
// matters (restart Never/OnFailure), delete it with --rm, and exit with the container's exit code.
import { ResourceClient } from '@minik8s/shared/client';
import { isPodReady, isPodTerminal } from '@minik8s/shared/rules';
import { builtinType } from '../args';
import type { Ctx } from '../context';
import { CliError, CodeExitError } from '../errors';
import { isGone, type KubeObject } from '../shared';
import { del } from './modify';
import { attachTo, printLogs } from './pods';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Pod = KubeObject & { spec?: any; status?: any };

export interface AttachedRunOptions {
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
  rm?: boolean;
  leaveStdinOpen?: boolean;
  /** The restart policy kubectl reasons with: --restart, else OnFailure with -i, else Always. */
  restart: string;
  timeoutMs: number;
}

/** A pod condition as kubectl's watch conditions: true when met, 'completed' when the pod already finished. */
export type PodCondition = (pod: Pod) => boolean | 'completed';

export const podRunningAndReady: PodCondition = (p) => {
  if (isPodTerminal(p)) return 'completed';
  return p.status?.phase === 'Running' && isPodReady(p);
};
export const podCompleted: PodCondition = (p) => isPodTerminal(p);
export const podSucceeded: PodCondition = (p) => p.status?.phase === 'Succeeded';

/** List then watch the one pod until `cond` holds (UntilWithSync); NotFound if it is deleted meanwhile. */
export async function waitForPod(ctx: Ctx, ns: string, name: string, cond: PodCondition, timeoutMs: number, signal?: AbortSignal): Promise<Pod> {
  const rc = new ResourceClient<Pod>(ctx.client, builtinType('pods'));
  const fieldSelector = `metadata.name=${name}`;
  const deadline = Date.now() + timeoutMs;
  let rv: string | undefined;
  const relist = async () => {
    const list = await rc.list({ namespace: ns, fieldSelector });
    rv = list.metadata.resourceVersion;
    const current = list.items[0];
    return current && cond(current) ? current : undefined;
  };
  const now = await relist();
  if (now) return now;
  while (Date.now() < deadline && !signal?.aborted) {
    let result: Pod | undefined;
    let deleted = false;
    const timeoutSeconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    const w = rc.watch({ namespace: ns, fieldSelector, resourceVersion: rv, timeoutSeconds, allowWatchBookmarks: true }, (ev) => {
      rv = ev.object.metadata.resourceVersion ?? rv;
      if (ev.type === 'DELETED') deleted = true;
      else if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && cond(ev.object)) result = ev.object;
      else return;
      w.stop();
    });
    const stop = () => w.stop();
    signal?.addEventListener('abort', stop, { once: true });
    void w.done.finally(() => signal?.removeEventListener('abort', stop)).catch(() => undefined);
    try {
      await w.done;
    } catch (e) {
      if (!isGone(e)) throw e;
      // Our resourceVersion is too old: list again, as UntilWithSync does.
      const again = await relist();
      if (again) return again;
      continue;
    }
    if (deleted) throw new CliError(`pods "${name}" not found`);
    if (result) return result;
  }
  if (signal?.aborted) throw new CliError('the wait was cancelled');
  throw new CliError('timed out waiting for the condition');
}

/** How long an attach session may outlive its finished pod before we end it. */
const FINISHED_GRACE_MS = 3000;

/**
 * A container that exits while its attach is being set up can leave the session open with nothing left to
 * stream. Once the pod has finished (and a grace period passed), end `session`; `stop` ends this watch.
 */
async function endWhenFinished(ctx: Ctx, pod: Pod, session: AbortController, stop: AbortSignal): Promise<void> {
  try {
    await waitForPod(ctx, pod.metadata.namespace!, pod.metadata.name!, podCompleted, 24 * 3600_000, stop);
  } catch {
    return; // the session's own outcome decides
  }
  if (stop.aborted) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, FINISHED_GRACE_MS);
    stop.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
  if (!stop.aborted) session.abort();
}

async function attachOrLogs(ctx: Ctx, pod: Pod, o: AttachedRunOptions): Promise<void> {
  const name = pod.metadata.name!;
  const ready = await waitForPod(ctx, pod.metadata.namespace!, name, podRunningAndReady, o.timeoutMs);
  if (isPodTerminal(ready)) return printLogs(ctx, ready);
  const session = new AbortController();
  const watchdog = new AbortController();
  const watching = endWhenFinished(ctx, ready, session, watchdog.signal);
  try {
    const r = await attachTo(ctx, ready, { stdin: o.stdin, tty: o.tty, quiet: o.quiet }, session.signal);
    // Ended by us with nothing streamed: the output is in the finished container's log.
    if (r.aborted && !r.output) await printLogs(ctx, ready);
  } catch (e) {
    process.stderr.write(`warning: couldn't attach to pod/${name}, falling back to streaming logs: ${(e as Error).message}\n`);
    await printLogs(ctx, ready);
  } finally {
    watchdog.abort();
    await watching;
  }
}

/** Everything `run` does after creating `pod` when attaching; resolves with the exit code. */
export async function runAttached(ctx: Ctx, pod: Pod, o: AttachedRunOptions): Promise<number> {
  const ns = pod.metadata.namespace!;
  const name = pod.metadata.name!;
  try {
    await attachOrLogs(ctx, pod, o);
    const waitForExit = !o.leaveStdinOpen && (o.restart === 'Never' || o.restart === 'OnFailure');
    if (!waitForExit) return 0;
    const done = await waitForPod(ctx, ns, name, o.restart === 'OnFailure' ? podSucceeded : podCompleted, o.timeoutMs);
    if (done.status?.phase === 'Succeeded') return 0;
    if (done.status?.phase !== 'Failed') throw new CliError(`pod ${ns}/${name} left in phase ${done.status?.phase}`);
    const terminated = done.status?.containerStatuses?.[0]?.state?.terminated;
    if (!terminated?.exitCode) throw new CliError(`pod ${ns}/${name} failed with unknown exit code`);
    throw new CodeExitError(`pod ${ns}/${name} terminated (${terminated.reason ?? ''})\n${terminated.message ?? ''}`, terminated.exitCode);
  } finally {
    // --rm: run's DeleteOptions — default grace period, no wait, NotFound ignored.
    if (o.rm) await del(ctx, ['pod', name], { wait: false, ignoreNotFound: true });
  }
}


// mkctl trace pod/NAME [--watch]: how a pod came to be, step by step and to the millisecond — the apiserver
// write (creationTimestamp), the scheduler's queue wait, scheduling cycle and binding (the timing annotations
// of its Scheduled Event), the kubelet's pickup and sandbox (the annotations of its events), image pulls and
// container starts (the events' MicroTime eventTime), and Ready (a condition: second precision, marked ~).
import { TIMING } from '@minik8s/shared/rules';
import { getObject, listObjects } from '../api';
import { builtinType, parseResourceArgs } from '../args';
import type { Ctx } from '../context';
import { CliError } from '../errors';
import { formatColumns } from '../print/tabwriter';
import { ResourceClient, type KubeObject } from '../shared';
import type { CoreEvent } from './events';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Pod = KubeObject & { spec?: any; status?: any };

export interface Step {
  at: number;
  what: string;
  by: string;
  detail?: string;
  /** false: from a second-precision timestamp. */
  precise: boolean;
}

const ms = (t: string | null | undefined) => (t ? Date.parse(t) : NaN);

/** The pod's flow from its Events (eventTime and timing annotations) and status, in time order (pure). */
export function podTimeline(pod: Pod, events: CoreEvent[]): Step[] {
  const steps: Step[] = [];
  const add = (at: number, what: string, by: string, detail: string | undefined, precise: boolean) => {
    if (!Number.isNaN(at)) steps.push({ at, what, by, detail, precise });
  };
  add(ms(pod.metadata.creationTimestamp), 'Created', 'kube-apiserver', `pod ${pod.metadata.namespace}/${pod.metadata.name} stored`, false);
  let kubeletTimes = false;
  for (const e of events) {
    const by = (e.source?.component || e.reportingComponent || '?') + (e.source?.host ? ` on ${e.source.host}` : '');
    const a = e.metadata.annotations ?? {};
    const precise = !!e.eventTime;
    const at = precise ? ms(e.eventTime) : ms(e.firstTimestamp ?? e.lastTimestamp ?? e.metadata.creationTimestamp);
    if (e.reason === 'Scheduled' && a[TIMING.cycleStartedAt]) {
      add(ms(a[TIMING.queuedAt]), 'Queued', by, 'in the scheduling queue', true);
      const cycle = a[TIMING.cycleMs] ? `filtering and scoring took ${Number(a[TIMING.cycleMs]).toFixed(1)}ms` : undefined;
      add(ms(a[TIMING.cycleStartedAt]), 'Scheduling', by, cycle, true);
      add(ms(a[TIMING.bindingStartedAt]), 'Binding', by, 'binding sent to the apiserver', true);
    }
    if (!kubeletTimes && a[TIMING.podSeenAt]) {
      kubeletTimes = true;
      add(ms(a[TIMING.podSeenAt]), 'Picked up', by, 'the kubelet saw the pod bound to its node', true);
      if (a[TIMING.sandboxReadyAt]) add(ms(a[TIMING.sandboxReadyAt]), 'Sandbox ready', by, 'pod network namespace up', true);
    }
    const count = (e.count ?? 1) > 1 ? ` (x${e.count})` : '';
    add(at, `${e.reason ?? '?'}${count}`, by, e.message?.trim(), precise);
  }
  const conds: any[] = pod.status?.conditions ?? [];
  const sched = conds.find((c) => c.type === 'PodScheduled');
  if (sched?.status === 'False' && !events.some((e) => e.reason === 'FailedScheduling')) add(ms(sched.lastTransitionTime), 'Unschedulable', 'default-scheduler', sched.message ?? sched.reason, false);
  for (const c of pod.status?.containerStatuses ?? []) {
    if (c.state?.running?.startedAt && !events.some((e) => e.reason === 'Started')) add(ms(c.state.running.startedAt), 'Running', 'kubelet', `container ${c.name} running`, false);
  }
  const ready = conds.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') add(ms(ready.lastTransitionTime), 'Ready', 'kubelet', 'condition Ready=True', false);
  return steps.sort((x, y) => x.at - y.at);
}

const secs = (d: number) => `${(d / 1000).toFixed(3)}s`;

/** The ELAPSED cell: since creation and since the previous step; `~` marks second-precision times. */
export function elapsed(step: Step, start: number, prev: number): string {
  const mark = step.precise ? '' : '~';
  return `${mark}+${secs(step.at - start)} (+${secs(Math.max(0, step.at - prev))})`;
}

export function timelineRows(steps: Step[]): string[][] {
  const start = steps[0]?.at ?? Date.now();
  let prev = start;
  return steps.map((s) => {
    const row = [elapsed(s, start, prev), s.what, s.by, s.detail ?? ''];
    prev = s.at;
    return row;
  });
}

async function podEvents(ctx: Ctx, pod: Pod): Promise<CoreEvent[]> {
  const sel = `involvedObject.name=${pod.metadata.name},involvedObject.namespace=${pod.metadata.namespace},involvedObject.uid=${pod.metadata.uid}`;
  return (await listObjects(ctx, builtinType('events'), pod.metadata.namespace, { fieldSelector: sel })).items as CoreEvent[];
}

const HEADER = ['ELAPSED', 'STEP', 'BY', 'DETAIL'];

function summary(pod: Pod, steps: Step[]): string {
  const node = pod.spec?.nodeName;
  let out = '';
  if (!node) {
    const why = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled' && c.status === 'False');
    out += `\nNot scheduled: ${why?.message ?? 'the scheduler has not placed it yet (is a scheduler running?)'}\n`;
  } else if (!steps.some((s) => s.what === 'Ready')) out += `\nNot Ready yet.\n`;
  if (steps.some((s) => !s.precise)) out += `\n~: from a timestamp with second precision (creationTimestamp, conditions).\n`;
  return out;
}

export async function trace(ctx: Ctx, args: string[], o: { watch?: boolean } = {}): Promise<number> {
  const [req] = await parseResourceArgs(ctx, args, 'trace');
  if (req.rt.kind !== 'Pod' || req.names.length !== 1) throw new CliError('trace takes one pod: mkctl trace pod/NAME');
  const pods = builtinType('pods');
  let pod = await getObject<Pod>(ctx, pods, ctx.namespace, req.names[0]);
  const head = (p: Pod) => `pod/${p.metadata.name} in ${p.metadata.namespace}: ${p.status?.phase ?? 'Unknown'}${p.spec?.nodeName ? ` on node ${p.spec.nodeName}` : ', not scheduled'}\n`;
  if (!o.watch) {
    const steps = podTimeline(pod, await podEvents(ctx, pod));
    process.stdout.write(head(pod) + formatColumns([HEADER, ...timelineRows(steps)]) + summary(pod, steps));
    return 0;
  }
  return watchTrace(ctx, pod, head);
}

/** --watch: the steps so far, then each new one as the pod's Events and status bring it, until Ready (or Ctrl-C). */
async function watchTrace(ctx: Ctx, first: Pod, head: (p: Pod) => string): Promise<number> {
  let pod = first;
  const events = new Map<string, CoreEvent>();
  for (const e of await podEvents(ctx, pod)) events.set(e.metadata.name!, e);
  const printed = new Set<string>();
  const widths: number[] = [];
  let header = true;
  process.stdout.write(head(pod));
  const show = () => {
    const steps = podTimeline(pod, [...events.values()]);
    const rows = timelineRows(steps).filter((_, i) => !printed.has(`${steps[i].what}@${steps[i].at}`));
    for (const s of steps) printed.add(`${s.what}@${s.at}`);
    if (header) rows.unshift(HEADER);
    header = false;
    if (rows.length) process.stdout.write(formatColumns(rows, widths));
    return steps.some((s) => s.what === 'Ready') || ['Succeeded', 'Failed'].includes(pod.status?.phase);
  };
  if (show()) return 0;
  const m = pod.metadata;
  let done = false;
  const stopAll: (() => void)[] = [];
  const finish = () => {
    done = true;
    for (const s of stopAll) s();
  };
  const podWatch = new ResourceClient<Pod>(ctx.client, builtinType('pods')).watch({ namespace: m.namespace, fieldSelector: `metadata.name=${m.name}`, resourceVersion: m.resourceVersion }, (ev) => {
    if (ev.type === 'DELETED') {
      process.stdout.write(`\npod/${m.name} was deleted.\n`);
      return finish();
    }
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
    pod = ev.object;
    if (show()) finish();
  });
  const evWatch = new ResourceClient<CoreEvent>(ctx.client, builtinType('events')).watch(
    { namespace: m.namespace, fieldSelector: `involvedObject.name=${m.name},involvedObject.namespace=${m.namespace},involvedObject.uid=${m.uid}` },
    (ev) => {
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
      events.set(ev.object.metadata.name!, ev.object);
      if (show()) finish();
    },
  );
  stopAll.push(() => podWatch.stop(), () => evWatch.stop());
  process.once('SIGINT', finish);
  await Promise.race([podWatch.done, evWatch.done]);
  if (!done) finish();
  return 0;
}

// wait --for=delete|create|condition=TYPE[=VALUE]|jsonpath='{...}'[=VALUE] TYPE/NAME... | -l SEL | --all:
// each object is followed by a watch until the condition holds (`TYPE/NAME condition met`) or the
// timeout passes (`timed out waiting for the condition on RESOURCE/NAME`), as kubectl's wait.
import { kindPrefix } from '../args';
import type { Ctx } from '../context';
import { parseDuration } from '../duration';
import { CliError } from '../errors';
import { evaluate, parsePath } from '../print/jsonpath';
import { isNotFound, resourcePath, type KubeObject } from '../shared';
import { watchObject } from '../watch';
import { targets, type Selection, type Target } from './modify';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = KubeObject & { status?: any };

export type WaitFor =
  | { kind: 'delete' }
  | { kind: 'create' }
  | { kind: 'condition'; type: string; value: string }
  | { kind: 'jsonpath'; path: string; value?: string };

/** Parse --for as kubectl does (condition names and values compare case-insensitively). */
export function parseFor(spec: string | undefined): WaitFor {
  const s = spec ?? '';
  if (s.toLowerCase() === 'delete') return { kind: 'delete' };
  if (s.toLowerCase() === 'create') return { kind: 'create' };
  if (s.startsWith('condition=')) {
    const rest = s.slice('condition='.length);
    const i = rest.indexOf('=');
    return i >= 0 ? { kind: 'condition', type: rest.slice(0, i), value: rest.slice(i + 1) } : { kind: 'condition', type: rest, value: 'true' };
  }
  if (s.startsWith('jsonpath=')) {
    const rest = s.slice('jsonpath='.length);
    let expr = rest;
    let value: string | undefined;
    if (rest.startsWith('{')) {
      const close = rest.indexOf('}');
      if (close < 0) throw new CliError(`unrecognized condition: "${s}"`);
      expr = rest.slice(0, close + 1);
      const tail = rest.slice(close + 1);
      if (tail) {
        if (!tail.startsWith('=')) throw new CliError(`jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'`);
        value = tail.slice(1);
      }
    } else {
      const i = rest.indexOf('=');
      if (i >= 0) {
        expr = rest.slice(0, i);
        value = rest.slice(i + 1);
      }
    }
    if (value === '') throw new CliError('jsonpath wait has to have a value after equal sign');
    return { kind: 'jsonpath', path: expr.replace(/^\{(.*)\}$/, '$1'), value };
  }
  throw new CliError(`unrecognized condition: ${JSON.stringify(s)}`);
}

/** Whether the object meets the condition (pure). */
export function conditionMet(obj: Obj, f: WaitFor): boolean {
  if (f.kind === 'condition') {
    for (const c of obj.status?.conditions ?? []) {
      if (String(c.type).toLowerCase() !== f.type.toLowerCase()) continue;
      // A condition the controller has not yet re-evaluated for the current spec does not count.
      if (c.observedGeneration !== undefined && obj.metadata.generation !== undefined && c.observedGeneration !== obj.metadata.generation) return false;
      return String(c.status).toLowerCase() === f.value.toLowerCase();
    }
    return false;
  }
  if (f.kind === 'jsonpath') {
    const found = evaluate(parsePath(f.path), obj);
    if (found.length === 0) return false;
    if (f.value === undefined) return true;
    if (found.length > 1) throw new CliError(`given jsonpath expression matches more than one value`);
    const v = found[0];
    if (v !== null && typeof v === 'object') throw new CliError(`jsonpath leads to a nested object or list which is not supported`);
    return String(v) === f.value;
  }
  return f.kind === 'create';
}

export interface WaitOptions extends Selection {
  for?: string;
  timeout?: string;
  fieldSelector?: string;
}

export async function wait(ctx: Ctx, args: string[], o: WaitOptions): Promise<number> {
  const f = parseFor(o.for);
  let timeoutMs = o.timeout !== undefined ? parseDuration(o.timeout, 'timeout', 'wait') : 30_000;
  if (timeoutMs < 0) timeoutMs = 7 * 24 * 3600_000;
  const deadline = Date.now() + timeoutMs;
  const list: Target[] = await targets(ctx, args, o, 'wait');
  if (list.length === 0) {
    if (f.kind === 'delete') return 0;
    throw new CliError('no matching resources found');
  }
  for (const t of list) {
    const label = `${kindPrefix(t.rt)}/${t.name}`;
    let obj: Obj | undefined;
    try {
      obj = await ctx.client.request<Obj>('GET', resourcePath(t.rt, t.ns, t.name));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (!obj) {
      if (f.kind === 'delete') continue;
      if (f.kind !== 'create') throw await notFound(ctx, t);
      if ((await pollUntilCreated(ctx, t, deadline)) === 'timeout') throw new CliError('timed out waiting for the condition');
      process.stdout.write(`${label} condition met\n`);
      continue;
    }
    if (f.kind !== 'delete' && conditionMet(obj, f)) {
      process.stdout.write(`${label} condition met\n`);
      continue;
    }
    const uid = obj.metadata.uid;
    const r = await watchObject(ctx, t.rt, t.ns, t.name, obj.metadata.resourceVersion, deadline, (ev) => {
      if (f.kind === 'delete') return ev.type === 'DELETED' || (ev.object.metadata.uid !== uid && ev.type !== 'ERROR') ? 'done' : undefined;
      return ev.type !== 'DELETED' && conditionMet(ev.object as Obj, f) ? 'done' : undefined;
    });
    if (r === 'done') process.stdout.write(`${label} condition met\n`);
    else if (r === 'deleted') throw new CliError(`${t.rt.resource} "${t.name}" not found`);
    else throw new CliError(`timed out waiting for the condition on ${t.rt.resource}/${t.name}`);
  }
  return 0;
}

async function notFound(ctx: Ctx, t: Target): Promise<unknown> {
  try {
    await ctx.client.request('GET', resourcePath(t.rt, t.ns, t.name));
  } catch (e) {
    return e;
  }
  return new CliError(`${t.rt.resource} "${t.name}" not found`);
}

/** --for=create on a name that does not exist yet: look again every second (kubectl polls too). */
async function pollUntilCreated(ctx: Ctx, t: Target, deadline: number): Promise<'created' | 'timeout'> {
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, deadline - Date.now()))));
    try {
      await ctx.client.request('GET', resourcePath(t.rt, t.ns, t.name));
      return 'created';
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  return 'timeout';
}

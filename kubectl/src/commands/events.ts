// events [--for TYPE/NAME] [--types Normal,Warning] [-A] [-w] [-o ...]: core/v1 Events sorted by when they
// last happened (series, lastTimestamp, else eventTime), in kubectl events' columns.
import { listObjects } from '../api';
import { builtinType, parseResourceArgs } from '../args';
import type { Ctx } from '../context';
import { CliError } from '../errors';
import { formatColumns } from '../print/tabwriter';
import { toJson, toYaml } from '../print/yaml';
import { apiVersionOf, ResourceClient, type KubeObject } from '../shared';
import { humanDuration } from '@minik8s/shared/rules';

export type CoreEvent = KubeObject & {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; name?: string; namespace?: string; apiVersion?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
};

/** When the event last happened, as kubectl events sorts them. */
export function lastSeen(e: CoreEvent): number {
  const t = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime;
  return t ? Date.parse(t) : 0;
}

const since = (t: string | null | undefined, now: number) => (t ? humanDuration(now - Date.parse(t)) : '<unknown>');

/** kubectl events' LAST SEEN cell. */
export function interval(e: CoreEvent, now = Date.now()): string {
  const first = e.eventTime ? since(e.eventTime, now) : since(e.firstTimestamp, now);
  if (e.series) return `${since(e.series.lastObservedTime, now)} (x${e.series.count} over ${first})`;
  if ((e.count ?? 0) > 1) return `${since(e.lastTimestamp, now)} (x${e.count} over ${first})`;
  return first;
}

export function eventRow(e: CoreEvent, allNamespaces: boolean, now = Date.now()): string[] {
  const row = [interval(e, now), e.type ?? '', e.reason ?? '', `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`, (e.message ?? '').trim()];
  return allNamespaces ? [e.metadata.namespace ?? '', ...row] : row;
}

const HEADER = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];

export interface EventsOptions {
  for?: string;
  types?: string[];
  allNamespaces?: boolean;
  watch?: boolean;
  output?: string;
  noHeaders?: boolean;
}

export async function events(ctx: Ctx, o: EventsOptions): Promise<number> {
  for (const t of o.types ?? []) if (!/^(normal|warning)$/i.test(t)) throw new CliError('valid --types are Normal or Warning');
  const keep = (e: CoreEvent) => !o.types?.length || o.types.some((t) => t.toLowerCase() === (e.type ?? '').toLowerCase());
  let fieldSelector: string | undefined;
  if (o.for) {
    if (!o.for.includes('/')) throw new CliError(`--for must be in resource/name form`);
    const [req] = await parseResourceArgs(ctx, [o.for], 'events');
    fieldSelector = `involvedObject.kind=${req.rt.kind},involvedObject.apiVersion=${apiVersionOf(req.rt)},involvedObject.name=${req.names[0]}`;
  }
  const rt = builtinType('events');
  const ns = o.allNamespaces ? undefined : ctx.namespace;
  const all = !!o.allNamespaces;
  if (o.watch) return watchEvents(ctx, ns, fieldSelector, keep, all, o);
  const items = ((await listObjects(ctx, rt, ns, { fieldSelector })).items as CoreEvent[]).filter(keep);
  if (o.output) {
    const list = { apiVersion: 'v1', items: items.sort((a, b) => lastSeen(a) - lastSeen(b)), kind: 'EventList', metadata: {} };
    if (o.output === 'json') process.stdout.write(toJson(list));
    else if (o.output === 'yaml') process.stdout.write(toYaml(list));
    else if (o.output === 'name') {
      // kubectl events prints nothing for -o name.
    }
    else throw new CliError(`unable to match a printer suitable for the output format "${o.output}", allowed formats are: json,name,yaml`);
    return 0;
  }
  if (items.length === 0) {
    process.stderr.write(all ? 'No events found.\n' : `No events found in ${ctx.namespace} namespace.\n`);
    return 0;
  }
  // A stable sort, as Go's sort.Sort is not: equal times keep the server's order here.
  items.sort((a, b) => lastSeen(a) - lastSeen(b));
  const now = Date.now();
  const rows = items.map((e) => eventRow(e, all, now));
  if (!o.noHeaders) rows.unshift(all ? ['NAMESPACE', ...HEADER] : HEADER);
  process.stdout.write(formatColumns(rows));
  return 0;
}

/** -w: every event as it is added or changed (deletions, an hour on, are not news), aligned as it goes. */
async function watchEvents(ctx: Ctx, ns: string | undefined, fieldSelector: string | undefined, keep: (e: CoreEvent) => boolean, all: boolean, o: EventsOptions): Promise<number> {
  const widths: number[] = [];
  let header = !o.noHeaders;
  const w = new ResourceClient<CoreEvent>(ctx.client, builtinType('events')).watch({ namespace: ns, fieldSelector }, (ev) => {
    if (ev.type === 'DELETED' || ev.type === 'BOOKMARK' || !keep(ev.object)) return;
    const rows = [eventRow(ev.object, all)];
    if (header) rows.unshift(all ? ['NAMESPACE', ...HEADER] : HEADER);
    header = false;
    process.stdout.write(formatColumns(rows, widths));
  });
  process.once('SIGINT', () => w.stop());
  await w.done;
  return 0;
}

// events.k8s.io/v1 Events: the core/v1 Events, stored once, served in the events.k8s.io group too, with
// upstream's field mapping (pkg/apis/events/v1/conversion.go): involvedObject ⇄ regarding, message ⇄ note,
// source ⇄ deprecatedSource, firstTimestamp/lastTimestamp/count ⇄ deprecatedFirstTimestamp/
// deprecatedLastTimestamp/deprecatedCount, reportingComponent ⇄ reportingController. Writes at this version
// get the strict rules upstream applies to events.k8s.io/v1 requests (ValidateEventCreate/Update); field
// selectors are only metadata.name and metadata.namespace here (upstream converts the others for core/v1 only).
import { deepEqual } from '../../registry/objects';
import { dns1123SubdomainErrors, fe, type Cause } from '../../registry/fielderrors';
import type { Conversion, VersionDef } from '../../registry/strategy';
import { isObj, type Obj } from '../helpers';

/** core/v1 field → events.k8s.io/v1 field; the others keep their names. */
const RENAMED: ReadonlyArray<readonly [string, string]> = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

function rename(o: Obj, pairs: ReadonlyArray<readonly [string, string]>): Obj {
  const out: Obj = {};
  const to = new Map(pairs);
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[to.get(k) ?? k] = v;
  return out;
}

/** A stored (core/v1) Event as events.k8s.io/v1 shows it; Go writes its non-pointer structs and times even when empty. */
export function toEventsV1(e: Obj): Obj {
  const out = rename(e, RENAMED);
  return {
    ...out,
    eventTime: out.eventTime ?? null,
    regarding: out.regarding ?? {},
    deprecatedSource: out.deprecatedSource ?? {},
    deprecatedFirstTimestamp: out.deprecatedFirstTimestamp ?? null,
    deprecatedLastTimestamp: out.deprecatedLastTimestamp ?? null,
  };
}

/** An events.k8s.io/v1 Event as core/v1 stores it (empty structs and zero times dropped). */
export function toCoreV1(e: Obj): Obj {
  const out = rename(e, RENAMED.map(([a, b]) => [b, a] as const));
  for (const k of ['involvedObject', 'source']) if (isObj(out[k]) && !Object.keys(out[k]).length) delete out[k];
  return out;
}

const conversion: Conversion = { toStorage: toCoreV1, fromStorage: toEventsV1 };

const set = (v: unknown) => v !== undefined && v !== null && v !== '' && v !== 0;

/** validateV1EventSeries */
function validateSeries(e: Obj): Cause[] {
  if (!isObj(e.series)) return [];
  const errs: Cause[] = [];
  if (!(typeof e.series.count === 'number' && e.series.count >= 2)) errs.push(fe.invalid('series.count', '', 'should be at least 2'));
  if (!e.series.lastObservedTime) errs.push(fe.required('series.lastObservedTime'));
  return errs;
}

/** The strict part of ValidateEventCreate for events.k8s.io/v1 requests (on the stored, core/v1 shape). */
export function validateCreate(e: Obj): Cause[] {
  const errs: Cause[] = [];
  const name = e.metadata?.name;
  if (typeof name === 'string' && name) for (const m of dns1123SubdomainErrors(name)) errs.push(fe.invalid('metadata.name', name, m));
  errs.push(...validateSeries(e));
  if (!e.eventTime) errs.push(fe.required('eventTime'));
  if (e.type !== 'Normal' && e.type !== 'Warning') errs.push(fe.invalid('type', '', `has invalid value: ${e.type ?? ''}`));
  for (const f of ['firstTimestamp', 'lastTimestamp', 'count']) if (set(e[f])) errs.push(fe.invalid(f, '', 'needs to be unset'));
  if (set(e.source?.component) || set(e.source?.host)) errs.push(fe.invalid('source', '', 'needs to be unset'));
  return errs;
}

/** Field paths as upstream names them (reportingController is core's reportingComponent). */
const IMMUTABLE: ReadonlyArray<readonly [string, string]> = [
  ['involvedObject', 'involvedObject'], ['reason', 'reason'], ['message', 'message'], ['source', 'source'],
  ['firstTimestamp', 'firstTimestamp'], ['lastTimestamp', 'lastTimestamp'], ['count', 'count'], ['type', 'type'],
  ['eventTime', 'eventTime'], ['action', 'action'], ['related', 'related'], ['reportingComponent', 'reportingController'],
  ['reportingInstance', 'reportingInstance'],
];

/** The strict part of ValidateEventUpdate for events.k8s.io/v1 requests. */
export function validateUpdate(next: Obj, old: Obj): Cause[] {
  const errs = deepEqual(next.series, old.series) ? [] : validateSeries(next);
  for (const [f, path] of IMMUTABLE) if (!deepEqual(next[f] ?? undefined, old[f] ?? undefined)) errs.push(fe.immutable(path, next[f] ?? ''));
  return errs;
}

export const EVENTS_V1: VersionDef = {
  name: 'v1',
  group: 'events.k8s.io',
  conversion,
  selectableFields: null,
  validateCreate,
  validateUpdate,
};

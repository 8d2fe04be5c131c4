// Events (core/v1, upstream pkg/registry/core/event): any name, an involvedObject required, the field
// selectors `kubectl describe` and the controllers use, a PUT of a missing one creates it, and each expires
// --event-ttl after its last write (an etcd lease), so they cannot fill etcd. Served as events.k8s.io/v1 too
// (../events/v1.ts).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { fe, type Cause } from '../../registry/fielderrors';
import { int32, obj, qualifiedName, str as strField } from '../../registry/validation';
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { ResourceStrategy } from '../../registry/strategy';
import { NAME_DESCRIPTION, col, nameOf, wide } from '../../tables/columns';
import { since } from '../../tables/format';
import { str, type Obj } from '../helpers';
import { EVENTS_V1 } from '../events/v1';

function eventSource(o: any): string {
  const component = o.source?.component || o.reportingComponent || '';
  const host = o.source?.host || o.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

const LIMIT_128 = 128;
const NOTE_LIMIT = 1024;

/** legacyValidateEvent: the namespace agrees with the involved object's; new-style events (eventTime set) name their reporter. */
function validate(o: Obj): Cause[] {
  const errs: Cause[] = [];
  const io = obj(errs, 'involvedObject', o.involvedObject, true) ?? {};
  const ioNamespace = strField(errs, 'involvedObject.namespace', io.namespace) ?? '';
  for (const f of ['kind', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) strField(errs, `involvedObject.${f}`, io[f]);
  const ns = o.metadata?.namespace ?? '';
  const eventTime = strField(errs, 'eventTime', o.eventTime);
  const mismatch = () => errs.push(fe.invalid('involvedObject.namespace', ioNamespace, 'does not match event.namespace'));
  if (!eventTime) {
    if (ioNamespace ? ns !== ioNamespace : ns !== '' && ns !== 'default') mismatch();
  } else {
    if (!ioNamespace && ns !== 'default' && ns !== 'kube-system') mismatch();
    const controller = strField(errs, 'reportingComponent', o.reportingComponent);
    if (!controller) errs.push(fe.required('reportingComponent'));
    qualifiedName(errs, 'reportingComponent', controller ?? '');
    for (const [f, limit] of [['reportingInstance', LIMIT_128], ['action', LIMIT_128], ['reason', LIMIT_128]] as const) {
      const v = strField(errs, f, o[f]);
      if (!v) errs.push(fe.required(f));
      else if (v.length > limit) errs.push(fe.invalid(f, '', `can have at most ${limit} characters`));
    }
    const note = strField(errs, 'message', o.message);
    if (note && note.length > NOTE_LIMIT) errs.push(fe.invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  }
  for (const f of ['reason', 'message', 'type', 'action', 'reportingInstance', 'firstTimestamp', 'lastTimestamp']) strField(errs, f, o[f]);
  int32(errs, 'count', o.count);
  const source = obj(errs, 'source', o.source);
  for (const f of ['component', 'host']) strField(errs, `source.${f}`, source?.[f]);
  return errs;
}

const involved = (f: string) => (o: any) => str(o.involvedObject?.[f]);

/** Events, each expiring `ttlSeconds` after its last write (--event-ttl, 1h by default as upstream). */
export const eventsKind = (ttlSeconds: number): ResourceStrategy => ({ ...events, ttlSeconds: ttlSeconds > 0 ? ttlSeconds : undefined });

export const events: ResourceStrategy = {
  group: '',
  kind: 'Event',
  resource: 'events',
  namespaced: true,
  shortNames: ['ev'],
  versions: [{ name: 'v1' }, EVENTS_V1],
  nameRule: null,
  createOnUpdate: true,
  validate,
  table: {
    columns: [
      col('Last Seen', { description: 'The last time the event was seen' }),
      col('Type', { description: 'The type of the event' }),
      col('Reason', { description: 'The reason the event was generated' }),
      col('Object', { description: 'The object the event is about' }),
      wide('Subobject', 'The subobject the event is about'),
      wide('Source', 'The source of the event'),
      col('Message', { description: 'A human-readable description of the event' }),
      wide('First Seen', 'The first time the event was seen'),
      wide('Count', 'The number of times this event has occurred.'),
      col('Name', { priority: 1, format: 'name', description: NAME_DESCRIPTION }),
    ],
    cells(o, now) {
      let first = o.firstTimestamp ? since(o.firstTimestamp, now) : since(o.eventTime, now);
      let last = o.lastTimestamp ? since(o.lastTimestamp, now) : first;
      let count = o.count || 1;
      if (o.series) {
        last = since(o.series.lastObservedTime, now);
        count = o.series.count;
      }
      if (!o.firstTimestamp && !o.eventTime) first = '<unknown>';
      const io = o.involvedObject ?? {};
      const target = io.name ? `${String(io.kind ?? '').toLowerCase()}/${io.name}` : String(io.kind ?? '').toLowerCase();
      return [last, o.type ?? '', o.reason ?? '', target, io.fieldPath ?? '', eventSource(o), String(o.message ?? '').trim(), first, count, nameOf(o)];
    },
  },
  selectableFields: {
    ...METADATA_SELECTABLE,
    'involvedObject.kind': involved('kind'),
    'involvedObject.namespace': involved('namespace'),
    'involvedObject.name': involved('name'),
    'involvedObject.uid': involved('uid'),
    'involvedObject.apiVersion': involved('apiVersion'),
    'involvedObject.resourceVersion': involved('resourceVersion'),
    'involvedObject.fieldPath': involved('fieldPath'),
    reason: (o) => str(o.reason),
    reportingComponent: (o) => str(o.reportingComponent),
    source: (o) => str(o.source?.component),
    type: (o) => str(o.type),
  },
};

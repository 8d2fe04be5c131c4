// Events (core/v1, upstream pkg/registry/core/event): any name, an involvedObject required, the field
// selectors `kubectl describe` and the controllers use, and a PUT of a missing one creates it. Served as
// events.k8s.io/v1 too (../events/v1.ts).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { fe } from '../../registry/fielderrors';
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { ResourceStrategy } from '../../registry/strategy';
import { NAME_DESCRIPTION, col, nameOf, wide } from '../../tables/columns';
import { since } from '../../tables/format';
import { isObj, str } from '../helpers';
import { EVENTS_V1 } from '../events/v1';

function eventSource(o: any): string {
  const component = o.source?.component || o.reportingComponent || '';
  const host = o.source?.host || o.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

const involved = (f: string) => (o: any) => str(o.involvedObject?.[f]);

export const events: ResourceStrategy = {
  group: '',
  kind: 'Event',
  resource: 'events',
  namespaced: true,
  shortNames: ['ev'],
  versions: [{ name: 'v1' }, EVENTS_V1],
  nameRule: null,
  createOnUpdate: true,
  validate: (o) => (isObj(o.involvedObject) ? [] : [fe.required('involvedObject')]),
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

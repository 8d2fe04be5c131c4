// events.k8s.io/v1 Events: the core/v1 Events served in a second group with upstream's field mapping,
// its strict create/update rules, and its own field selectors; one stored object seen both ways.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCoreV1, toEventsV1, validateCreate, validateUpdate } from '../src/kinds/events/v1';
import { inProcessServer, type InProcess } from './inprocess';

const core = {
  metadata: { name: 'web.1', namespace: 'default' },
  involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
  reason: 'Started',
  message: 'Started container c',
  source: { component: 'kubelet', host: 'n1' },
  firstTimestamp: '2024-01-01T00:00:00Z',
  lastTimestamp: '2024-01-01T00:00:05Z',
  count: 2,
  type: 'Normal',
  reportingComponent: 'kubelet',
  reportingInstance: 'n1',
};

const v1 = {
  metadata: { name: 'web.1', namespace: 'default' },
  regarding: { kind: 'Pod', name: 'web', namespace: 'default' },
  reason: 'Started',
  note: 'Started container c',
  deprecatedSource: { component: 'kubelet', host: 'n1' },
  deprecatedFirstTimestamp: '2024-01-01T00:00:00Z',
  deprecatedLastTimestamp: '2024-01-01T00:00:05Z',
  deprecatedCount: 2,
  type: 'Normal',
  reportingController: 'kubelet',
  reportingInstance: 'n1',
  eventTime: null,
};

describe('conversion', () => {
  it('maps every renamed field both ways, Go-style empty values on the v1 side', () => {
    expect(toEventsV1(core)).toEqual(v1);
    expect(toCoreV1(v1)).toEqual(core);
    expect(toEventsV1({ metadata: {}, reason: 'X' })).toEqual({ metadata: {}, reason: 'X', eventTime: null, regarding: {}, deprecatedSource: {}, deprecatedFirstTimestamp: null, deprecatedLastTimestamp: null });
    expect(toCoreV1({ metadata: {}, regarding: {}, deprecatedSource: {}, eventTime: null })).toEqual({ metadata: {} });
  });

  it('keeps series, related, action and eventTime', () => {
    const extra = { series: { count: 3, lastObservedTime: '2024-01-01T00:00:09.000000Z' }, related: { kind: 'Node', name: 'n1' }, action: 'Binding', eventTime: '2024-01-01T00:00:00.123456Z' };
    expect(toCoreV1(toEventsV1({ ...core, ...extra }))).toEqual({ ...core, ...extra });
  });
});

describe('strict rules of events.k8s.io/v1 writes', () => {
  const ok = { metadata: { name: 'e1', namespace: 'default' }, eventTime: '2024-01-01T00:00:00.000000Z', type: 'Normal', reason: 'R', action: 'A', reportingComponent: 'c', reportingInstance: 'i' };
  it.each([
    ['a valid one', ok, []],
    ['no eventTime, a bad type', { ...ok, eventTime: undefined, type: 'Odd' }, ['eventTime: Required value', 'type: Invalid value: "": has invalid value: Odd']],
    ['deprecated fields set', { ...ok, count: 1, firstTimestamp: 'x', source: { component: 'k' } }, ['firstTimestamp: Invalid value: "": needs to be unset', 'count: Invalid value: "": needs to be unset', 'source: Invalid value: "": needs to be unset']],
    ['a short series', { ...ok, series: { count: 1 } }, ['series.count: Invalid value: "": should be at least 2', 'series.lastObservedTime: Required value']],
    ['a name that is no DNS subdomain', { ...ok, metadata: { name: 'A_B', namespace: 'default' } }, [expect.stringMatching(/^metadata\.name: Invalid value: "A_B": a lowercase RFC 1123 subdomain/)]],
  ])('%s', (_w, e, want) => {
    expect(validateCreate(e).map((c) => `${c.field}: ${c.message}`)).toEqual(want);
  });

  it('updates keep everything but the series', () => {
    const next = { ...ok, series: { count: 2, lastObservedTime: 't' }, reason: 'Other', reportingComponent: 'd' };
    expect(validateUpdate(next, ok).map((c) => `${c.field}: ${c.message}`)).toEqual(['reason: Invalid value: "Other": field is immutable', 'reportingController: Invalid value: "d": field is immutable']);
  });
});

describe('served in both groups', () => {
  let api: InProcess;
  beforeAll(async () => {
    api = inProcessServer();
    await api.ready();
  });
  afterAll(() => api.close());
  const EV1 = '/apis/events.k8s.io/v1/namespaces/default/events';

  it('one object, written at either version, read at both', async () => {
    expect((await api.req('POST', '/api/v1/namespaces/default/events', { apiVersion: 'v1', kind: 'Event', ...core })).code).toBe(201);
    const got = await api.req('GET', `${EV1}/web.1`);
    expect(got.code).toBe(200);
    expect(got.body).toMatchObject({ apiVersion: 'events.k8s.io/v1', kind: 'Event', ...v1, metadata: { name: 'web.1' } });
    expect(got.body.involvedObject).toBeUndefined();

    const created = await api.req('POST', EV1, { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'new.1' }, eventTime: '2024-01-01T00:00:00.123456Z', type: 'Warning', reason: 'Failed', action: 'Pulling', note: 'no such image', regarding: { kind: 'Pod', name: 'web', namespace: 'default' }, reportingController: 'kubelet', reportingInstance: 'n1' });
    expect(created.code).toBe(201);
    const asCore = await api.req('GET', '/api/v1/namespaces/default/events/new.1');
    expect(asCore.body).toMatchObject({ apiVersion: 'v1', message: 'no such image', reportingComponent: 'kubelet', involvedObject: { name: 'web' }, eventTime: '2024-01-01T00:00:00.123456Z' });

    const list = await api.req('GET', EV1);
    expect(list.body).toMatchObject({ apiVersion: 'events.k8s.io/v1', kind: 'EventList' });
    expect(list.body.items.map((e: any) => e.note).sort()).toEqual(['Started container c', 'no such image']);
  });

  it('refuses a strict-rule violation at v1 that core/v1 accepts (422), and core field selectors (400)', async () => {
    const bad = await api.req('POST', EV1, { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'bad' }, type: 'Normal', regarding: { kind: 'Pod', name: 'web', namespace: 'default' }, deprecatedCount: 3 });
    expect(bad.code).toBe(422);
    expect(bad.body.details.causes.map((c: any) => c.field)).toEqual(expect.arrayContaining(['eventTime', 'count']));
    const sel = await api.req('GET', `${EV1}?fieldSelector=involvedObject.name%3Dweb`);
    expect(sel.code).toBe(400);
    expect(sel.body.message).toContain('"involvedObject.name" is not a known field selector: only "metadata.name", "metadata.namespace"');
    expect((await api.req('GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb')).body.items).toHaveLength(2);
  });

  it('is discovered as its own group, after the kinds\' own groups', async () => {
    const groups = (await api.req('GET', '/apis')).body.groups.map((g: any) => g.name);
    expect(groups.slice(0, groups.indexOf('events.k8s.io'))).toEqual(expect.arrayContaining(['apps', 'discovery.k8s.io', 'storage.k8s.io', 'apiextensions.k8s.io']));
    const res = (await api.req('GET', '/apis/events.k8s.io/v1')).body.resources;
    expect(res).toEqual([expect.objectContaining({ name: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'] })]);
  });
});

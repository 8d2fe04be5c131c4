// A kind registered at run time (as a CustomResourceDefinition will register one) through the same
// interface as the built-in kinds: served at two versions, stored, selected, printed, discovered, and
// gone again when unregistered, with no generic code knowing it. The whole apiserver runs in-process on
// an in-memory store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METADATA_SELECTABLE } from '../src/registry/kinds';
import type { KindOpenApi, ResourceStrategy } from '../src/registry/strategy';
import { fe } from '../src/registry/fielderrors';
import { AGE, NAME, ageOf, col, nameOf } from '../src/tables/columns';
import { inProcessServer } from './inprocess';

const GROUP = 'toys.example.com';

/** The schema v1beta1 brings, as a CustomResourceDefinition's would be given (v1alpha1 has none). */
const WIDGET_SCHEMA: KindOpenApi = {
  definition: 'com.example.toys.v1beta1.Widget',
  definitions: {
    'com.example.toys.v1beta1.Widget': {
      description: 'A Widget is a toy.',
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
        spec: {
          description: 'What the widget should be.',
          type: 'object',
          properties: {
            size: { type: 'integer', description: 'Size in centimetres.' },
            color: { type: 'string' },
            parts: {
              type: 'array',
              items: { type: 'object', properties: { name: { type: 'string' } } },
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name'],
            },
          },
        },
        status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};

/** Widgets: stored at v1beta1 (spec.size), also served at v1alpha1 (spec.sizeInches). */
const widgets: ResourceStrategy = {
  group: GROUP,
  kind: 'Widget',
  resource: 'widgets',
  namespaced: true,
  shortNames: ['wd'],
  versions: [
    { name: 'v1beta1', openapi: WIDGET_SCHEMA },
    {
      name: 'v1alpha1',
      conversion: {
        toStorage: ({ spec, ...o }) => ({ ...o, spec: { color: spec?.color, size: spec?.sizeInches } }),
        fromStorage: ({ spec, ...o }) => ({ ...o, spec: { color: spec?.color, sizeInches: spec?.size } }),
      },
    },
  ],
  status: {},
  defaults: (o) => {
    o.spec ??= {};
    o.spec.color ??= 'red';
  },
  validate: (o) =>
    typeof o.spec?.size === 'number' && o.spec.size >= 0
      ? []
      : [fe.invalid('spec.size', o.spec?.size, 'must be greater than or equal to 0')],
  table: { columns: [NAME, col('Size', { type: 'integer' }), AGE], cells: (o, now) => [nameOf(o), o.spec?.size, ageOf(o, now)] },
  selectableFields: { ...METADATA_SELECTABLE, 'spec.color': (o) => String(o.spec?.color ?? '') },
};

const { server, req, ready, close } = inProcessServer();

const BASE = `/apis/${GROUP}/v1beta1/namespaces/default/widgets`;
const ALPHA = `/apis/${GROUP}/v1alpha1/namespaces/default/widgets`;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

beforeAll(ready);
afterAll(close);

describe('a kind registered at run time', () => {
  it('is not served before it is registered', async () => {
    expect((await req('GET', BASE)).code).toBe(404);
    expect((await req('GET', '/apis')).body.groups.map((g: { name: string }) => g.name)).not.toContain(GROUP);
  });

  it('is served for CRUD, selection, strict decoding and validation once registered', async () => {
    server().kinds.register(widgets);
    expect(server().registry.caches.has(server().kinds.get(GROUP, 'widgets')!)).toBe(true);
    const created = await req('POST', BASE, {
      apiVersion: `${GROUP}/v1beta1`,
      kind: 'Widget',
      metadata: { name: 'w1' },
      spec: { size: 3 },
    });
    expect(created.code).toBe(201);
    expect(created.body).toMatchObject({
      apiVersion: `${GROUP}/v1beta1`,
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'default', generation: 1 },
      spec: { color: 'red', size: 3 },
    });
    await req('POST', BASE, { metadata: { name: 'w2' }, spec: { size: 5, color: 'blue' } });
    expect((await req('GET', `${BASE}/w1`)).body.spec.size).toBe(3);
    const blue = await req('GET', `${BASE}?fieldSelector=spec.color%3Dblue`);
    expect(blue.body).toMatchObject({ apiVersion: `${GROUP}/v1beta1`, kind: 'WidgetList' });
    expect(blue.body.items.map((w: { metadata: { name: string } }) => w.metadata.name)).toEqual(['w2']);
    expect((await req('GET', `${BASE}?fieldSelector=spec.size%3D3`)).body).toMatchObject({
      code: 400,
      message: 'field label not supported: spec.size',
    });
    const patched = await req('PATCH', `${BASE}/w1`, { spec: { size: 4 } }, { 'content-type': 'application/merge-patch+json' });
    expect(patched.body).toMatchObject({ spec: { size: 4 }, metadata: { generation: 2 } });
    const strict = await req('POST', `${BASE}?fieldValidation=Strict`, { metadata: { name: 'w3' }, spec: { size: 1, colour: 'x' } });
    expect(strict.body).toMatchObject({
      code: 400,
      message: 'Widget in version "v1beta1" cannot be handled as a Widget: strict decoding error: unknown field "spec.colour"',
    });
    const invalid = await req('POST', BASE, { metadata: { name: 'w4' }, spec: { size: -1 } });
    expect(invalid.body).toMatchObject({
      code: 422,
      message: 'Widget "w4" is invalid: spec.size: Invalid value: -1: must be greater than or equal to 0',
    });
  });

  it('is served at its other version, converted', async () => {
    expect((await req('GET', `${ALPHA}/w1`)).body).toMatchObject({
      apiVersion: `${GROUP}/v1alpha1`,
      spec: { sizeInches: 4, color: 'red' },
    });
    expect((await req('POST', ALPHA, { metadata: { name: 'w5' }, spec: { sizeInches: 7 } })).code).toBe(201);
    expect((await req('GET', `${BASE}/w5`)).body.spec).toEqual({ color: 'red', size: 7 });
  });

  it('prints its own table', async () => {
    const t = (await req('GET', BASE, undefined, { accept: TABLE })).body;
    expect(t.kind).toBe('Table');
    expect(t.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Size', 'Age']);
    expect(t.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 2))).toEqual([
      ['w1', 4],
      ['w2', 5],
      ['w5', 7],
    ]);
  });

  it('is discoverable (legacy and aggregated) and has an OpenAPI document', async () => {
    const group = (await req('GET', `/apis/${GROUP}`)).body;
    expect(group).toMatchObject({ kind: 'APIGroup', name: GROUP, preferredVersion: { version: 'v1beta1' } });
    expect(group.versions.map((v: { version: string }) => v.version)).toEqual(['v1beta1', 'v1alpha1']);
    const list = (await req('GET', `/apis/${GROUP}/v1beta1`)).body;
    expect(list.resources).toContainEqual(
      expect.objectContaining({ name: 'widgets', kind: 'Widget', namespaced: true, shortNames: ['wd'] }),
    );
    expect(list.resources).toContainEqual(expect.objectContaining({ name: 'widgets/status', kind: 'Widget' }));
    const agg = (await req('GET', '/apis', undefined, { accept: AGGREGATED })).body;
    const item = agg.items.find((i: { metadata: { name: string } }) => i.metadata.name === GROUP);
    expect(item.versions[0].resources[0]).toMatchObject({
      resource: 'widgets',
      responseKind: { group: GROUP, version: 'v1beta1', kind: 'Widget' },
      scope: 'Namespaced',
    });
    expect(Object.keys((await req('GET', '/openapi/v3')).body.paths)).toContain(`apis/${GROUP}/v1beta1`);
  });

  it('is deleted through the generic registry, then gone when unregistered', async () => {
    expect((await req('DELETE', `${BASE}/w2`)).code).toBe(200);
    expect((await req('GET', `${BASE}/w2`)).code).toBe(404);
    expect(server().kinds.unregister(GROUP, 'widgets')).toBe(true);
    expect((await req('GET', BASE)).code).toBe(404);
    expect((await req('GET', `/apis/${GROUP}`)).code).toBe(404);
    expect([...server().registry.caches.keys()].some((r) => r.group === GROUP)).toBe(false);
  });

  it('refuses a kind that clashes with a served one', () => {
    expect(() => server().kinds.register({ ...widgets, group: '', resource: 'pods', kind: 'Toy' })).toThrow(/already registered/);
    expect(() => server().kinds.register({ ...widgets, resource: 'things', storageKey: 'pods/x' })).toThrow(/overlap/);
    expect(() => server().kinds.register({ ...widgets, versions: [{ name: 'v1' }, { name: 'v2' }] })).toThrow(/storage version/);
  });
});

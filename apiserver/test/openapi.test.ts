// /openapi/v2 and /openapi/v3: upstream's document cut to what is served (and nothing else), v3 derived
// per group-version from it, the protobuf encoding decoded back with the same .proto, ETags, 304s, hash
// URLs, and the documents following kinds registered and unregistered at run time with their own schema.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KindRegistry } from '../src/registry/kinds';
import type { ResourceStrategy } from '../src/registry/strategy';
import { readUpstreamDocument, type Json, type SwaggerDocument } from '../src/openapi/upstream';
import { servedV2Document } from '../src/openapi/v2';
import { convertSchema, v3Documents, v3Key } from '../src/openapi/v3';
import { DOCUMENT } from '../src/openapi/gnostic';
import { OpenApiDocuments } from '../src/openapi/documents';
import { builtinKindRegistry, kinds } from './kinds';
import { inProcessServer } from './inprocess';

const upstream = readUpstreamDocument();
const served = (k: KindRegistry) => k.served().filter((r) => !r.strategy.hidden);
const v2 = servedV2Document(upstream, served(kinds));
const v3 = v3Documents(v2);

/** Every `$ref` in a value. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  return out;
}

describe('the v2 document: what is served, nothing else', () => {
  it('has the paths of the served kinds, their subresources and verbs only', () => {
    const paths = Object.keys(v2.paths);
    expect(paths).toContain('/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale');
    expect(paths).toContain('/api/v1/namespaces/{namespace}/pods/{name}/exec');
    expect(paths).toContain('/api/v1/namespaces/{namespace}/pods/{name}/binding');
    expect(paths).toContain('/apis/autoscaling/v1/namespaces/{namespace}/horizontalpodautoscalers/{name}');
    expect(paths).toContain('/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers/{name}');
    expect(paths).toContain('/api/v1/watch/namespaces/{namespace}/pods');
    expect(paths).toContain('/apis/apps/v1/');
    expect(paths).toContain('/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses/{name}/status');
    expect(paths).toContain('/apis/networking.k8s.io/v1/ingressclasses/{name}');
    // not served: other kinds, other subresources, hidden kinds
    expect(paths.filter((p) => p.includes('/networkpolicies'))).toEqual([]);
    expect(paths).toContain('/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings/{name}');
    expect(paths).toContain('/api/v1/namespaces/{namespace}/pods/{name}/ephemeralcontainers');
    expect(paths).toContain('/api/v1/namespaces/{namespace}/services/{name}/proxy/{path}');
    expect(paths).toContain('/apis/events.k8s.io/v1/namespaces/{namespace}/events/{name}');
    expect(paths).not.toContain('/api/v1/namespaces/{namespace}/bindings');
    expect(paths).not.toContain('/api/v1/namespaces/{namespace}/pods/{name}/resize');
    expect(paths).toContain('/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token');
    expect(paths.some((p) => p.includes('/flowschemas'))).toBe(false);
    // namespaces have no deletecollection here, as upstream: the operation is left out with the verb
    expect(Object.keys(v2.paths['/api/v1/namespaces'])).toEqual(['get', 'parameters', 'post']);
    expect(Object.keys(v2.paths['/api/v1/namespaces/{name}/finalize'])).toEqual(['parameters', 'put']);
  });

  it('keeps upstream path items as they are', () => {
    expect(v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']).toEqual(
      upstream.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'],
    );
  });

  it('has every definition and parameter its paths reach, and only those', () => {
    const names = Object.keys(v2.definitions);
    expect(names).toContain('io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler');
    expect(names).toContain('io.k8s.api.core.v1.PodSpec');
    expect(names).toContain('io.k8s.api.rbac.v1.ClusterRole');
    expect(names).not.toContain('io.k8s.api.flowcontrol.v1.FlowSchema');
    expect(names).toContain('io.k8s.api.networking.v1.Ingress');
    expect(names).not.toContain('io.k8s.api.networking.v1.NetworkPolicy');
    for (const ref of refs(v2)) {
      if (ref.startsWith('#/parameters/')) expect(v2.parameters, ref).toHaveProperty([ref.slice(13)]);
      else expect(v2.definitions, ref).toHaveProperty([ref.slice(14)]);
    }
    for (const [name, def] of Object.entries(v2.definitions)) expect(def, name).toEqual(upstream.definitions[name]);
  });
});

describe('v3, derived per group-version', () => {
  it('has one document per served group-version (and for /api, /apis, the groups, /version)', () => {
    expect([...v3.keys()]).toEqual([
      'api',
      'api/v1',
      'apis',
      'apis/apiextensions.k8s.io',
      'apis/apiextensions.k8s.io/v1',
      'apis/apps',
      'apis/apps/v1',
      'apis/authentication.k8s.io',
      'apis/authentication.k8s.io/v1',
      'apis/authorization.k8s.io',
      'apis/authorization.k8s.io/v1',
      'apis/autoscaling',
      'apis/autoscaling/v1',
      'apis/autoscaling/v2',
      'apis/batch',
      'apis/batch/v1',
      'apis/coordination.k8s.io',
      'apis/coordination.k8s.io/v1',
      'apis/discovery.k8s.io',
      'apis/discovery.k8s.io/v1',
      'apis/events.k8s.io',
      'apis/events.k8s.io/v1',
      'apis/networking.k8s.io',
      'apis/networking.k8s.io/v1',
      'apis/policy',
      'apis/policy/v1',
      'apis/rbac.authorization.k8s.io',
      'apis/rbac.authorization.k8s.io/v1',
      'apis/storage.k8s.io',
      'apis/storage.k8s.io/v1',
      'version',
    ]);
    expect(v3Key('/apis/apps/v1/namespaces/{namespace}/deployments')).toBe('apis/apps/v1');
    expect(v3Key('/api/v1/pods')).toBe('api/v1');
    expect(v3Key('/apis/apps/')).toBe('apis/apps');
  });

  it('each holds its own paths and exactly the schemas they reach, under components.schemas', () => {
    for (const [key, doc] of v3) {
      expect(doc.openapi).toBe('3.0.0');
      for (const p of Object.keys(doc.paths)) expect(v3Key(p), p).toBe(key);
      const reached = new Set(refs(doc).map((r) => r.replace('#/components/schemas/', '')));
      expect(Object.keys(doc.components.schemas).sort(), key).toEqual([...reached].sort());
      for (const r of refs(doc)) expect(r.startsWith('#/components/schemas/'), r).toBe(true);
    }
    expect(Object.keys(v3.get('apis/apps/v1')!.components.schemas)).not.toContain('io.k8s.api.batch.v1.JobSpec');
  });

  it('converts schemas as kube-openapi does: refs moved, a ref with siblings wrapped in allOf', () => {
    const spec = v3.get('apis/apps/v1')!.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'];
    expect(spec.properties.strategy).toEqual({
      description: upstream.definitions['io.k8s.api.apps.v1.DeploymentSpec'].properties!.strategy.description,
      'x-kubernetes-patch-strategy': 'retainKeys',
      allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }],
    });
    expect(convertSchema({ $ref: '#/definitions/x' })).toEqual({ $ref: '#/components/schemas/x' });
    expect(convertSchema({ type: 'array', items: { $ref: '#/definitions/x' } })).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/x' },
    });
  });

  it('turns body parameters into request bodies and resolves parameter refs', () => {
    const item = v3.get('apis/apps/v1')!.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    expect(Object.keys(item.patch.requestBody.content)).toEqual(
      upstream.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch.consumes,
    );
    expect(item.patch.requestBody).toMatchObject({
      required: true,
      content: {
        'application/strategic-merge-patch+json': { schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } },
      },
    });
    expect(item.patch.parameters).toContainEqual(
      expect.objectContaining({ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }),
    );
    expect(item.parameters).toContainEqual({
      name: 'namespace',
      in: 'path',
      required: true,
      description: 'object name and auth scope, such as for teams and projects',
      schema: { type: 'string', uniqueItems: true },
    });
    expect(item.get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/io.k8s.api.apps.v1.Deployment',
    });
  });

  it("has what kubectl's validation looks for: a PATCH with each patchable kind's GVK and the fieldValidation parameter", () => {
    // (the create-only reviews, TokenReview and the access reviews, have no PATCH upstream either)
    for (const r of served(kinds).filter((k) => k.verbs.includes('patch'))) {
      const doc = v3.get(r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`)!;
      const ops = Object.values(doc.paths as Record<string, Json>).flatMap((p) => (p.patch ? [p.patch] : []));
      const op = ops.find(
        (o: Json) =>
          o['x-kubernetes-group-version-kind'].kind === r.kind &&
          o.operationId.startsWith('patch') &&
          !/Status$|Scale$/.test(o.operationId),
      );
      expect(op, r.kind).toBeDefined();
      expect(op.parameters, r.kind).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query' }));
    }
  });
});

/** gnostic's openapi.v2.Document as decoded, back to the JSON it was encoded from. */
function fromGnostic(d: Json): SwaggerDocument {
  const ext = (o: Json, out: Json) => {
    for (const e of o.vendor_extension ?? []) out[e.name] = JSON.parse(e.value.yaml);
    return out;
  };
  const camel = (k: string) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  const scalars = (o: Json, skip: string[] = []) =>
    Object.fromEntries(
      Object.entries(o)
        .filter(([k]) => !['vendor_extension', ...skip].includes(k))
        .map(([k, v]) => [camel(k), v]),
    );
  const schema = (s: Json): Json => {
    const out: Json = scalars(s, ['_ref', 'type', 'items', 'properties', 'additional_properties', 'all_of']);
    if (s._ref) out.$ref = s._ref;
    if (s.type) out.type = s.type.value.length === 1 ? s.type.value[0] : s.type.value;
    if (s.items) out.items = schema(s.items.schema[0]);
    if (s.properties) out.properties = Object.fromEntries(s.properties.additional_properties.map((p: Json) => [p.name, schema(p.value)]));
    if (s.additional_properties)
      out.additionalProperties = s.additional_properties.schema ? schema(s.additional_properties.schema) : s.additional_properties.boolean;
    return ext(s, out);
  };
  const parameter = (p: Json): Json => {
    if (p.body_parameter)
      return ext(p.body_parameter, {
        ...scalars(p.body_parameter, ['schema']),
        ...(p.body_parameter.schema ? { schema: schema(p.body_parameter.schema) } : {}),
      });
    const sub = Object.values(p.non_body_parameter)[0] as Json;
    return ext(sub, scalars(sub));
  };
  const item = (i: Json) => (i.json_reference ? { $ref: i.json_reference._ref } : parameter(i.parameter));
  const operation = (o: Json): Json => {
    const out: Json = scalars(o, ['parameters', 'responses']);
    if (o.parameters) out.parameters = o.parameters.map(item);
    out.responses = Object.fromEntries(
      o.responses.response_code.map((r: Json) => [
        r.name,
        ext(r.value.response, {
          description: r.value.response.description,
          ...(r.value.response.schema ? { schema: schema(r.value.response.schema.schema) } : {}),
        }),
      ]),
    );
    return ext(o, out);
  };
  const pathItem = (p: Json): Json => {
    const out: Json = {};
    for (const [k, v] of Object.entries(p)) out[k] = k === 'parameters' ? (v as Json[]).map(item) : operation(v as Json);
    return out;
  };
  return {
    definitions: Object.fromEntries(d.definitions.additional_properties.map((n: Json) => [n.name, schema(n.value)])),
    info: d.info,
    parameters: Object.fromEntries(d.parameters.additional_properties.map((n: Json) => [n.name, parameter(n.value)])),
    paths: Object.fromEntries(d.paths.path.map((n: Json) => [n.name, pathItem(n.value)])),
    security: d.security.map((s: Json) => Object.fromEntries(s.additional_properties.map((a: Json) => [a.name, a.value.value ?? []]))),
    securityDefinitions: Object.fromEntries(
      d.security_definitions.additional_properties.map((n: Json) => [n.name, n.value.api_key_security]),
    ),
    swagger: d.swagger,
  };
}

describe('v2 as gnostic protobuf', () => {
  it('decodes, with the same .proto, back to the JSON document', () => {
    const docs = new OpenApiDocuments(kinds);
    const decoded = DOCUMENT.toObject(DOCUMENT.decode(docs.v2Protobuf().body), { longs: Number, arrays: false, objects: false });
    expect(fromGnostic(decoded)).toEqual(JSON.parse(docs.v2().body.toString('utf8')));
  });
});

describe('the routes', () => {
  const { server, req, ready, close } = inProcessServer();
  beforeAll(ready);
  afterAll(close);
  const PB = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

  it('/openapi/v2: JSON by default, protobuf when asked, 406 for anything else; ETag and 304', async () => {
    const json = await req('GET', '/openapi/v2', undefined, { accept: 'application/json' });
    expect(json.code).toBe(200);
    expect(json.headers['content-type']).toBe('application/json');
    expect(json.body.swagger).toBe('2.0');
    const etag = String(json.headers.etag);
    expect(etag).toMatch(/^"[0-9A-F]{128}"$/);
    expect((await req('GET', '/openapi/v2', undefined, { accept: 'application/json', 'if-none-match': etag })).code).toBe(304);
    const pb = await req('GET', '/openapi/v2', undefined, { accept: PB });
    expect(pb.headers['content-type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    expect(DOCUMENT.decode(pb.raw)).toMatchObject({ swagger: '2.0' });
    expect((await req('GET', '/openapi/v2', undefined, { accept: 'text/html' })).code).toBe(406);
    const gz = await req('GET', '/openapi/v2', undefined, { accept: 'application/json', 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.raw).toString()).swagger).toBe('2.0');
  });

  it('/openapi/v3: the index points at hash URLs; a stale hash redirects, the current one is immutable', async () => {
    const index = await req('GET', '/openapi/v3');
    const url = index.body.paths['apis/apps/v1'].serverRelativeURL as string;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
    const doc = await req('GET', url, undefined, { accept: 'application/json' });
    expect(doc.code).toBe(200);
    expect(doc.headers['cache-control']).toBe('public, immutable');
    expect(new Date(String(doc.headers.expires)).getTime()).toBeGreaterThan(Date.now() + 360 * 24 * 3600_000);
    expect(doc.headers.etag).toBe(`"${url.split('hash=')[1]}"`);
    expect((await req('GET', url, undefined, { 'if-none-match': String(doc.headers.etag) })).code).toBe(304);
    const stale = await req('GET', '/openapi/v3/apis/apps/v1?hash=ABC');
    expect(stale.code).toBe(301);
    expect(stale.headers.location).toBe(url);
    const plain = await req('GET', '/openapi/v3/apis/apps/v1');
    expect(plain.headers['cache-control']).toBeUndefined();
    expect(plain.body.components.schemas['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    expect((await req('GET', '/openapi/v3/apis/nope/v1')).code).toBe(404);
  });

  it('follows kinds registered and unregistered at run time, with the schema they bring', async () => {
    const before = await req('GET', '/openapi/v3');
    const v2Before = String((await req('GET', '/openapi/v2')).headers.etag);
    const gadgets: ResourceStrategy = {
      group: 'toys.example.com',
      kind: 'Gadget',
      resource: 'gadgets',
      namespaced: false,
      status: {},
      versions: [
        {
          name: 'v1',
          openapi: {
            definition: 'com.example.toys.v1.Gadget',
            definitions: {
              'com.example.toys.v1.Gadget': {
                description: 'A Gadget does things.',
                type: 'object',
                properties: {
                  apiVersion: { type: 'string' },
                  kind: { type: 'string' },
                  metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
                  spec: { type: 'object', properties: { speed: { type: 'integer', description: 'How fast.' } } },
                },
              },
            },
          },
        },
      ],
    };
    server().kinds.register(gadgets);
    const after = await req('GET', '/openapi/v3');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const doc = (await req('GET', after.body.paths['apis/toys.example.com/v1'].serverRelativeURL)).body;
    expect(doc.components.schemas['com.example.toys.v1.Gadget']).toMatchObject({
      description: 'A Gadget does things.',
      'x-kubernetes-group-version-kind': [{ group: 'toys.example.com', kind: 'Gadget', version: 'v1' }],
    });
    expect(doc.components.schemas['com.example.toys.v1.GadgetList'].properties.items.items).toEqual({
      $ref: '#/components/schemas/com.example.toys.v1.Gadget',
    });
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/apis/toys.example.com/v1/gadgets',
      '/apis/toys.example.com/v1/gadgets/{name}',
      '/apis/toys.example.com/v1/gadgets/{name}/status',
    ]);
    const patch = doc.paths['/apis/toys.example.com/v1/gadgets/{name}'].patch;
    expect(patch).toMatchObject({
      operationId: 'patchToysExampleComV1Gadget',
      tags: ['toysExampleCom_v1'],
      'x-kubernetes-action': 'patch',
      'x-kubernetes-group-version-kind': { group: 'toys.example.com', kind: 'Gadget', version: 'v1' },
    });
    expect(patch.parameters).toContainEqual(expect.objectContaining({ name: 'fieldValidation' }));
    for (const r of refs(doc)) expect(doc.components.schemas).toHaveProperty([r.replace('#/components/schemas/', '')]);
    // its schema is the one strict decoding uses
    const strict = await req('POST', '/apis/toys.example.com/v1/gadgets?fieldValidation=Strict', {
      metadata: { name: 'g' },
      spec: { sped: 1 },
    });
    expect(strict.body.message).toBe(
      'Gadget in version "v1" cannot be handled as a Gadget: strict decoding error: unknown field "spec.sped"',
    );
    expect(server().kinds.unregister('toys.example.com', 'gadgets')).toBe(true);
    const gone = await req('GET', '/openapi/v3');
    expect(gone.body.paths['apis/toys.example.com/v1']).toBeUndefined();
    expect(gone.headers.etag).toBe(before.headers.etag);
    expect(String((await req('GET', '/openapi/v2')).headers.etag)).toBe(v2Before);
  });
});

describe('a kind that brings no schema and has none upstream', () => {
  it('is listed with a made-up open definition and generated paths', () => {
    const k = builtinKindRegistry();
    k.register({
      group: 'toys.example.com',
      kind: 'Thing',
      resource: 'things',
      namespaced: true,
      verbs: ['get', 'list', 'create'],
      versions: [{ name: 'v1alpha1' }],
    });
    const doc = servedV2Document(upstream, served(k));
    expect(doc.definitions['com.example.toys.v1alpha1.Thing']).toMatchObject({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(Object.keys(doc.paths['/apis/toys.example.com/v1alpha1/namespaces/{namespace}/things'])).toEqual(['parameters', 'get', 'post']);
    expect(Object.keys(doc.paths['/apis/toys.example.com/v1alpha1/namespaces/{namespace}/things/{name}'])).toEqual(['parameters', 'get']);
    expect(doc.paths['/apis/toys.example.com/v1alpha1/things'].get.operationId).toBe('listToysExampleComV1alpha1ThingForAllNamespaces');
  });
});

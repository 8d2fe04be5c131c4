import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Status } from '@minik8s/shared';
import type { ApiContext } from '../src/context';
import { registerDiscoveryRoutes } from '../src/discovery';
import { registerOpenApiRoutes } from '../src/openapi';
import { maybeTable } from '../src/tables';
import { kind, kinds } from './kinds';

const AGG_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

let app: FastifyInstance;

beforeAll(async () => {
  app = Fastify();
  const ctx = {
    kinds,
    logger: app.log,
    resource: () => {
      throw new Error('unused');
    },
    get: async () => {
      throw new Error('unused');
    },
    list: async () => {
      throw new Error('unused');
    },
    sendStatus: (reply, status: Status) => reply.code(status.code).type('application/json').send(JSON.stringify(status)),
    admitStream: () => ({ release: () => undefined }),
  } satisfies ApiContext;
  registerDiscoveryRoutes(app, ctx);
  registerOpenApiRoutes(app, ctx);
  app.get('/tabled', (req, reply) => {
    const t = maybeTable(req, kind('pods'), { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '5' }, items: [{ metadata: { name: 'p' } }] });
    return reply.send(t ?? { plain: true });
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

describe('discovery and OpenAPI routes', () => {
  it('answers aggregated discovery with the exact content type client-go detects', async () => {
    for (const url of ['/api', '/apis']) {
      const r = await app.inject({ url, headers: { accept: AGG_ACCEPT } });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
      expect(r.json().kind).toBe('APIGroupDiscoveryList');
    }
  });

  it('answers legacy discovery otherwise', async () => {
    const api = await app.inject({ url: '/api', headers: { accept: 'application/json, */*', host: '127.0.0.1:6443' } });
    expect(api.headers['content-type']).toBe('application/json');
    expect(api.json()).toEqual({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] });
    expect((await app.inject({ url: '/apis' })).json().kind).toBe('APIGroupList');
    expect((await app.inject({ url: '/api/v1' })).json().groupVersion).toBe('v1');
    expect((await app.inject({ url: '/apis/apps/v1' })).json().groupVersion).toBe('apps/v1');
    expect((await app.inject({ url: '/apis/apps' })).json()).toMatchObject({ kind: 'APIGroup', name: 'apps' });
  });

  it('404s unknown group-versions with a Status', async () => {
    for (const url of ['/api/v2', '/apis/apps/v9', '/apis/nope', '/openapi/v3/apis/nope/v1']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(404);
      expect(r.json()).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    }
  });

  it('serves the openapi v3 root and the documents it points at', async () => {
    const root = (await app.inject({ url: '/openapi/v3' })).json();
    const url = root.paths['apis/apps/v1'].serverRelativeURL as string;
    const doc = await app.inject({ url });
    expect(doc.statusCode).toBe(200);
    expect(doc.json().paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
  });

  it('maybeTable follows the Accept header and includeObject', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const t = (await app.inject({ url: '/tabled?includeObject=None', headers: { accept } })).json();
    expect(t).toMatchObject({ kind: 'Table', metadata: { resourceVersion: '5' } });
    expect(t.rows[0].object).toBeUndefined();
    expect((await app.inject({ url: '/tabled', headers: { accept } })).json().rows[0].object.kind).toBe('PartialObjectMetadata');
    expect((await app.inject({ url: '/tabled', headers: { accept: 'application/json' } })).json()).toEqual({ plain: true });
  });
});

// networking.k8s.io Ingress and IngressClass, served in-process on the in-memory store: upstream's
// validation messages, the DefaultIngressClass admission, the status subresource, printers and protobuf.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessServer } from './inprocess';

const { store, req, ready, close } = inProcessServer();

const ING = '/apis/networking.k8s.io/v1/namespaces/default/ingresses';
const CLASSES = '/apis/networking.k8s.io/v1/ingressclasses';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';


const backend = (name = 'web', port: Record<string, unknown> = { number: 80 }) => ({ service: { name, port } });
const ingress = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec,
});
const rule = (host: string | undefined, paths: unknown[]) => ({ ...(host !== undefined ? { host } : {}), http: { paths } });
const ingressClass = (name: string, isDefault: boolean, spec: Record<string, unknown> = { controller: 'minik8s.io/ingress-nginx' }) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  spec,
});
/** The causes of a 422 as "field: message". */
const causes = (body: { details?: { causes?: { field: string; message: string }[] } }) => (body.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);

beforeAll(ready);
afterAll(close);

describe('Ingress validation (pkg/apis/networking/validation)', () => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['neither rules nor a default backend', {}, ['spec: Invalid value: null: either `defaultBackend` or `rules` must be specified']],
    [
      'an IP as host, a bad host, a bad wildcard',
      { rules: [rule('10.0.0.1', [{ path: '/', pathType: 'Prefix', backend: backend() }]), rule('Bad_Host', [{ path: '/', pathType: 'Prefix', backend: backend() }]), rule('a.*.example.com', [{ path: '/', pathType: 'Prefix', backend: backend() }])] },
      [
        'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
        'spec.rules[1].host: Invalid value: "Bad_Host": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
        'spec.rules[2].host: Invalid value: "a.*.example.com": a wildcard DNS-1123 subdomain must start with \'*.\', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, \'-\' or \'.\' and end with an alphanumeric character (e.g. \'*.example.com\', regex used for validation is \'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
      ],
    ],
    [
      'paths: missing pathType, relative, bad sequences, unknown type, no paths',
      {
        rules: [
          rule('a.test', [
            { path: '/', backend: backend() },
            { path: 'api', pathType: 'Prefix', backend: backend() },
            { path: '/a//b/..', pathType: 'Exact', backend: backend() },
            { path: '/x', pathType: 'Regex', backend: backend() },
            { path: 'rel', pathType: 'ImplementationSpecific', backend: backend() },
          ]),
          rule('b.test', []),
        ],
      },
      [
        'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
        'spec.rules[0].http.paths[1].path: Invalid value: "api": must be an absolute path',
        'spec.rules[0].http.paths[2].path: Invalid value: "/a//b/..": must not contain \'//\'',
        'spec.rules[0].http.paths[2].path: Invalid value: "/a//b/..": cannot end with \'/..\'',
        'spec.rules[0].http.paths[3].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
        'spec.rules[0].http.paths[4].path: Invalid value: "rel": must be an absolute path',
        'spec.rules[1].http.paths: Required value',
      ],
    ],
    [
      'backends: no port, both ports, bad port number and name, bad service name, none, both kinds',
      {
        defaultBackend: { service: { name: 'web' } },
        rules: [
          rule('a.test', [
            { path: '/a', pathType: 'Prefix', backend: backend('web', { name: 'http', number: 80 }) },
            { path: '/b', pathType: 'Prefix', backend: backend('web', { number: 70000 }) },
            { path: '/c', pathType: 'Prefix', backend: backend('web', { name: 'HTTP--x' }) },
            { path: '/d', pathType: 'Prefix', backend: backend('1web', { number: 80 }) },
            { path: '/e', pathType: 'Prefix', backend: {} },
            { path: '/f', pathType: 'Prefix', backend: { ...backend(), resource: { kind: 'Bucket', name: 'b' } } },
          ]),
        ],
      },
      [
        'spec.defaultBackend: Required value: port name or number is required',
        'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number',
        'spec.rules[0].http.paths[1].backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive',
        'spec.rules[0].http.paths[2].backend.service.port.name: Invalid value: "HTTP--x": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.rules[0].http.paths[2].backend.service.port.name: Invalid value: "HTTP--x": must not contain consecutive hyphens',
        'spec.rules[0].http.paths[3].backend.service.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
        'spec.rules[0].http.paths[4].backend: Invalid value: "": resource or service backend is required',
        'spec.rules[0].http.paths[5].backend: Invalid value: "": cannot set both resource and service backends',
      ],
    ],
    [
      'TLS hosts and secret name, class name',
      { ingressClassName: 'Nginx', defaultBackend: backend(), tls: [{ hosts: ['*.ok.test', 'no_pe.test'], secretName: 'Bad.Secret' }] },
      [
        'spec.tls[0].hosts[1]: Invalid value: "no_pe.test": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
        'spec.tls[0].secretName: Invalid value: "Bad.Secret": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
        'spec.ingressClassName: Invalid value: "Nginx": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
      ],
    ],
  ];
  for (const [name, spec, want] of cases) {
    it(`refuses ${name}, naming each field`, async () => {
      const r = await req('POST', ING, ingress('bad', spec));
      expect(r.code).toBe(422);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'Invalid', details: { name: 'bad', group: 'networking.k8s.io', kind: 'Ingress' } });
      expect(causes(r.body)).toEqual(want);
    });
  }

  it('refuses a class annotation that disagrees with spec.ingressClassName', async () => {
    const r = await req('POST', ING, ingress('ann', { ingressClassName: 'a', defaultBackend: backend() }, { 'kubernetes.io/ingress.class': 'b' }));
    expect(causes(r.body)).toEqual(['annotations.kubernetes.io/ingress.class: Invalid value: "b": must match `ingressClassName` when both are specified']);
  });

  it('accepts wildcard hosts, named ports, and any absolute ImplementationSpecific path', async () => {
    const spec = { rules: [rule('*.apps.test', [{ path: '/v1(/|$)(.*)', pathType: 'ImplementationSpecific', backend: backend('web', { name: 'http' }) }])] };
    expect((await req('POST', `${ING}?dryRun=All`, ingress('ok', spec))).code).toBe(201);
  });
});

describe('IngressClass', () => {
  it('validates the controller and parameters, defaults the scope, and keeps the controller immutable', async () => {
    const bad = await req('POST', CLASSES, ingressClass('bad', false, { controller: 'nginx', parameters: { kind: 'a/b', name: '..', scope: 'Namespace' } }));
    expect(causes(bad.body)).toEqual([
      'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
      "spec.parameters.kind: Invalid value: \"a/b\": may not contain '/'",
      "spec.parameters.name: Invalid value: \"..\": may not be '..'",
      "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
    ]);
    const ok = await req('POST', CLASSES, ingressClass('params', false, { controller: 'example.com/lb', parameters: { apiGroup: 'k8s.example.com', kind: 'LbConfig', name: 'cfg' } }));
    expect(ok.code).toBe(201);
    expect(ok.body.spec.parameters.scope).toBe('Cluster');
    const changed = await req('PATCH', `${CLASSES}/params`, { spec: { controller: 'example.com/other' } }, { 'content-type': 'application/merge-patch+json' });
    expect(causes(changed.body)).toEqual(['spec.controller: Invalid value: "example.com/other": field is immutable']);
    const t = (await req('GET', `${CLASSES}/params`, undefined, { accept: TABLE })).body;
    expect(t.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Controller', 'Parameters', 'Age']);
    expect(t.rows[0].cells.slice(0, 3)).toEqual(['params', 'example.com/lb', 'LbConfig.k8s.example.com/cfg']);
    expect((await req('DELETE', `${CLASSES}/params`)).code).toBe(200);
  });
});

describe('the DefaultIngressClass admission', () => {
  it('leaves an Ingress without a class alone when there is no default class', async () => {
    const r = await req('POST', ING, ingress('noclass', { defaultBackend: backend() }));
    expect(r.code).toBe(201);
    expect(r.body.spec.ingressClassName).toBeUndefined();
  });

  it('gives the default class to an Ingress created without one, the newest when there are several', async () => {
    expect((await req('POST', CLASSES, ingressClass('other', false))).code).toBe(201);
    expect((await req('POST', CLASSES, ingressClass('nginx', true))).code).toBe(201);
    const r = await req('POST', ING, ingress('defaulted', { defaultBackend: backend() }));
    expect(r.body.spec.ingressClassName).toBe('nginx');
    // an explicit class or the legacy annotation is kept as it is
    expect((await req('POST', ING, ingress('explicit', { ingressClassName: 'other', defaultBackend: backend() }))).body.spec.ingressClassName).toBe('other');
    expect((await req('POST', ING, ingress('annotated', { defaultBackend: backend() }, { 'kubernetes.io/ingress.class': 'other' }))).body.spec.ingressClassName).toBeUndefined();
    // a second default created later (creationTimestamp has a resolution of seconds) wins
    const key = '/registry/ingressclasses/nginx';
    const cur = (await store.get(key))!;
    const older = new Date(Date.parse(cur.obj.metadata.creationTimestamp!) - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await store.update(key, cur.rev, { ...cur.obj, metadata: { ...cur.obj.metadata, creationTimestamp: older } });
    expect((await req('POST', CLASSES, ingressClass('newer', true))).code).toBe(201);
    expect((await req('POST', ING, ingress('two-defaults', { defaultBackend: backend() }))).body.spec.ingressClassName).toBe('newer');
  });
});

describe('Ingress status and printing', () => {
  it('keeps status out of main-resource writes and takes it through /status', async () => {
    const created = await req('POST', ING, { ...ingress('web', { ingressClassName: 'nginx', rules: [rule('a.test', [{ path: '/', pathType: 'Prefix', backend: backend() }])] }), status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } });
    expect(created.body.status).toEqual({ loadBalancer: {} });
    expect(created.body.metadata.generation).toBe(1);
    const st = await req('PUT', `${ING}/web/status`, { ...created.body, status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } });
    expect(st.code).toBe(200);
    expect(st.body.status.loadBalancer.ingress).toEqual([{ ip: '127.0.0.1' }]);
    expect(st.body.metadata.generation).toBe(1);
  });

  it('prints CLASS, HOSTS, ADDRESS and PORTS as upstream', async () => {
    const many = ['a.test', 'b.test', 'c.test', 'd.test', 'e.test'].map((h) => rule(h, [{ path: '/', pathType: 'Prefix', backend: backend() }]));
    await req('POST', ING, ingress('many', { ingressClassName: 'nginx', rules: many, tls: [{ hosts: ['a.test'], secretName: 'a-tls' }] }));
    const t = (await req('GET', ING, undefined, { accept: TABLE })).body;
    expect(t.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    const rows = Object.fromEntries(t.rows.map((r: { cells: string[] }) => [r.cells[0], r.cells.slice(1, 5)]));
    expect(rows.web).toEqual(['nginx', 'a.test', '127.0.0.1', '80']);
    expect(rows.many).toEqual(['nginx', 'a.test,b.test,c.test + 2 more...', '', '80, 443']);
    expect(rows.noclass).toEqual(['<none>', '*', '', '80']);
  });
});

describe('protobuf bodies (kubectl create ingress)', () => {
  it('decodes an Ingress with its inline rule values', async () => {
    // what kubectl 1.32 sends for: kubectl create ingress pb --class=nginx --rule="pb.test/api*=web:http,tls=pb-tls" --default-backend=web:80 --annotation=a=b
    const hex =
      '6b3873000a1f0a146e6574776f726b696e672e6b38732e696f2f76311207496e6772657373127d0a1a0a02706212001a0022002a0032003800420062060a0161120162125b0a0d220b0a0377656212040a00105012110a0770622e74657374120670622d746c731a300a0770622e7465737412250a230a210a042f6170691211220f0a0377656212080a046874747010001a0650726566697822056e67696e781a020a001a002200';
    const raw = Buffer.from(hex, 'hex');
    const r = await req('POST', ING, raw, { 'content-type': 'application/vnd.kubernetes.protobuf' });
    expect(r.code, JSON.stringify(r.body)).toBe(201);
    expect(r.body.metadata.annotations).toEqual({ a: 'b' });
    expect(r.body.spec).toEqual({
      ingressClassName: 'nginx',
      defaultBackend: { service: { name: 'web', port: { number: 80 } } },
      tls: [{ hosts: ['pb.test'], secretName: 'pb-tls' }],
      rules: [{ host: 'pb.test', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } }],
    });
  });
});

// The model: which Ingresses are served, upstream's path semantics as nginx locations, backends to
// the ready endpoints, TLS per host, and the problems that become Events. Table-driven.
import { describe, expect, it } from 'vitest';
import { buildModel, endpointsOf, tlsCovers, type Model, type ModelInput } from '../src/model';
import { ingress, ingressClass, input, rule, service, slice, tlsSecret } from './fixtures';

/** host → its locations as "[=]path → upstream|status [rewrite X] [ssl-redirect]" (and "tls:file"). */
function summary(m: Model): Record<string, string[]> {
  return Object.fromEntries(
    m.servers.map((s) => [
      s.host,
      [
        ...(s.cert ? [`tls:${s.cert}`] : []),
        ...s.locations.map((l) => `${l.match === 'exact' ? '=' : ''}${l.path} → ${'status' in l.backend ? l.backend.status : l.backend.upstream}${l.rewrite !== undefined ? ` rewrite ${l.rewrite}` : ''}${l.sslRedirect ? ' ssl-redirect' : ''}`),
      ],
    ]),
  );
}
const problems = (m: Model) => Object.fromEntries([...m.problems].filter(([, p]) => p.length).map(([k, p]) => [k, p.map((x) => `${x.reason}: ${x.message}`)]));

const web = service('web', [{ name: 'http', port: 80 }]);
const webSlice = slice('web', 'http', 8080, ['10.244.1.2', '10.244.2.3', ['10.244.1.9', false]]);
const api = service('api', [{ port: 8080 }]);
const apiSlice = slice('api', undefined, 9000, ['10.244.1.5']);

interface Case {
  name: string;
  in: ModelInput;
  servers: Record<string, string[]>;
  problems?: Record<string, string[]>;
}

const cases: Case[] = [
  {
    name: 'two hosts, a path rule, unknown hosts 404',
    in: input({
      ingresses: [ingress('shop', { rules: [rule('a.test', ['/', 'Prefix', 'web', 80]), rule('b.test', ['/api', 'Prefix', 'api', 8080], ['/', 'Prefix', 'web', 'http'])] })],
      services: [web, api],
      slices: [webSlice, apiSlice],
    }),
    servers: {
      _: ['/ → 404'],
      'a.test': ['/ → default-web-80'],
      'b.test': ['/ → default-web-http', '=/api → default-api-8080', '/api/ → default-api-8080'],
    },
  },
  {
    name: 'Prefix is element-wise and ignores a trailing slash; Exact wins over the Prefix of the same path; ImplementationSpecific is a Prefix',
    in: input({
      ingresses: [
        ingress('paths', {
          rules: [rule('p.test', ['/foo/', 'Prefix', 'web', 80], ['/foo', 'Exact', 'api', 8080], ['/foo/bar', 'ImplementationSpecific', 'web', 80], ['/exact', 'Exact', 'web', 80])],
        }),
      ],
      services: [web, api],
      slices: [webSlice, apiSlice],
    }),
    servers: {
      _: ['/ → 404'],
      'p.test': ['/ → 404', '=/exact → default-web-80', '=/foo → default-api-8080', '/foo/ → default-web-80', '=/foo/bar → default-web-80', '/foo/bar/ → default-web-80'],
    },
  },
  {
    name: 'the oldest Ingress wins a path; the newer one gets a PathConflict',
    in: input({
      ingresses: [ingress('first', { rules: [rule('c.test', ['/', 'Prefix', 'web', 80])] }), ingress('second', { rules: [rule('c.test', ['/', 'Prefix', 'api', 8080], ['/x', 'Exact', 'api', 8080])] })],
      services: [web, api],
      slices: [webSlice, apiSlice],
    }),
    servers: { _: ['/ → 404'], 'c.test': ['/ → default-web-80', '=/x → default-api-8080'] },
    problems: { 'default/second': ['PathConflict: c.test/ is already served by ingress "default/first"; ignored'] },
  },
  {
    name: 'a missing Service, a missing port, no ready endpoint, an ExternalName: 503 for those paths only',
    in: input({
      ingresses: [
        ingress('broken', {
          rules: [rule('d.test', ['/ok', 'Prefix', 'web', 80], ['/gone', 'Prefix', 'missing', 80], ['/port', 'Exact', 'web', 81], ['/empty', 'Exact', 'idle', 80], ['/ext', 'Exact', 'ext', 80])],
        }),
      ],
      services: [web, service('idle', [{ port: 80 }]), service('ext', [{ port: 80 }], 'default', 'ExternalName')],
      slices: [webSlice, slice('idle', undefined, 80, [['10.244.3.3', false]])],
    }),
    servers: {
      _: ['/ → 404'],
      'd.test': ['/ → 404', '=/empty → 503', '=/ext → 503', '=/gone → 503', '/gone/ → 503', '=/ok → default-web-80', '/ok/ → default-web-80', '=/port → 503'],
    },
    problems: {
      'default/broken': [
        'ServiceNotFound: d.test/gone: service "default/missing" not found; answering 503',
        'ServicePortNotFound: d.test/port: service "default/web" has no port 81; answering 503',
        'UnsupportedBackend: d.test/ext: service "default/ext" is an ExternalName Service, which this controller does not proxy to; answering 503',
      ],
    },
  },
  {
    name: 'default backends: for the Ingress\'s hosts without a / rule, and the catch-all from the oldest one',
    in: input({
      ingresses: [
        ingress('withdefault', { defaultBackend: { service: { name: 'web', port: { number: 80 } } }, rules: [rule('e.test', ['/api', 'Exact', 'api', 8080])] }),
        ingress('onlydefault', { defaultBackend: { service: { name: 'api', port: { number: 8080 } } } }),
        ingress('hostless', { rules: [rule(undefined, ['/shared', 'Exact', 'api', 8080])] }),
      ],
      services: [web, api],
      slices: [webSlice, apiSlice],
    }),
    servers: { _: ['/ → default-web-80', '=/shared → default-api-8080'], 'e.test': ['/ → default-web-80', '=/api → default-api-8080'] },
  },
  {
    name: 'TLS with SNI per host (wildcards cover one label), ssl-redirect on by default, off by annotation, forced without TLS',
    in: input({
      ingresses: [
        ingress('secure', { tls: [{ hosts: ['s.test'], secretName: 's-tls' }, { hosts: ['*.w.test'], secretName: 'w-tls' }], rules: [rule('s.test', ['/', 'Prefix', 'web', 80]), rule('x.w.test', ['/', 'Prefix', 'web', 80]), rule('x.y.w.test', ['/', 'Prefix', 'web', 80])] }),
        ingress('noredirect', { tls: [{ hosts: ['n.test'], secretName: 'n-tls' }], rules: [rule('n.test', ['/', 'Prefix', 'web', 80])] }, { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' }),
        ingress('forced', { rules: [rule('f.test', ['/', 'Prefix', 'web', 80])] }, { 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true' }),
      ],
      services: [web],
      slices: [webSlice],
      secrets: [tlsSecret('s-tls'), tlsSecret('w-tls'), tlsSecret('n-tls')],
    }),
    servers: {
      _: ['/ → 404'],
      'f.test': ['/ → default-web-80 ssl-redirect'],
      'n.test': ['tls:default_n-tls.pem', '/ → default-web-80'],
      's.test': ['tls:default_s-tls.pem', '/ → default-web-80 ssl-redirect'],
      'x.w.test': ['tls:default_w-tls.pem', '/ → default-web-80 ssl-redirect'],
      'x.y.w.test': ['/ → default-web-80'],
    },
  },
  {
    name: 'a broken or missing TLS Secret is skipped: the host is served over HTTP only, others keep theirs',
    in: input({
      ingresses: [ingress('tls', { tls: [{ hosts: ['good.test'], secretName: 'good-tls' }, { hosts: ['bad.test'], secretName: 'bad-tls' }, { hosts: ['none.test'], secretName: 'none-tls' }, { hosts: ['nos.test'] }], rules: ['good.test', 'bad.test', 'none.test', 'nos.test'].map((h) => rule(h, ['/', 'Prefix', 'web', 80])) })],
      services: [web],
      slices: [webSlice],
      secrets: [tlsSecret('good-tls'), tlsSecret('bad-tls')],
    }),
    servers: {
      _: ['/ → 404'],
      'bad.test': ['/ → default-web-80'],
      'good.test': ['tls:default_good-tls.pem', '/ → default-web-80 ssl-redirect'],
      'none.test': ['/ → default-web-80'],
      'nos.test': ['/ → default-web-80'],
    },
    problems: {
      'default/tls': [
        'InvalidTLSSecret: secret "default/bad-tls" skipped (tls.key does not match the certificate in tls.crt): bad.test served over HTTP only',
        'TLSSecretNotFound: secret "default/none-tls" skipped (not found): none.test served over HTTP only',
        'TLSSecretMissing: spec.tls[3] names no secretName and this controller has no default certificate: nos.test served over HTTP only',
      ],
    },
  },
  {
    name: 'rewrite-target replaces the matched prefix; capture groups and bad values are refused; backend-protocol HTTPS',
    in: input({
      ingresses: [
        ingress('rw', { rules: [rule('r.test', ['/app', 'Prefix', 'web', 80], ['/exact', 'Exact', 'web', 80])] }, { 'nginx.ingress.kubernetes.io/rewrite-target': '/', 'nginx.ingress.kubernetes.io/backend-protocol': 'https' }),
        ingress('rw2', { rules: [rule('r2.test', ['/v1', 'Prefix', 'web', 80])] }, { 'nginx.ingress.kubernetes.io/rewrite-target': '/$2', 'nginx.ingress.kubernetes.io/backend-protocol': 'GRPC', 'nginx.ingress.kubernetes.io/ssl-redirect': 'yes' }),
      ],
      services: [web],
      slices: [webSlice],
    }),
    servers: { _: ['/ → 404'], 'r.test': ['/ → 404', '=/app → default-web-80 rewrite /', '/app/ → default-web-80 rewrite /', '=/exact → default-web-80 rewrite /'], 'r2.test': ['/ → 404', '=/v1 → default-web-80', '/v1/ → default-web-80'] },
    problems: {
      'default/rw2': [
        'InvalidAnnotation: nginx.ingress.kubernetes.io/rewrite-target: "/$2" ignored: capture groups ($1...) need regular-expression paths, which this controller does not serve',
        'InvalidAnnotation: nginx.ingress.kubernetes.io/backend-protocol: "GRPC" is not supported (HTTP or HTTPS); using HTTP',
        'InvalidAnnotation: nginx.ingress.kubernetes.io/ssl-redirect: "yes" is not "true" or "false"; using true',
      ],
    },
  },
  {
    name: 'only Ingresses of our classes (by spec or the legacy annotation); classless ones only when asked',
    in: input({
      ingresses: [
        ingress('other', { ingressClassName: 'traefik', rules: [rule('o.test', ['/', 'Prefix', 'web', 80])] }),
        ingress('legacy', { ingressClassName: undefined, rules: [rule('l.test', ['/', 'Prefix', 'web', 80])] }, { 'kubernetes.io/ingress.class': 'nginx' }),
        ingress('classless', { ingressClassName: undefined, rules: [rule('c.test', ['/', 'Prefix', 'web', 80])] }),
      ],
      classes: [ingressClass('nginx'), ingressClass('traefik', 'traefik.io/ingress-controller')],
      services: [web],
      slices: [webSlice],
    }),
    servers: { _: ['/ → 404'], 'l.test': ['/ → default-web-80'] },
  },
  {
    name: 'paths that could break out of the configuration are refused',
    in: input({
      ingresses: [ingress('evil', { rules: [rule('v.test', ['/a"; return 200 "x', 'ImplementationSpecific', 'web', 80], ['/$host', 'Exact', 'web', 80], ['/ok', 'Exact', 'web', 80])] })],
      services: [web],
      slices: [webSlice],
    }),
    servers: { _: ['/ → 404'], 'v.test': ['/ → 404', '=/ok → default-web-80'] },
    problems: {
      'default/evil': [
        'InvalidPath: v.test/a"; return 200 "x: the path must be absolute and of URL path characters (no "$", spaces or quotes); ignored',
        'InvalidPath: v.test/$host: the path must be absolute and of URL path characters (no "$", spaces or quotes); ignored',
      ],
    },
  },
];

describe('buildModel', () => {
  for (const c of cases) {
    it(c.name, () => {
      const m = buildModel(c.in);
      expect(summary(m)).toEqual(c.servers);
      expect(problems(m)).toEqual(c.problems ?? {});
    });
  }

  it('takes the ready endpoints of the named port, from every slice, sorted and unique', () => {
    const two = [slice('web', 'http', 8080, ['10.244.2.3', '10.244.1.2']), slice('web', 'http', 8080, ['10.244.1.2', '10.244.3.4'], 'default', 'b'), slice('web', 'metrics', 9090, ['10.244.9.9'], 'default', 'c')];
    expect(endpointsOf(two, { name: 'http', port: 80 })).toEqual(['10.244.1.2:8080', '10.244.2.3:8080', '10.244.3.4:8080']);
    const m = buildModel(input({ ingresses: [ingress('e', { rules: [rule('e.test', ['/', 'Prefix', 'web', 'http'])] })], services: [web], slices: two }));
    expect(m.upstreams).toEqual([{ name: 'default-web-http', endpoints: ['10.244.1.2:8080', '10.244.2.3:8080', '10.244.3.4:8080'] }]);
    expect(m.ingresses).toEqual(['default/e']);
  });

  it('writes only the certificates a served host uses', () => {
    const m = buildModel(input({ ingresses: [ingress('t', { tls: [{ hosts: ['t.test'], secretName: 't-tls' }, { hosts: ['unused.test'], secretName: 'u-tls' }], rules: [rule('t.test', ['/', 'Prefix', 'web', 80])] })], services: [web], slices: [webSlice], secrets: [tlsSecret('t-tls'), tlsSecret('u-tls')] }));
    expect(m.certs).toEqual([{ file: 'default_t-tls.pem', pem: 'PEM of t-tls\n' }]);
  });

  it('tlsCovers: equal names, one-label wildcards', () => {
    expect([tlsCovers('a.test', 'a.test'), tlsCovers('*.test', 'a.test'), tlsCovers('*.test', 'a.b.test'), tlsCovers('*.test', '*.test'), tlsCovers('a.test', 'b.test')]).toEqual([true, true, false, true, false]);
  });
});

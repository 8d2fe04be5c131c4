// The rendered nginx.conf, table-driven: each case is a model and the blocks the configuration must
// contain (whitespace-normalised), or must not. The integration test runs `nginx -t` on real ones.
import { describe, expect, it } from 'vitest';
import { buildModel, type Model } from '../src/model';
import { quote, renderConfig, serverName, type RenderOptions } from '../src/nginx-conf';
import { ingress, input, rule, service, slice, tlsSecret } from './fixtures';

const OPTS: RenderOptions = { httpPort: 80, httpsPort: 443, statusPort: 10246, bindAddress: '', confDir: '/etc/nginx', workerProcesses: 'auto', user: 'nobody nogroup', accessLog: '/dev/stdout' };
const web = service('web', [{ name: 'http', port: 80 }]);
const webSlice = slice('web', 'http', 8080, ['10.244.1.2', '10.244.2.3']);

/** The configuration as one line per directive, indentation dropped. */
const flat = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean).join('\n');
/** The server block of a host, flattened. */
function serverBlock(text: string, name: string): string {
  const f = flat(text);
  const at = f.indexOf(`server_name ${name};`);
  expect(at, `no server ${name} in:\n${f}`).toBeGreaterThan(0);
  const start = f.lastIndexOf('server {', at);
  let depth = 0;
  for (let i = start; i < f.length; i++) {
    if (f[i] === '{') depth++;
    if (f[i] === '}' && --depth === 0) return f.slice(start, i + 1);
  }
  throw new Error('unbalanced');
}

interface Case {
  name: string;
  model: Model;
  opts?: Partial<RenderOptions>;
  /** server_name → the exact flattened server block. */
  servers?: Record<string, string>;
  contains?: string[];
  lacks?: string[];
}

const cases: Case[] = [
  {
    name: 'an empty model: the catch-all answers 404 and refuses TLS handshakes; the status server; upstream defaults',
    model: buildModel(input({ ingresses: [] })),
    servers: {
      _: ['server {', 'listen 80 default_server backlog=4096;', 'listen 443 ssl http2 default_server backlog=4096;', 'ssl_reject_handshake on;', 'server_name _;', 'location "/" {', 'set $proxy_upstream_name "-";', 'return 404;', '}', '}'].join('\n'),
    },
    contains: [
      'daemon off;\nworker_processes auto;\nuser nobody nogroup;\npid "/etc/nginx/nginx.pid";',
      'client_body_temp_path "/etc/nginx/tmp/client-body";',
      'access_log "/dev/stdout" upstreaminfo;',
      'server {\nlisten 127.0.0.1:10246;\naccess_log off;\nlocation = /configuration-hash { return 200 "',
      'proxy_next_upstream error timeout;',
    ],
    lacks: ['\nupstream '],
  },
  {
    name: 'a host with TLS, a Prefix and an Exact path, endpoints as upstream servers, redirect to HTTPS',
    model: buildModel(
      input({
        ingresses: [ingress('shop', { tls: [{ hosts: ['shop.test'], secretName: 'shop-tls' }], rules: [rule('shop.test', ['/api', 'Prefix', 'web', 80], ['/health', 'Exact', 'missing', 80])] })],
        services: [web],
        slices: [webSlice],
        secrets: [tlsSecret('shop-tls')],
      }),
    ),
    servers: {
      'shop.test': [
        'server {',
        'listen 80;',
        'listen 443 ssl http2;',
        'ssl_certificate "/etc/nginx/certs/default_shop-tls.pem";',
        'ssl_certificate_key "/etc/nginx/certs/default_shop-tls.pem";',
        'server_name shop.test;',
        'location "/" {',
        'set $proxy_upstream_name "-";',
        'return 404;',
        '}',
        'location = "/api" {',
        '# default/shop',
        'if ($scheme = http) { return 308 https://$host$request_uri; }',
        'set $proxy_upstream_name "default-web-80";',
        'proxy_pass http://default-web-80;',
        '}',
        'location "/api/" {',
        '# default/shop',
        'if ($scheme = http) { return 308 https://$host$request_uri; }',
        'set $proxy_upstream_name "default-web-80";',
        'proxy_pass http://default-web-80;',
        '}',
        'location = "/health" {',
        '# default/shop',
        'if ($scheme = http) { return 308 https://$host$request_uri; }',
        'set $proxy_upstream_name "-";',
        'return 503;',
        '}',
        '}',
      ].join('\n'),
    },
    contains: ['upstream default-web-80 {\nserver 10.244.1.2:8080 max_fails=0;\nserver 10.244.2.3:8080 max_fails=0;\nkeepalive 64;\n}'],
  },
  {
    name: 'other ports and a bind address; the HTTPS redirect names the port; no user when not root; access log off',
    model: buildModel(input({ ingresses: [ingress('p', { tls: [{ hosts: ['p.test'], secretName: 'p-tls' }], rules: [rule('p.test', ['/', 'Prefix', 'web', 80])] })], services: [web], slices: [webSlice], secrets: [tlsSecret('p-tls')] })),
    opts: { httpPort: 8080, httpsPort: 8443, bindAddress: '127.0.0.1', user: undefined, accessLog: 'off' },
    contains: ['listen 127.0.0.1:8080 default_server backlog=4096;', 'listen 127.0.0.1:8443 ssl http2;', 'return 308 https://$host:8443$request_uri;', 'access_log off;'],
    lacks: ['\nuser ', 'listen 80', 'upstreaminfo;'],
  },
  {
    name: 'rewrite-target and an HTTPS backend: proxy_pass with the replacement path',
    model: buildModel(input({ ingresses: [ingress('rw', { rules: [rule('r.test', ['/app', 'Prefix', 'web', 80])] }, { 'nginx.ingress.kubernetes.io/rewrite-target': '/v2', 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' })], services: [web], slices: [webSlice] })),
    contains: [
      'location = "/app" {\n# default/rw\nset $proxy_upstream_name "default-web-80";\nproxy_ssl_server_name on;\nproxy_pass https://default-web-80/v2;\n}',
      'location "/app/" {\n# default/rw\nset $proxy_upstream_name "default-web-80";\nproxy_ssl_server_name on;\nproxy_pass https://default-web-80/v2/;\n}',
    ],
  },
  {
    name: 'a wildcard host is a one-label regular expression',
    model: buildModel(input({ ingresses: [ingress('w', { rules: [rule('*.apps.test', ['/', 'Prefix', 'web', 80])] })], services: [web], slices: [webSlice] })),
    contains: ['server_name "~^[^.]+\\\\.apps\\\\.test$";'],
  },
];

describe('renderConfig', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { text, hash } = renderConfig(c.model, { ...OPTS, ...c.opts });
      const f = flat(text);
      for (const [name, block] of Object.entries(c.servers ?? {})) expect(serverBlock(text, name)).toBe(block);
      for (const s of c.contains ?? []) expect(f, s).toContain(s);
      for (const s of c.lacks ?? []) expect(f).not.toContain(s);
      expect(f).toContain(`location = /configuration-hash { return 200 "${hash}"; }`);
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
    });
  }

  it('is deterministic, and any change of the model changes the hash', () => {
    const a = buildModel(input({ ingresses: [ingress('h', { rules: [rule('h.test', ['/', 'Prefix', 'web', 80])] })], services: [web], slices: [webSlice] }));
    const b = buildModel(input({ ingresses: [ingress('h', { rules: [rule('h.test', ['/', 'Prefix', 'web', 80])] })], services: [web], slices: [slice('web', 'http', 8080, ['10.244.1.2'])] }));
    expect(renderConfig(a, OPTS)).toEqual(renderConfig(a, OPTS));
    expect(renderConfig(a, OPTS).hash).not.toBe(renderConfig(b, OPTS).hash);
  });

  it('quotes strings and names servers', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect([serverName('_'), serverName('a.test'), serverName('*.a.test')]).toEqual(['_', 'a.test', '"~^[^.]+\\\\.a\\\\.test$"']);
  });
});

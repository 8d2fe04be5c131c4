// nginx.conf from the model (pure). Every value placed in the file comes from the model, whose hosts,
// paths, upstream names and file names were checked against strict character sets, and is quoted here;
// nothing from an API object reaches a directive that expands nginx variables except those checked names.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_SERVER, type Location, type Model, type Server } from './model';

export interface RenderOptions {
  httpPort: number;
  httpsPort: number;
  /** Loopback port of the status server (configuration hash, stub_status). */
  statusPort: number;
  /** Address the proxy listens on ("" = every address). */
  bindAddress: string;
  /** Directory of the configuration, certificates, temp files and pid. */
  confDir: string;
  /** "auto" or a count. */
  workerProcesses: string;
  /** Run workers as this user (only when the master runs as root). */
  user?: string;
  /** Access log file, or "off". */
  accessLog: string;
}

export interface Rendered {
  text: string;
  /** sha256 of the configuration: the status server answers it once a reload is in effect. */
  hash: string;
}

const HASH_PLACEHOLDER = '@@CONFIGURATION_HASH@@';

/** An nginx string literal. */
export function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/** nginx's server_name for a host: exact, or a regular expression for a one-label wildcard. */
export function serverName(host: string): string {
  if (host === DEFAULT_SERVER) return DEFAULT_SERVER;
  // Ingress wildcards match exactly one label; nginx's own "*.example.com" would match any number
  if (host.startsWith('*.')) return quote(`~^[^.]+${host.slice(1).replace(/\./g, '\\.')}$`);
  return host;
}

function listen(addr: string, port: number, extra: string): string {
  return `listen ${addr ? `${addr}:` : ''}${port}${extra};`;
}

function location(l: Location, o: RenderOptions): string[] {
  const head = `location ${l.match === 'exact' ? '= ' : ''}${quote(l.path)} {`;
  const body: string[] = [];
  if (l.source) body.push(`# ${l.source}`);
  if (l.sslRedirect) body.push(`if ($scheme = http) { return 308 https://$host${o.httpsPort === 443 ? '' : `:${o.httpsPort}`}$request_uri; }`);
  if ('status' in l.backend) {
    body.push(`set $proxy_upstream_name "-";`, `return ${l.backend.status};`);
  } else {
    const scheme = l.backend.protocol === 'HTTPS' ? 'https' : 'http';
    body.push(`set $proxy_upstream_name ${quote(l.backend.upstream)};`);
    if (scheme === 'https') body.push('proxy_ssl_server_name on;');
    body.push(`proxy_pass ${scheme}://${l.backend.upstream}${l.rewrite ?? ''};`);
  }
  return [head, ...body.map((b) => `  ${b}`), '}'];
}

function server(s: Server, o: RenderOptions): string[] {
  const lines: string[] = [];
  const dflt = s.host === DEFAULT_SERVER;
  lines.push(listen(o.bindAddress, o.httpPort, dflt ? ' default_server backlog=4096' : ''));
  if (dflt) {
    // no certificate for unknown names: the TLS handshake is refused (unrecognized_name)
    lines.push(listen(o.bindAddress, o.httpsPort, ' ssl http2 default_server backlog=4096'), 'ssl_reject_handshake on;');
  } else if (s.cert) {
    const pem = join(o.confDir, 'certs', s.cert);
    lines.push(listen(o.bindAddress, o.httpsPort, ' ssl http2'), `ssl_certificate ${quote(pem)};`, `ssl_certificate_key ${quote(pem)};`);
  }
  lines.push(`server_name ${serverName(s.host)};`);
  for (const l of s.locations) lines.push(...location(l, o));
  return ['server {', ...lines.map((l) => `  ${l}`), '}'];
}

/** The whole nginx.conf. */
export function renderConfig(model: Model, o: RenderOptions): Rendered {
  const tmp = (name: string) => quote(join(o.confDir, 'tmp', name));
  const lines: string[] = [
    '# Written by the minik8s Ingress controller from the Ingresses it serves: edits are overwritten.',
    'daemon off;',
    `worker_processes ${o.workerProcesses};`,
    ...(o.user ? [`user ${o.user};`] : []),
    `pid ${quote(join(o.confDir, 'nginx.pid'))};`,
    'error_log stderr notice;',
    // old workers finish their requests after a reload, for at most this long
    'worker_shutdown_timeout 240s;',
    'events {',
    '  worker_connections 16384;',
    '  multi_accept on;',
    '}',
    'http {',
    '  server_tokens off;',
    '  default_type text/html;',
    '  sendfile on;',
    '  tcp_nopush on;',
    '  tcp_nodelay on;',
    '  keepalive_timeout 75s;',
    '  keepalive_requests 1000;',
    '  client_max_body_size 1m;',
    '  server_names_hash_bucket_size 256;',
    '  server_names_hash_max_size 4096;',
    `  client_body_temp_path ${tmp('client-body')};`,
    `  proxy_temp_path ${tmp('proxy')};`,
    `  fastcgi_temp_path ${tmp('fastcgi')};`,
    `  uwsgi_temp_path ${tmp('uwsgi')};`,
    `  scgi_temp_path ${tmp('scgi')};`,
    '  ssl_protocols TLSv1.2 TLSv1.3;',
    '  ssl_session_cache shared:SSL:10m;',
    '  ssl_session_timeout 10m;',
    `  log_format upstreaminfo '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $request_id';`,
    `  access_log ${o.accessLog === 'off' ? 'off' : `${quote(o.accessLog)} upstreaminfo`};`,
    // WebSocket upgrades pass through; other requests reuse keep-alive connections to the pods
    '  map $http_upgrade $connection_upgrade {',
    '    default upgrade;',
    "    '' '';",
    '  }',
    '  proxy_http_version 1.1;',
    '  proxy_set_header Upgrade $http_upgrade;',
    '  proxy_set_header Connection $connection_upgrade;',
    '  proxy_set_header Host $host;',
    '  proxy_set_header X-Request-ID $request_id;',
    '  proxy_set_header X-Real-IP $remote_addr;',
    '  proxy_set_header X-Forwarded-For $remote_addr;',
    '  proxy_set_header X-Forwarded-Host $host;',
    '  proxy_set_header X-Forwarded-Port $server_port;',
    '  proxy_set_header X-Forwarded-Proto $scheme;',
    '  proxy_set_header X-Scheme $scheme;',
    '  proxy_connect_timeout 5s;',
    '  proxy_send_timeout 60s;',
    '  proxy_read_timeout 60s;',
    // a pod that went away refuses the connection: the request goes to the next endpoint
    '  proxy_next_upstream error timeout;',
    '  proxy_next_upstream_tries 3;',
  ];
  for (const u of model.upstreams) {
    // max_fails=0: never take an endpoint out on nginx's own judgement; the endpoints come from the API
    lines.push(`  upstream ${u.name} {`, ...u.endpoints.map((e) => `    server ${e} max_fails=0;`), '    keepalive 64;', '  }');
  }
  lines.push(
    '  server {',
    `    listen 127.0.0.1:${o.statusPort};`,
    '    access_log off;',
    `    location = /configuration-hash { return 200 "${HASH_PLACEHOLDER}"; }`,
    '    location = /nginx_status { stub_status; }',
    '    location / { return 404; }',
    '  }',
  );
  for (const s of model.servers) lines.push(...server(s, o).map((l) => `  ${l}`));
  lines.push('}', '');
  const body = lines.join('\n');
  const hash = createHash('sha256').update(body).digest('hex');
  return { text: body.replace(HASH_PLACEHOLDER, hash), hash };
}

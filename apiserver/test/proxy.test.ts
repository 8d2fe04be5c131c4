// The proxy subresources' pure parts: where a request goes (pod IP, a Service endpoint that is its pod's
// IP, never another address), the path it asks for, and the rewriting of links and redirects in answers.
import { describe, expect, it } from 'vitest';
import { rewriteHTML } from '../src/proxy/html';
import { rewriteURL } from '../src/proxy/forward';
import { isGlobalUnicast, podLocation, serviceLocation, servicePortName, splitSchemeNamePort, targetPath } from '../src/proxy/target';

describe('where a proxy request goes', () => {
  it.each([
    ['web', { scheme: '', name: 'web', port: '' }],
    ['web:8080', { scheme: '', name: 'web', port: '8080' }],
    ['https:web:443', { scheme: 'https', name: 'web', port: '443' }],
    ['https:web:', { scheme: 'https', name: 'web', port: '' }],
    ['ftp:web:1', undefined],
    [':80', undefined],
    ['a:b:c:d', undefined],
  ])('splitSchemeNamePort(%s)', (id, want) => expect(splitSchemeNamePort(id)).toEqual(want));

  it('pods: their IP, the port asked or the first declared; only routable addresses', () => {
    const pod = { spec: { containers: [{}, { ports: [{ containerPort: 8080 }] }] }, status: { podIP: '10.244.1.5' } };
    expect(podLocation(pod, 'p', '', '')).toEqual({ scheme: 'http', host: '10.244.1.5', port: 8080 });
    expect(podLocation(pod, 'p:81', '', '81')).toEqual({ scheme: 'http', host: '10.244.1.5', port: 81 });
    expect(podLocation({ status: { podIP: '10.244.1.5' } }, 'https:p:', 'https', '')).toEqual({ scheme: 'https', host: '10.244.1.5', port: 443 });
    for (const ip of ['', '127.0.0.1', '169.254.169.254', '0.0.0.0', '::1', 'fe80::1', '224.0.0.1'])
      expect(() => podLocation({ status: { podIP: ip } }, 'p', '', '80')).toThrow('address not allowed');
    expect(() => podLocation(pod, 'p:http', '', 'http')).toThrow(/invalid port "http"/);
    expect(isGlobalUnicast('192.0.2.2')).toBe(true);
  });

  const eps = {
    subsets: [
      { addresses: [{ ip: '10.0.0.9' }, { ip: '10.0.0.8', targetRef: { kind: 'Pod', name: 'other-ns', namespace: 'x' } }, { ip: '10.0.0.7', targetRef: { kind: 'Pod', name: 'liar', namespace: 'ns' } }], ports: [{ name: 'http', port: 8080 }] },
      { addresses: [{ ip: '10.0.0.5', targetRef: { kind: 'Pod', name: 'web-1', namespace: 'ns' } }], ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }] },
    ],
  };
  const podIPs = (n: string) => ({ 'web-1': ['10.0.0.5'], liar: ['10.0.0.6'], 'other-ns': ['10.0.0.8'] })[n];

  it('services: an endpoint whose pod has that IP, with the named port; else 503', () => {
    for (const r of [0, 0.4, 0.6, 0.99]) expect(serviceLocation(eps, 'web', 'ns', '', 'http', podIPs, () => r)).toEqual({ scheme: 'http', host: '10.0.0.5', port: 8080 });
    expect(serviceLocation(eps, 'https:web:metrics', 'ns', 'https', 'metrics', podIPs)).toEqual({ scheme: 'https', host: '10.0.0.5', port: 9090 });
    expect(() => serviceLocation(eps, 'web:grpc', 'ns', '', 'grpc', podIPs)).toThrow('no endpoints available for service "web:grpc"');
    expect(() => serviceLocation({ subsets: [eps.subsets[0]] }, 'web', 'ns', '', 'http', podIPs)).toThrow(/no endpoints available/);
  });

  it('services: a port number is the name of the Service port it is', () => {
    const svc = { spec: { ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }] } };
    expect(servicePortName(svc, 'web', '80')).toBe('http');
    expect(servicePortName(svc, 'web', 'metrics')).toBe('metrics');
    expect(servicePortName({ spec: { ports: [{ port: 80 }] } }, 'web', '80')).toBe('');
    expect(() => servicePortName(svc, 'web', '81')).toThrow('no service port 81 found for service "web"');
  });

  it('the path: what follows /proxy, cleaned, the trailing slash and the query kept', () => {
    const prefix = '/api/v1/namespaces/ns/services/web/proxy';
    expect(targetPath(`${prefix}`, prefix)).toEqual({ path: '', query: '' });
    expect(targetPath(`${prefix}/`, prefix)).toEqual({ path: '/', query: '' });
    expect(targetPath(`${prefix}/a/b/?x=1&y=%20`, prefix)).toEqual({ path: '/a/b/', query: '?x=1&y=%20' });
    expect(targetPath(`${prefix}/a/../../../etc/./passwd`, prefix)).toEqual({ path: '/etc/passwd', query: '' });
  });
});

describe('rewriting answers', () => {
  const prefix = '/api/v1/namespaces/ns/services/web/proxy';
  it.each([
    ['/login', `${prefix}/login`],
    ['/dir/?a=1#f', `${prefix}/dir/?a=1#f`],
    ['http://10.0.0.5:8080/x', `${prefix}/x`],
    ['https://127.0.0.1:6443/x', `https://127.0.0.1:6443${prefix}/x`],
    [`${prefix}/already`, `${prefix}/already`],
    ['relative/path', 'relative/path'],
    ['http://example.com/x', 'http://example.com/x'],
  ])('%s → %s', (url, want) => expect(rewriteURL(url, prefix, '10.0.0.5:8080', '127.0.0.1:6443')).toBe(want));

  it('HTML: URL attributes of the tags that have them, nothing else', () => {
    const page = `<!DOCTYPE html><html><head><link rel=stylesheet href="/s.css"><script src='/app.js'></script></head>
<body><a href="/docs/" title="/not-a-url">docs</a> <a href=rel.html>r</a> <IMG SRC="/i.png" alt="/x"><form action=/post method=post></form>
<p data-href="/x">/text/stays</p><!-- <a href="/comment"> --></body></html>`;
    const out = rewriteHTML(page, (u) => rewriteURL(u, prefix, '10.0.0.5:8080', undefined));
    expect(out).toBe(
      page
        .replace('"/s.css"', `"${prefix}/s.css"`)
        .replace("'/app.js'", `'${prefix}/app.js'`)
        .replace('"/docs/"', `"${prefix}/docs/"`)
        .replace('"/i.png"', `"${prefix}/i.png"`)
        .replace('action=/post', `action=${prefix}/post`),
    );
  });
});

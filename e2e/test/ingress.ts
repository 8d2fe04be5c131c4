// Issue 15's Ingress acceptance where users meet it: the Ingress controller add-on that `npm run up`
// deploys (class nginx, the default), reached from the laptop on 127.0.0.1 through node-1's hostPorts.
// Registered by cluster.int.test.ts so that it runs on that file's cluster.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPodReady } from '@minik8s/shared';
import { sh, type Cluster } from './compose';
import { selfSignedCert } from '../../testing/pki';
import { waitFor } from '../../testing/procs';

export interface IngressSuiteEnv {
  cluster: Cluster;
  kenv: NodeJS.ProcessEnv;
}

/** A Deployment of busybox httpd pods answering their name, with the readiness and preStop of a zero-downtime rollout. */
function deployment(name: string, replicas: number) {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: web
        image: busybox:latest
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html; httpd -f -p 8080 -h /www & trap 'kill $!; exit 0' TERM; wait"]
        ports: [{ name: http, containerPort: 8080 }]
        readinessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 1 }
        lifecycle: { preStop: { exec: { command: ["sleep", "3"] } } }
---
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  selector: { app: ${name} }
  ports: [{ name: http, port: 80, targetPort: http }]
`;
}

const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    # the api pods serve "/" only: /api/... reaches them as /...
    nginx.ingress.kubernetes.io/rewrite-target: /
spec:
  tls:
  - hosts: [shop.test]
    secretName: shop-tls
  rules:
  - host: shop.test
    http:
      paths:
      - { path: /, pathType: Prefix, backend: { service: { name: shop, port: { number: 80 } } } }
      - { path: /api, pathType: Prefix, backend: { service: { name: api, port: { name: http } } } }
  - host: www.test
    http:
      paths:
      - { path: /, pathType: Prefix, backend: { service: { name: shop, port: { number: 80 } } } }
`;

/** One GET from the laptop to the published HTTP port, a new connection each: the body, or ERR:... */
function get(port: number, host: string, path = '/'): Promise<string> {
  return new Promise((ok) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host }, agent: false, timeout: 5000 }, (res) => {
      let b = '';
      res.setEncoding('utf8').on('data', (d) => (b += d));
      res.on('end', () => ok(res.statusCode === 200 ? b.trim() : `ERR:HTTP${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => ok(`ERR:${e.code ?? e.message}`));
  });
}

export function ingressSuite(env: () => IngressSuiteEnv): void {
  describe('Ingress on the compose cluster (issue 15)', () => {
    const ns = `e2e-ingress-${Date.now().toString(36)}`;
    let httpPort = 0;
    let httpsPort = 0;
    let dir = '';
    const k = (...args: string[]) => {
      const r = sh('kubectl', ['-n', ns, ...args], env().kenv);
      expect(r.code, `kubectl ${args.join(' ')}: ${r.out}`).toBe(0);
      return r.out;
    };
    const pods = async (app: string) => {
      const r = await env().cluster.lib.request(`${env().cluster.server}/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${app}`);
      return (
        r.json.items as Array<{
          metadata: { name: string; deletionTimestamp?: string };
          status?: { conditions?: Array<{ type: string; status: string }> };
        }>
      )
        .filter((p) => !p.metadata.deletionTimestamp && isPodReady(p as never))
        .map((p) => p.metadata.name)
        .sort();
    };
    const curl = (...args: string[]) => execFileSync('curl', ['-sS', '--noproxy', '*', '-m', '5', ...args], { encoding: 'utf8' }).trim();

    beforeAll(async () => {
      httpPort = Number(env().cluster.env.MINIK8S_INGRESS_HTTP_PORT);
      httpsPort = Number(env().cluster.env.MINIK8S_INGRESS_HTTPS_PORT);
      dir = mkdtempSync(join(tmpdir(), 'minik8s-e2e-ingress-'));
      const cert = selfSignedCert(dir, 'shop.test');
      const r = sh('kubectl', ['create', 'namespace', ns], env().kenv);
      expect(r.code, r.out).toBe(0);
      writeFileSync(join(dir, 'apps.yaml'), `${deployment('shop', 2)}---\n${deployment('api', 1)}`);
      writeFileSync(join(dir, 'ingress.yaml'), INGRESS);
      k('apply', '-f', join(dir, 'apps.yaml'));
      k('create', 'secret', 'tls', 'shop-tls', `--cert=${cert.crtFile}`, `--key=${cert.keyFile}`);
      k('apply', '-f', join(dir, 'ingress.yaml'));
      await waitFor(
        '2 shop pods and 1 api pod ready',
        async () => (await pods('shop')).length === 2 && (await pods('api')).length === 1,
        180_000,
        1000,
      );
    }, 240_000);

    afterAll(() => {
      sh('kubectl', ['delete', 'namespace', ns, '--wait=false'], env().kenv);
    });

    it('serves two hosts, a path rule and TLS to curl on 127.0.0.1, and 404s an unknown host', async () => {
      const shop = await pods('shop');
      const www = await waitFor(
        'www.test answered by a shop pod',
        async () => {
          const b = await get(httpPort, 'www.test');
          return shop.includes(b) ? b : undefined;
        },
        60_000,
        500,
      );
      expect(shop).toContain(www);
      expect(curl('-H', 'Host: www.test', `http://127.0.0.1:${httpPort}/`)).toMatch(new RegExp(`^(${shop.join('|')})$`));
      const resolve = `shop.test:${httpsPort}:127.0.0.1`;
      const ca = join(dir, 'shop.test.crt');
      expect(shop).toContain(curl('--resolve', resolve, '--cacert', ca, `https://shop.test:${httpsPort}/`));
      // the api pod's endpoint may reach the controller a moment after the shop pods' (503 until then)
      const apiPod = (await pods('api'))[0];
      await waitFor(
        'shop.test/api over TLS answered by the api pod',
        () => curl('--resolve', resolve, '--cacert', ca, `https://shop.test:${httpsPort}/api`) === apiPod,
        60_000,
        500,
      );
      // plain HTTP to the TLS host is redirected; a host no Ingress names is a 404
      expect(curl('-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: shop.test', `http://127.0.0.1:${httpPort}/`)).toBe('308');
      expect(curl('-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: nobody.test', `http://127.0.0.1:${httpPort}/`)).toBe('404');
      // the default class was given, and the controller published where it is reached
      const row = await waitFor(
        'ADDRESS 127.0.0.1',
        () => {
          const out = k('get', 'ingress', 'shop', '--no-headers');
          return /\s127\.0\.0\.1\s/.test(out) ? out : undefined;
        },
        30_000,
        500,
      );
      expect(row).toMatch(/^shop\s+nginx\s+shop\.test,www\.test\s+127\.0\.0\.1\s+80, 443\s+/);
      expect(readFileSync(ca, 'utf8')).toContain('BEGIN CERTIFICATE');
    });

    it('follows a rolling update of its backend with no failed request out of 200', async () => {
      const before = await pods('shop');
      const answers = new Map<string, number>();
      const failures: string[] = [];
      let n = 0;
      let rolling = true;
      const loop = (async () => {
        while (rolling || n < 200) {
          const b = await get(httpPort, 'www.test');
          if (b.startsWith('ERR:')) failures.push(`${new Date().toISOString()} ${b}`);
          else answers.set(b, (answers.get(b) ?? 0) + 1);
          n++;
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      k('rollout', 'restart', 'deployment/shop');
      k('rollout', 'status', 'deployment/shop', '--timeout=180s');
      const after = await waitFor(
        '2 new shop pods, the old ones gone',
        async () => {
          const ps = await pods('shop');
          return ps.length === 2 && ps.every((p) => !before.includes(p)) ? ps : undefined;
        },
        60_000,
        500,
      );
      // until the new pods answer through the Ingress
      await waitFor('answers from the new pods', () => after.every((p) => answers.has(p)), 30_000, 200);
      rolling = false;
      await loop;
      expect(failures).toEqual([]);
      expect(n).toBeGreaterThanOrEqual(200);
    }, 300_000);
  });
}

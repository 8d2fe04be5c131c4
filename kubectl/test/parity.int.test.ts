// Parity: the same commands with the real kubectl (v1.32) and with mkctl against etcd + the apiserver.
// Each tool works in its own namespace (same length, masked as NS) so both see the same state;
// stdout, stderr and exit codes must match, with AGE cells and server-set ids masked.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigText } from '@minik8s/shared/pki';
import {
  REPO,
  adminOptions,
  freePort,
  kubeEnv,
  startApiserver,
  stopAll,
  tempDir,
  waitFor,
  type Apiserver,
  tlsFetch,
} from '../../testing/procs';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

type Tool = 'kubectl' | 'mkctl';
const NS: Record<Tool, string> = { kubectl: 'par-kubectl', mkctl: 'par-mkctlxx' };
const MKCTL = join(REPO, 'kubectl', 'dist', 'main.js');

let api: Apiserver;
let env: Record<Tool, NodeJS.ProcessEnv>;
let dir: string;

function run(tool: Tool, args: string[], stdin?: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const [cmd, argv] = tool === 'kubectl' ? ['/usr/bin/kubectl', args] : [process.execPath, [MKCTL, ...args]];
  return new Promise((ok) => {
    const child = execFile(cmd, argv, { env: { ...process.env, ...env[tool], ...extraEnv }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      ok({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

/** Mask what legitimately differs: the namespace, the tool's name, ages, ids, timestamps; tabular rows become cells. */
export function normalize(text: string, tool: Tool): string {
  let t = text
    .split(NS[tool])
    .join('NS')
    .replace(/\b(kubectl|mkctl)\b/g, 'TOOL');
  t = t
    .replace(/(uid|resourceVersion|creationTimestamp)(": |: )"?[^",\n]*"?/g, '$1$2*')
    .replace(/"(uid|resourceVersion|creationTimestamp)":"[^"]*"/g, '"$1":"*"')
    // rollout restart's stamp: the two tools' restarts may fall in different seconds
    .replace(/("?kubectl\.kubernetes\.io\/restartedAt"?)(": ?|: )"[^"]*"/g, '$1$2"*"')
    // kubectl's client-side discovery log lines (only on connection failures).
    .replace(/^E\d{4} .*\n/gm, '')
    // klog warnings: time and pid masked.
    .replace(/^W\d{4} [\d:.]+ +\d+ /gm, 'W ');
  const lines = t.split('\n');
  let ageCol = -1;
  return lines
    .map((l) => {
      const cells = l.split(/ {2,}/);
      const age = cells.indexOf('AGE');
      if (age >= 0) ageCol = age;
      else if (l === '') ageCol = -1;
      else if (ageCol >= 0 && cells.length > ageCol) cells[ageCol] = '<age>';
      // --no-headers: no AGE header to find the column by, so mask cells that read as an age.
      else if (ageCol < 0 && cells.length > 2) cells.forEach((c, i) => /^\d+[smhd](\d+[smh])?$/.test(c) && (cells[i] = '<age>'));
      return cells.length > 1 ? cells.join(' | ') : l;
    })
    .join('\n');
}

async function both(args: string[] | ((ns: string) => string[]), stdin?: string, extraEnv?: NodeJS.ProcessEnv): Promise<Record<Tool, Run>> {
  const argv = (tool: Tool) => (typeof args === 'function' ? args(NS[tool]) : ['-n', NS[tool], ...args]);
  const [k, m] = await Promise.all([run('kubectl', argv('kubectl'), stdin, extraEnv), run('mkctl', argv('mkctl'), stdin, extraEnv)]);
  return { kubectl: k, mkctl: m };
}

/** Run with both tools and require identical (normalized) output and exit codes. */
async function same(
  args: string[] | ((ns: string) => string[]),
  opts: { stderr?: boolean; stdin?: string; env?: NodeJS.ProcessEnv; unordered?: boolean } = {},
): Promise<Record<Tool, Run>> {
  const r = await both(args, opts.stdin, opts.env);
  const show = (x: Run) => `rc ${x.code}\n--- stdout\n${x.stdout}\n--- stderr\n${x.stderr}`;
  const label = `${JSON.stringify(args)}\nkubectl: ${show(r.kubectl)}\nmkctl: ${show(r.mkctl)}`;
  // kubectl's ApplySet pruning walks Go maps: its lines come in no fixed order.
  const out = (tool: Tool) =>
    opts.unordered ? normalize(r[tool].stdout, tool).split('\n').sort().join('\n') : normalize(r[tool].stdout, tool);
  expect(r.mkctl.code, label).toBe(r.kubectl.code);
  expect(out('mkctl'), label).toBe(out('kubectl'));
  if (opts.stderr !== false) expect(normalize(r.mkctl.stderr, 'mkctl').trim(), label).toBe(normalize(r.kubectl.stderr, 'kubectl').trim());
  return r;
}

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const deployment = (image: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web${extra}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports:
        - containerPort: 80
        env:
        - name: A
          value: "1"
`;

const pod = (name: string, app: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: ${app}
spec:
  containers:
  - name: c
    image: busybox:1.36
    args: ["sleep", "1000"]
`;

beforeAll(async () => {
  api = await startApiserver();
  await waitFor('namespace default', async () => (await tlsFetch(`${api.url}/api/v1/namespaces/default`)).ok, 30_000);
  const e = kubeEnv(api.url);
  env = { kubectl: e, mkctl: e };
  dir = tempDir('minik8s-parity-');
  for (const ns of Object.values(NS)) {
    const r = await tlsFetch(`${api.url}/api/v1/namespaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
    });
    expect(r.status).toBe(201);
  }
});

afterAll(async () => {
  await stopAll();
});

describe('mkctl and kubectl print the same', () => {
  it('version (server line), api-resources, cluster-info', async () => {
    const r = await both(['version']);
    expect(r.mkctl.code).toBe(0);
    const server = (s: string) => s.split('\n').find((l) => l.startsWith('Server Version'));
    expect(server(r.mkctl.stdout)).toBe(server(r.kubectl.stdout));
    await same(['api-resources']);
    await same(['api-resources', '-o', 'wide']);
    await same(['api-resources', '--no-headers']);
    await same(['cluster-info']);
  });

  it('apply: created → unchanged → configured, and the same stored object', async () => {
    const v1 = file('deploy-v1.yaml', deployment('nginx:1.24'));
    const v2 = file('deploy-v2.yaml', deployment('nginx:1.25', '\n    tier: fe').replace('value: "1"', 'value: "2"'));
    expect((await same(['apply', '-f', v1])).mkctl.stdout).toContain('deployment.apps/web created');
    expect((await same(['apply', '-f', v1])).mkctl.stdout).toContain('unchanged');
    expect((await same(['apply', '-f', v2])).mkctl.stdout).toContain('configured');
    await same(['get', 'deploy', 'web', '-o', 'yaml']);
    await same(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.labels}']);
  });

  it('apply --server-side: create, a conflict between managers, --force-conflicts, the move from client-side apply', async () => {
    const cm = (name: string, data: Record<string, string>) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
        .map(([k, v]) => `  ${k}: "${v}"\n`)
        .join('')}`;
    const owners = [
      'get',
      'cm',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name} {.data} {.metadata.managedFields[*].manager} {.metadata.managedFields[*].operation}{"\\n"}{end}',
    ];
    expect((await same(['apply', '--server-side', '-f', file('ssa1.yaml', cm('ssa', { a: '1', b: '2' }))])).mkctl.stdout).toBe(
      'configmap/ssa serverside-applied\n',
    );
    await same(['apply', '--server-side', '-f', file('ssa1.yaml', cm('ssa', { a: '1', b: '2' }))]);
    const theirs = file('ssa-other.yaml', cm('ssa', { a: 'theirs', c: '3' }));
    const conflict = await same(['apply', '--server-side', '--field-manager', 'other', '-f', theirs]);
    expect(conflict.mkctl.code).toBe(1);
    expect(conflict.mkctl.stderr).toMatch(
      /^error: Apply failed with 1 conflict: conflict with "kubectl": \.data\.a\nPlease review the fields above/,
    );
    await same(['apply', '--force-conflicts', '-f', theirs]);
    await same(['apply', '--server-side', '--force-conflicts', '-f', theirs]);
    await same(['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', theirs]);
    await same(owners);
    // Client-side apply first, then server-side with a key dropped: the key is pruned, one Apply manager stays.
    await same(['apply', '-f', file('csa1.yaml', cm('csa', { a: '1', b: '2' }))]);
    await same(['apply', '--server-side', '-f', file('csa2.yaml', cm('csa', { a: '1' }))]);
    await same(owners);
    const after = await same(['get', 'cm', 'csa', '-o', 'jsonpath={.data}']);
    expect(after.mkctl.stdout).toBe('{"a":"1"}');
  });

  it('apply of a directory and from stdin (multi-document YAML)', async () => {
    const docs = `${pod('pa', 'a')}---\n${pod('pb', 'b')}`;
    await same(['apply', '-f', '-'], { stdin: docs });
    await same(['apply', '-f', '-'], { stdin: docs });
  });

  it('the strategic merge patch fixture pair', async () => {
    const fixtures = join(REPO, 'shared', 'test', 'fixtures', 'strategic-merge');
    await same(['apply', '-f', join(fixtures, 'before.yaml')]);
    await same(['apply', '-f', join(fixtures, 'after.yaml')]);
    await same(['get', 'deploy', 'smp', '-o', 'json']);
  });

  it('get: tables, wide, several types, selectors, labels, sort, name, json', async () => {
    await same(['get', 'pods']);
    await same(['get', 'deploy', '-o', 'wide']);
    await same(['get', 'pods,deploy']);
    await same(['get', 'all']);
    await same(['get', 'pods', '-l', 'app=a', '--show-labels']);
    await same(['get', 'pods', '--sort-by=.metadata.name']);
    await same(['get', 'pods', '-o', 'name']);
    await same(['get', 'pods,deploy', '--no-headers']);
    await same(['get', 'pod/pa', 'deploy/web']);
    await same(['get', 'pods', 'pa', 'pb', '-o', 'json']);
    await same(['get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.spec.containers[0].image}{"\\n"}{end}']);
    await same(['get', 'pods', '-l', 'app=none']);
    await same(['get', 'ns', 'default', 'kube-system']);
    await same(() => ['get', 'pods', '-A', '-l', 'app=nothing-here']);
  });

  it('label, annotate, scale', async () => {
    await same(['label', 'pod', 'pa', 'tier=fe']);
    await same(['label', 'pod', 'pa', 'tier=be']);
    await same(['label', 'pod', 'pa', 'tier=be', '--overwrite']);
    await same(['label', 'pod', 'pa', 'tier-']);
    await same(['annotate', 'deploy/web', 'note=x']);
    await same(['label', 'pods', '-l', 'app=b', 'x=y']);
    await same(['scale', 'deployment', 'web', '--replicas=3']);
    await same(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas} {.metadata.annotations.note}']);
    await same(['edit', 'deployment', 'web'], { env: { KUBE_EDITOR: 'sed -i s/replicas:.*/replicas:\\ 2/' } });
    await same(['edit', 'deployment', 'web'], { env: { KUBE_EDITOR: 'true' } });
    await same(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']);
  });

  it('errors: NotFound, unknown type, unknown flag, AlreadyExists, Conflict, missing file, server down', async () => {
    await same(['get', 'pod', 'nope']);
    await same(['get', 'foos']);
    await same(['get', 'pods', '--no-such-flag']);
    await same(['create', '-f', file('pa.yaml', pod('pa', 'a'))]);
    await same(['delete', 'pod', 'nope']);
    await same(['apply', '-f', join(dir, 'missing.yaml')]);
    const live = JSON.parse((await run('kubectl', ['-n', NS.kubectl, 'get', 'pod', 'pb', '-o', 'json'])).stdout);
    const stale = (ns: string) =>
      file(`stale-${ns}.json`, JSON.stringify({ ...live, metadata: { ...live.metadata, namespace: ns, resourceVersion: '1' } }));
    await same((ns) => ['-n', ns, 'replace', '-f', stale(ns)]);
    await same(['get', 'pods', '-s', 'http://127.0.0.1:1']);
  });

  it('bad input: invalid YAML names the file and line, rc 1 like kubectl', async () => {
    const bad = file('bad.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   labels: y\n');
    const r = await both(['apply', '-f', bad]);
    expect(r.kubectl.code).toBe(1);
    expect(r.mkctl.code).toBe(1);
    expect(r.mkctl.stderr).toMatch(new RegExp(`^error: error parsing ${bad}: .*line \\d+`));
    expect(r.mkctl.stderr).not.toMatch(/at .*\.js:\d+/);
    const noKind = file('nokind.yaml', 'apiVersion: v1\nmetadata:\n  name: x\n');
    const n = await both(['apply', '-f', noKind]);
    expect(n.mkctl.code).toBe(n.kubectl.code);
    expect(n.mkctl.stderr).toContain('kind not set');
  });

  it('describe, run, set image, rollout without a controller', async () => {
    await same(['describe', 'pod', 'pa']);
    await same(['describe', 'pods', '-l', 'app=b']);
    await same(['describe', 'pod', 'nope']);
    await same(['run', 'r', '--image=busybox', '--restart=Never', '--', 'sleep', '5']);
    // run -i / attach need a kubelet (workloads.int.test.ts); here: the pod run -i builds, and usage errors.
    await same(['run', 'ri', '--image=busybox', '-i', '-t', '--attach=false', '--dry-run=client', '-o', 'yaml', '--', 'sh']);
    await same(['run', 'rm', '--image=busybox', '--rm']);
    await same(['run', 'rt', '--image=busybox', '-t']);
    await same(['run', 'rx', '--image=busybox', '--restart=Sometimes']);
    await same(['run', 'rd', '--image=busybox', '-i', '--dry-run=client']);
    await same(['attach']);
    await same(['attach', 'a', 'b', 'c']);
    await same(['attach', 'nope']);
    await same(['attach', 'pod/nope']);
    await same(['get', 'pod', 'r', '-o', 'jsonpath={.metadata.labels} {.spec.containers[0].args} {.spec.restartPolicy}']);
    await same(['set', 'image', 'deployment/web', 'nginx=nginx:1.27']);
    await same(['set', 'image', 'deployment/web', 'nope=nginx:1.27']);
    await same(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
    await same(['rollout', 'history', 'deployment/web']);
    await same(['rollout', 'pause', 'deployment/web']);
    await same(['rollout', 'resume', 'deployment/web']);
    await same(['rollout', 'restart', 'deployment/web']);
  });

  it('create <kind>: the generators, their dry runs, printers and errors', async () => {
    await same((ns) => ['create', 'namespace', `${ns}-child`]);
    await same((ns) => ['create', 'ns', `${ns}-child`]);
    await same(['create', 'namespace']);
    await same(['create', 'namespace', 'a', 'b']);
    await same(['create', 'foo', 'bar']);
    await same(['create']);
    await same(['create', 'deployment', 'cd', '--image=nginx:1.25', '--replicas=2', '--port=80']);
    await same(['get', 'deploy', 'cd', '-o', 'yaml']);
    await same(['create', 'deployment', 'cd', '--image=nginx']);
    await same(['create', 'deployment', 'cd2', '--image=nginx', '--dry-run=server', '-o', 'yaml']);
    await same(['create', 'deployment', 'cd3', '--image=busybox', '--dry-run=client', '-o', 'json', '--', 'sleep', '1']);
    await same(['create', 'deployment', 'cd4', '--image=nginx', '--dry-run=bogus']);
    await same(['create', 'configmap', 'cc', '--from-literal=a=1', '--from-literal=b=x y', '--from-file=' + file('cm.txt', 'line\n')]);
    await same(['get', 'cm', 'cc', '-o', 'yaml']);
    await same(['create', 'configmap', 'ch', '--from-literal=a=1', '--append-hash', '-o', 'name']);
    await same(['create', 'secret', 'generic', 'cs', '--from-literal=user=admin', '--type=Opaque']);
    await same(['create', 'secret', 'docker-registry', 'cdr', '--docker-server=reg.local', '--docker-username=u', '--docker-password=p']);
    await same(['get', 'secret', 'cs', 'cdr', '-o', 'yaml']);
    await same(['create', 'service', 'clusterip', 'csvc', '--tcp=80:8080', '--tcp=443']);
    await same(['create', 'service', 'nodeport', 'cnp', '--tcp=80:8080']);
    await same(['create', 'service', 'externalname', 'cen', '--external-name=db.example.com']);
    await same(['create', 'service', 'clusterip', 'cbad']);
    await same([
      'get',
      'svc',
      'csvc',
      'cen',
      '-o',
      'jsonpath={range .items[*]}{.spec.type} {.spec.ports[*].name} {.spec.externalName}{"\\n"}{end}',
    ]);
    await same(['create', 'job', 'cj1', '--image=busybox', '--', 'echo', 'hi']);
    await same(['create', 'cronjob', 'ccj', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date']);
    await same(['create', 'job', 'from-cj', '--from=cronjob/ccj']);
    await same([
      'get',
      'job',
      'from-cj',
      '-o',
      'jsonpath={.metadata.annotations} {.metadata.ownerReferences[0].kind} {.spec.template.spec.containers[0].command}',
    ]);
    await same(['create', 'job', 'nope', '--image=x', '--from=cronjob/ccj']);
    await same(['create', 'serviceaccount', 'csa']);
    await same(['create', 'poddisruptionbudget', 'cpdb', '--selector=app=web', '--min-available=1']);
    await same(['create', 'pdb', 'cpdb2', '--selector=app=web']);
    await same(['create', 'quota', 'cq', '--hard=pods=10', '--dry-run=client', '-o', 'yaml']);
    await same(['create', 'priorityclass', 'cpc', '--value=10', '--dry-run=client', '-o', 'yaml']);
    await same(['create', 'ingress', 'cing', '--rule=foo.com/bar=svc1:8080', '--dry-run=client', '-o', 'yaml']);
    await same(['create', 'rolebinding', 'crb', '--clusterrole=view', '--user=alice', '--dry-run=client', '-o', 'yaml']);
    await same(['create', 'clusterrolebinding', 'ccrb', '--clusterrole=view', '--group=devs', '--dry-run=client', '-o', 'json']);
    // A quota is served (and removed again: without a quota controller here, its unknown status refuses pods).
    await same(['create', 'quota', 'cq', '--hard=pods=10']);
    await same(['delete', 'quota', 'cq']);
    // The server has no RBAC or priority classes (yet): both report its 404.
    await same(['create', 'role', 'crole', '--verb=get,list', '--resource=pods,deploy.apps,pods/log']);
    await same(['create', 'role', 'crole', '--verb=get', '--resource=nosuchthings']);
  });

  it('create token: a ServiceAccount token from TokenRequest (kubectl posts protobuf), its claims, printers and errors', async () => {
    await same(['create', 'serviceaccount', 'tsa']);
    const claims = (jwt: string) =>
      JSON.parse(Buffer.from(jwt.trim().split('.')[1], 'base64url').toString()) as { sub: string; aud: string[]; iat: number; exp: number };
    const check = async (args: string[], aud: string[], seconds: number) => {
      const r = await both(args);
      for (const tool of Object.keys(NS) as Tool[]) {
        expect(r[tool].code, r[tool].stderr).toBe(0);
        expect(r[tool].stderr).toBe('');
        const c = claims(r[tool].stdout);
        expect(c).toMatchObject({ sub: `system:serviceaccount:${NS[tool]}:tsa`, aud });
        expect(c.exp - c.iat).toBe(seconds);
      }
      return r;
    };
    const tokens = await check(['create', 'token', 'tsa'], ['https://kubernetes.default.svc.cluster.local'], 3600);
    await check(['create', 'token', 'tsa', '--duration=2h', '--audience=vault', '--audience=api'], ['vault', 'api'], 7200);
    // the TokenRequest as -o yaml/json prints it, the token and its expiry masked
    const masked = (t: string) =>
      t.replace(/("?token"?: ?)"?[\w.-]+"?/g, '$1*').replace(/("?expirationTimestamp"?: ?)"?[^",\n]+"?/g, '$1*');
    for (const o of ['yaml', 'json']) {
      const r = await both(['create', 'token', 'tsa', '-o', o]);
      expect(r.mkctl.code).toBe(0);
      expect(masked(normalize(r.mkctl.stdout, 'mkctl'))).toBe(masked(normalize(r.kubectl.stdout, 'kubectl')));
    }
    // each tool's token authenticates as the ServiceAccount (a kubeconfig with only the token)
    const kubeconfigs = Object.fromEntries(
      (Object.keys(NS) as Tool[]).map((tool) => [
        NS[tool],
        file(
          `sa-${tool}.kubeconfig`,
          kubeconfigText({ server: api.url, ca: adminOptions(api.url).ca as string, token: tokens[tool].stdout.trim(), user: 'tsa' }),
        ),
      ]),
    );
    // the ServiceAccount's uid and the token's id differ per namespace
    const jti = (t: string) => t.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '*');
    const who = await both((ns) => ['--kubeconfig', kubeconfigs[ns], 'auth', 'whoami']);
    expect(jti(normalize(who.mkctl.stdout, 'mkctl'))).toBe(jti(normalize(who.kubectl.stdout, 'kubectl')));
    expect(who.mkctl.stdout).toMatch(/Username +system:serviceaccount:par-mkctlxx:tsa\n/);
    expect(who.kubectl.stdout).toMatch(/Groups +\[system:serviceaccounts system:serviceaccounts:par-kubectl system:authenticated\]/);
    // errors: a missing ServiceAccount, a lifetime under 10 minutes (the server's 422), a bound object that is none or missing
    await same(['create', 'token', 'nosuch']);
    await same(['create', 'token', 'tsa', '--duration=5m']);
    await same(['create', 'token', 'tsa', '--bound-object-kind=Pod', '--bound-object-name=nope']);
    await same(['create', 'token', 'tsa', '--bound-object-kind=Node', '--bound-object-name=n']);
    await same(['create', 'token']);
  });

  it('wait: conditions, jsonpath, delete, create, timeouts and errors', async () => {
    await same(['run', 'wp', '--image=busybox', '--labels=w=p']);
    await same(['wait', '--for=jsonpath={.status.phase}=Pending', 'pod/wp']);
    await same(['wait', '--for=jsonpath={.metadata.name}', 'pod/wp', '--timeout=1s']);
    await same(['wait', '--for=condition=Ready', 'pod/wp', '--timeout=1s']);
    await same(['wait', '--for=condition=Ready', 'pods', '-l', 'w=none', '--timeout=1s']);
    await same(['wait', '--for=condition=Ready', 'pod/nope', '--timeout=1s']);
    await same(['wait', '--for=delete', 'pod/nope', '--timeout=1s']);
    await same(['wait', '--for=create', 'pod/nope', '--timeout=1s']);
    await same(['wait', '--for=bogus', 'pod/wp']);
    await same(['wait', 'pod/wp']);
    await same(['wait', '--for=condition=Ready', 'pod/wp', '--timeout=x']);
    // The condition turns true while both wait (no kubelet here: the test sets it as a kubelet would).
    const ready = async (ns: string) => {
      await new Promise((r) => setTimeout(r, 1500));
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const r = await tlsFetch(`${api.url}/api/v1/namespaces/${ns}/pods/wp/status`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } }),
      });
      expect(r.status).toBe(200);
    };
    const [r] = await Promise.all([
      same(['wait', '--for=condition=ready', '-l', 'w=p', 'pods', '--timeout=30s']),
      ready(NS.kubectl),
      ready(NS.mkctl),
    ]);
    expect(r.mkctl.stdout).toBe('pod/wp condition met\n');
    const gone = async (ns: string) => {
      await new Promise((r) => setTimeout(r, 1500));
      await tlsFetch(`${api.url}/api/v1/namespaces/${ns}/pods/wp`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ gracePeriodSeconds: 0 }),
      });
    };
    await Promise.all([same(['wait', '--for=delete', 'pod/wp', '--timeout=30s']), gone(NS.kubectl), gone(NS.mkctl)]);
  });

  it('events: sorted by last seen, --for, --types, -o, and the request log of -v', async () => {
    await same(['events']);
    const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    for (const ns of Object.values(NS)) {
      const post = async (name: string, e: Record<string, unknown>) => {
        const r = await tlsFetch(`${api.url}/api/v1/namespaces/${ns}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: ns }, reportingComponent: 'test', ...e }),
        });
        expect(r.status).toBe(201);
      };
      await post('e1', {
        involvedObject: { kind: 'Pod', name: 'pa', namespace: ns, apiVersion: 'v1' },
        type: 'Normal',
        reason: 'Pulled',
        message: 'image pulled ',
        firstTimestamp: ago(10.5 * 3600),
        lastTimestamp: ago(4.5 * 3600),
        count: 3,
      });
      await post('e2', {
        involvedObject: { kind: 'Pod', name: 'pb', namespace: ns, apiVersion: 'v1' },
        type: 'Warning',
        reason: 'BackOff',
        message: 'back-off',
        firstTimestamp: ago(200 * 60 + 30),
        lastTimestamp: ago(200 * 60 + 30),
        count: 1,
      });
      await post('e3', {
        involvedObject: { kind: 'Deployment', name: 'web', namespace: ns, apiVersion: 'apps/v1' },
        type: 'Normal',
        reason: 'ScalingReplicaSet',
        message: 'Scaled up',
        eventTime: new Date(Date.now() - 50.5 * 60_000).toISOString().replace('Z', '000Z'),
        reportingController: 'deployment-controller',
        reportingInstance: 'x',
        action: 'Scale',
      });
    }
    await same(['events']);
    await same(['events', '--no-headers']);
    await same(['events', '--for', 'pod/pa']);
    await same(['events', '--for', 'deployment.apps/web']);
    await same(['events', '--types=Warning']);
    await same(['events', '--types=Bogus']);
    await same(['events', '--for', 'pa']);
    await same(['events', '-o', 'name']);
    // Ages chosen far from a boundary of kubectl's rounding, so both tools print the same one.
    // -v: the same requests, in klog lines (times, pids and the client's name masked).
    // Only the request log: kubectl's printers also log at -v=6 (e.g. table_printer.go falling back for -o name).
    const klog = (s: string) =>
      s
        .split('\n')
        .filter((l) => !/^[IEW]\d{4} /.test(l) || /(loader|round_trippers)\.go:/.test(l))
        .join('\n')
        .replace(/^[IEW]\d{4} \d\d:\d\d:\d\d\.\d{6}\s+\d+ /gm, '')
        .replace(/ in \d+ milliseconds/g, ' in N milliseconds')
        .replace(/(User-Agent: ).*/g, '$1UA')
        // kubectl prints request headers (round_trippers.go:480) in Go's map order, which is random: compare them sorted
        .replace(/(?:^round_trippers\.go:480\] .*\n?)+/gm, (block) => `${block.trimEnd().split('\n').sort().join('\n')}\n`);
    for (const v of ['-v=6', '-v=7']) {
      const r = await both([v, 'get', 'namespace', 'default', '-o', 'name']);
      expect(normalize(klog(r.mkctl.stderr), 'mkctl')).toBe(normalize(klog(r.kubectl.stderr), 'kubectl'));
      expect(r.mkctl.stdout).toBe(r.kubectl.stdout);
    }
  });

  it('diff (exit 0/1/>1, masked secrets, KUBECTL_EXTERNAL_DIFF) and apply -k', async () => {
    // diff -u prints the temporary directories and the files' times: those lines are masked.
    const paths = (t: string) => t.replace(/\/tmp\/(LIVE|MERGED)-[A-Za-z0-9]+/g, '/tmp/$1').replace(/^(---|\+\+\+) (\S+)\t.*$/gm, '$1 $2');
    const diffSame = async (args: string[], env?: NodeJS.ProcessEnv) => {
      const r = await both(args, undefined, env);
      const show = (x: Run) => `rc ${x.code}\n${x.stdout}\n${x.stderr}`;
      expect(r.mkctl.code, show(r.mkctl) + '\n---\n' + show(r.kubectl)).toBe(r.kubectl.code);
      expect(paths(normalize(r.mkctl.stdout, 'mkctl'))).toBe(paths(normalize(r.kubectl.stdout, 'kubectl')));
      expect(normalize(r.mkctl.stderr, 'mkctl')).toBe(normalize(r.kubectl.stderr, 'kubectl'));
      return r;
    };
    const cm = (v: string) =>
      file(`diff-cm-${v}.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dcm\ndata:\n  a: "${v}"\n  keep: same\n`);
    await diffSame(['diff', '-f', cm('1')]);
    await same(['apply', '-f', cm('1')]);
    expect((await diffSame(['diff', '-f', cm('1')])).mkctl.code).toBe(0);
    expect((await diffSame(['diff', '-f', cm('2')])).mkctl.code).toBe(1);
    const sec = (v: string) =>
      file(`diff-sec-${v}.yaml`, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: dsec\nstringData:\n  token: "${v}"\n  same: x\n`);
    await same(['apply', '-f', sec('old')]);
    await diffSame(['diff', '-f', sec('new')]);
    await diffSame(['diff', '-f', cm('2')], { KUBECTL_EXTERNAL_DIFF: 'diff -q --ignore-case /etc/passwd' });
    await diffSame(['diff', '-f', join(dir, 'missing.yaml')]);
    await diffSame(['diff', 'extra-arg', '-f', cm('2')]);
    const kz = join(REPO, 'kubectl', 'test', 'fixtures', 'kustomize', 'base');
    expect((await same(['apply', '-k', kz])).mkctl.stdout).toContain('configmap/web-config-b47h9fmcbd created');
    await same(['apply', '-k', kz]);
    await same(['get', 'deploy', 'web', '-o', 'yaml']);
    await diffSame(['diff', '-k', kz]);
    await same(['apply', '-k', kz, '-f', cm('1')]);
    await same(['delete', 'deploy', 'web', '--wait=false']);
  });

  it('auth whoami: the user the server authenticated from the client certificate, in each printer', async () => {
    const r = await same(['auth', 'whoami']);
    expect(r.mkctl.stdout).toMatch(/^ATTRIBUTE +VALUE\nUsername +\S+\nGroups +\[system:masters system:authenticated\]\n$/);
    await same(['auth', 'whoami', '-o', 'yaml']);
    await same(['auth', 'whoami', '-o', 'json']);
  });

  it('auth can-i: SelfSubjectAccessReview and SelfSubjectRulesReview answered by the authorizer chain (Node,RBAC: the admin holds cluster-admin), and the client-side checks', async () => {
    expect((await same(['auth', 'can-i', 'get', 'pods'])).mkctl.stdout).toBe('yes\n');
    expect((await same(['auth', 'can-i', 'get', 'pods', '-q'])).mkctl.stdout).toBe('');
    await same(['auth', 'can-i', 'list', 'deployments.apps/web']);
    await same(['auth', 'can-i', 'create', 'pods', '--subresource=exec']);
    await same(['auth', 'can-i', '*', '*', '-A']);
    expect((await same(['auth', 'can-i', '--list'])).mkctl.stdout).toMatch(
      /^Resources +Non-Resource URLs +Resource Names +Verbs\n\*\.\* +\[\] +\[\] +\[\*\]\n +\[\*\] +\[\] +\[\*\]\nselfsubjectreviews\.authentication\.k8s\.io +\[\] +\[\] +\[create\]\n(.*\n)* +\[\/version\] +\[\] +\[get\]\n$/,
    );
    await same(['auth', 'can-i', '--list', '--no-headers']);
    await same(['auth', 'can-i', '--list', '-q']);
    await same(['auth', 'can-i', 'get']);
    await same(['auth', 'can-i', 'get', 'foos']);
    await same(['auth', 'can-i', 'frob', 'nodes']);
    await same(['auth', 'can-i', 'get', '/logs']);
  });

  it("proxy: kubectl's filter (exec/attach and foreign Host headers refused), the API behind it with the kubeconfig's credentials", async () => {
    const ports = { kubectl: await freePort(), mkctl: await freePort() };
    const procs = (Object.keys(NS) as Tool[]).map((tool) => {
      const args = ['proxy', `--port=${ports[tool]}`];
      return tool === 'kubectl'
        ? spawn('/usr/bin/kubectl', args, { env: { ...process.env, ...env[tool] } })
        : spawn(process.execPath, [MKCTL, ...args], { env: { ...process.env, ...env[tool] } });
    });
    const out = procs.map((p) => {
      const o = { text: '' };
      p.stdout.on('data', (c: Buffer) => (o.text += c.toString()));
      return o;
    });
    try {
      await waitFor('both proxies serving', () => out.every((o) => o.text.includes('Starting to serve')), 30_000);
      expect(out[1].text.replace(String(ports.mkctl), 'P')).toBe(out[0].text.replace(String(ports.kubectl), 'P'));
      const get = async (tool: Tool, path: string, init: RequestInit & { host?: string } = {}) => {
        const r = await new Promise<{ status: number; body: string; type: string }>((ok, fail) => {
          const req = httpRequest(
            { host: '127.0.0.1', port: ports[tool], path, method: init.method ?? 'GET', headers: init.host ? { host: init.host } : {} },
            (res: IncomingMessage) => {
              let body = '';
              res.on('data', (c: Buffer) => (body += c.toString()));
              res.on('end', () => ok({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
            },
          );
          req.on('error', fail);
          req.end();
        });
        return r;
      };
      for (const [path, init] of [
        ['/api/v1/namespaces/default', {}],
        ['/api/v1/namespaces/default/pods/x/exec?command=ls', {}],
        ['/api/v1/namespaces/default/pods/x/attach', {}],
        ['/version', { host: 'evil.example:80' }],
        ['/api/v1/namespaces/nope', {}],
        ['/api/v1/namespaces/nope', { method: 'DELETE' }],
      ] as [string, RequestInit & { host?: string }][]) {
        const [k, m] = [await get('kubectl', path, init), await get('mkctl', path, init)];
        const norm = (b: string) => b.replace(/"(resourceVersion|uid|creationTimestamp)":"[^"]*"/g, '"$1":"*"');
        expect({ ...m, body: norm(m.body) }, path).toEqual({ ...k, body: norm(k.body) });
      }
    } finally {
      for (const p of procs) p.kill();
    }
  });

  it('debug: usage errors as kubectl; the same ephemeral container added through pods/ephemeralcontainers', async () => {
    await same(['debug']);
    await same(['debug', 'pa']);
    await same(['debug', 'nope', '--image=busybox']);
    // the general profile adds SYS_PTRACE, which Pod Security's baseline refuses (and restricted warns about)
    for (const ns of Object.values(NS)) {
      const labels = { 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/warn': 'privileged' };
      const res = await tlsFetch(`${api.url}/api/v1/namespaces/${ns}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ metadata: { labels } }),
      });
      expect(res.status).toBe(200);
    }
    const r = await both(['debug', 'pa', '--image=busybox', '--profile=general', '--target=c', '--', 'sleep', '1']);
    for (const tool of ['kubectl', 'mkctl'] as Tool[]) {
      expect(r[tool].code, r[tool].stderr).toBe(0);
      expect(r[tool].stderr).toBe('');
      expect(r[tool].stdout).toMatch(
        /^Targeting container "c"\. If you don't see processes from this container it may be because the container runtime doesn't support this feature\.\nDefaulting debug container name to debugger-[a-z0-9]{5}\.\n$/,
      );
    }
    const added = async (tool: Tool) => {
      const pod = JSON.parse((await run(tool, ['-n', NS[tool], 'get', 'pod', 'pa', '-o', 'json'])).stdout);
      return pod.spec.ephemeralContainers.map(({ name, ...c }: { name: string }) => ({ ...c, name: name.replace(/-[a-z0-9]{5}$/, '-*') }));
    };
    expect(await added('mkctl')).toEqual(await added('kubectl'));
  });

  it('get -w: the header from the list, then one row per event, aligned as kubectl (RememberWidths)', async () => {
    await Promise.all(
      (Object.keys(NS) as Tool[]).map((tool) =>
        run(tool, ['-n', NS[tool], 'run', 'watched-pod-with-a-long-name', '--image=busybox', '--labels=w=1']),
      ),
    );
    const watchers = (Object.keys(NS) as Tool[]).map((tool) => {
      const args = ['-n', NS[tool], 'get', 'pods', '-l', 'w=1', '-w'];
      const child =
        tool === 'kubectl'
          ? spawn('/usr/bin/kubectl', args, { env: { ...process.env, ...env[tool] } })
          : spawn(process.execPath, [MKCTL, ...args], { env: { ...process.env, ...env[tool] } });
      const w = { tool, child, out: '', err: '' };
      child.stdout.on('data', (c: Buffer) => (w.out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (w.err += c.toString()));
      return w;
    });
    try {
      // The list row printed: the watch runs from the list's resourceVersion, so no later event is missed.
      await waitFor('both lists printed', () => watchers.every((w) => w.out.includes('watched-pod')), 60_000);
      await Promise.all(watchers.map((w) => run(w.tool, ['-n', NS[w.tool], 'label', 'pod', 'watched-pod-with-a-long-name', 'x=1'])));
      await waitFor(
        'two rows in each watch',
        () => watchers.every((w) => w.out.split('\n').filter((l) => l.startsWith('watched-pod')).length >= 2),
        60_000,
      );
    } finally {
      for (const w of watchers) w.child.kill();
    }
    const [k, m] = watchers;
    const rows = (w: (typeof watchers)[0]) => normalize(w.out, w.tool).split('\n').slice(0, 3).join('\n');
    expect(rows(m), `kubectl:\n${k.out}\nmkctl:\n${m.out}`).toBe(rows(k));
    // Column alignment itself (normalize() splits cells): the STATUS column starts at the same offset.
    expect(m.out.split('\n')[1].indexOf('Pending')).toBe(k.out.split('\n')[1].indexOf('Pending'));
  });

  it('delete: by name, by label, with --cascade', async () => {
    await same(['delete', 'pod', 'pb']);
    await same(['delete', 'pods', '-l', 'app=a']);
    // No garbage collector runs here: the foregroundDeletion finalizer would hold the wait forever.
    await same(['delete', 'deploy', 'web', '--cascade=foreground', '--wait=false']);
    await same(['delete', 'deploy', 'smp']);
    await same(['get', 'pods']);
  });

  it('apply --prune -l: previously applied objects of the allowlisted kinds, matching the selector, left out → pruned', async () => {
    const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels: {shop: "yes"}\ndata: {k: v}\n`;
    const manifests = (name: string, names: string[]) => {
      const d = join(dir, name);
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d);
      for (const n of names) writeFileSync(join(d, `${n}.yaml`), cm(n));
      return d;
    };
    await same(['apply', '--prune', '-f', manifests('p0', ['pa'])]);
    await same(['apply', '--prune', '-l', 'shop=yes', '--all', '-f', manifests('p0', ['pa'])]);
    await same(['apply', '--prune', '-l', 'shop=yes', '--prune-allowlist', 'v1/ConfigMap', '-f', manifests('p0', ['pa'])]);
    await same(['apply', '-f', manifests('p1', ['pa', 'pb', 'pc', 'pd'])]);
    // -l also picks which manifests are applied.
    const mixed = manifests('p1b', ['pa']);
    writeFileSync(join(mixed, 'other.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n');
    expect((await same(['apply', '-l', 'shop=yes', '-f', mixed])).mkctl.stdout).toBe('configmap/pa unchanged\n');
    await same(['apply', '-l', 'shop=no', '-f', mixed]);
    await same(['apply', '-l', 'shop in (', '-f', mixed], { stderr: false });
    await same(['create', 'configmap', 'by-hand']);
    await same(['label', 'configmap', 'by-hand', 'shop=yes']);
    const fewer = manifests('p2', ['pa', 'pb']);
    expect((await same(['apply', '--prune', '-l', 'shop=yes', '--dry-run=client', '-f', fewer])).mkctl.stdout).toContain(
      'configmap/pc pruned (dry run)',
    );
    expect((await same(['apply', '--prune', '-l', 'shop=yes', '--dry-run=server', '-f', fewer])).mkctl.stdout).toContain(
      'configmap/pd pruned (server dry run)',
    );
    await same(['get', 'cm', '-l', 'shop=yes', '-o', 'name']);
    expect(
      (await same(['apply', '--prune', '-l', 'shop=yes', '--prune-allowlist=core/v1/ConfigMap', '-f', manifests('p3', ['pa'])])).mkctl
        .stdout,
    ).toBe('configmap/pa unchanged\nconfigmap/pb pruned\nconfigmap/pc pruned\nconfigmap/pd pruned\n');
    // The default allowlist (no --prune-allowlist) covers ConfigMaps too; the hand-made one has no last-applied annotation.
    expect((await same(['apply', '--prune', '-l', 'shop=yes', '-f', manifests('p4', ['pb'])])).mkctl.stdout).toBe(
      'configmap/pb created\nconfigmap/pa pruned\n',
    );
    await same(['get', 'cm', '-l', 'shop=yes', '-o', 'name']);
  });

  it('apply --prune --applyset (KUBECTL_APPLYSET=true): the parent Secret, member labels, pruning, and sets one tool made pruned by the other', async () => {
    const env = { KUBECTL_APPLYSET: 'true' };
    const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: {k: v}\n`;
    const deploy = (name: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n      containers: [{name: c, image: busybox:1.36}]\n`;
    const manifests = (name: string, files: Record<string, string>) => {
      const d = join(dir, name);
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d);
      for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
      return d;
    };
    const all = manifests('s1', { 'a.yaml': cm('sa'), 'b.yaml': cm('sb'), 'web.yaml': deploy('sweb') });
    await same(['apply', '--applyset=prod', '-f', all], { env });
    await same(['apply', '--prune', '--applyset=prod', '-l', 'x=y', '-f', all], { env });
    await same(['apply', '--prune', '--applyset=prod', '--all', '-f', all], { env });
    await same(['apply', '--prune', '--applyset=prod', '--prune-allowlist=core/v1/ConfigMap', '-f', all], { env });
    await same(['apply', '--prune', '--applyset=deployments.apps/prod', '-f', all], { env });
    // Without KUBECTL_APPLYSET the flag does not exist (the usage pointer names each tool's help).
    expect((await same(['apply', '--prune', '--applyset=prod', '-f', all], { stderr: false })).mkctl.stderr).toContain(
      'unknown flag: --applyset',
    );
    await same(['apply', '--prune', '--applyset=prod', '-f', all], { env });
    const parent = [
      'get',
      'secret',
      'prod',
      '-o',
      'jsonpath={.metadata.annotations.applyset\\.kubernetes\\.io/contains-group-kinds}|{.metadata.annotations.applyset\\.kubernetes\\.io/additional-namespaces}|{.metadata.managedFields[*].manager}',
    ];
    expect((await same(parent)).mkctl.stdout).toBe('ConfigMap,Deployment.apps||kubectl-applyset');
    const members = ['get', 'cm,deploy', '-l', 'applyset.kubernetes.io/part-of', '-o', 'name'];
    await same(members);
    // The id label of the parent is the members' part-of value, and kubectl's id for that parent.
    const ids = await both(['get', 'secret,cm', '-o', 'jsonpath={range .items[*]}{.metadata.labels}{"\\n"}{end}']);
    expect(ids.mkctl.stdout.match(/applyset-[\w-]+-v1/g)?.length).toBe(3);
    expect(new Set(ids.mkctl.stdout.match(/applyset-[\w-]+-v1/g)).size).toBe(1);

    const one = manifests('s2', { 'a.yaml': cm('sa') });
    expect(
      (await same(['apply', '--prune', '--applyset=prod', '--dry-run=server', '-f', one], { env, unordered: true })).mkctl.stdout,
    ).toContain('deployment.apps/sweb pruned (server dry run)');
    await same(['apply', '--prune', '--applyset=prod', '--dry-run=client', '-f', one], { env, unordered: true });
    await same(members);
    const pruned = await same(['apply', '--prune', '--applyset=prod', '-f', one], { env, unordered: true });
    expect(pruned.mkctl.stdout.split('\n').sort().join('\n')).toBe(
      '\nconfigmap/sa unchanged\nconfigmap/sb pruned\ndeployment.apps/sweb pruned',
    );
    expect((await same(parent)).mkctl.stdout).toBe('ConfigMap||kubectl-applyset');
    await same(members);
    await same(['apply', '--prune', '--applyset=prod', '--server-side', '-f', manifests('s3', { 'b.yaml': cm('sb') })], {
      env,
      unordered: true,
    });
    await same(members);

    // Parents that are not this tool's sets are refused, naming what is wrong; a ConfigMap parent works too.
    await same(['create', 'secret', 'generic', 'foreign']);
    await same(['apply', '--prune', '--applyset=foreign', '-f', one], { env });
    await same(['annotate', 'secret', 'foreign', 'applyset.kubernetes.io/tooling=helm/v3']);
    await same(['apply', '--prune', '--applyset=foreign', '-f', one], { env });
    await same(['annotate', '--overwrite', 'secret', 'foreign', 'applyset.kubernetes.io/tooling=kubectl/v1.31.0']);
    await same(['apply', '--prune', '--applyset=foreign', '-f', one], { env });
    await same(['label', 'secret', 'foreign', 'applyset.kubernetes.io/id=applyset-wrong-v1']);
    // Both tools on the same parent (mkctl's namespace): the same wanted id in the message.
    await same(() => ['-n', NS.mkctl, 'apply', '--prune', '--applyset=foreign', '-f', one], { env });
    await same(['apply', '--prune', '--applyset=configmaps/cmset', '-f', manifests('s5', { 'd.yaml': cm('sd') })], { env });
    await same(['apply', '--prune', '--applyset=configmaps/cmset', '-f', manifests('s6', { 'e.yaml': cm('se') })], { env });
    await same(['get', 'cm', 'cmset', '-o', 'jsonpath={.metadata.annotations.applyset\\.kubernetes\\.io/contains-group-kinds}']);

    // Interoperation: a set one tool made is pruned by the other (each in the other's namespace).
    const swapped = (tool: Tool) => (tool === 'kubectl' ? 'mkctl' : 'kubectl');
    for (const tool of ['kubectl', 'mkctl'] as const) {
      const r = await run(
        tool,
        ['apply', '-n', NS[swapped(tool)], '--prune', '--applyset=prod', '-f', manifests('s4', { 'c.yaml': cm('sc') })],
        undefined,
        env,
      );
      expect(r, `${tool} pruning the set ${swapped(tool)} made`).toMatchObject({
        code: 0,
        stdout: 'configmap/sc created\nconfigmap/sb pruned\n',
        stderr: '',
      });
    }
    await same(members);
  });
});

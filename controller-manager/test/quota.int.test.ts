// ResourceQuota and LimitRange on the real parts: etcd, the apiserver (LimitRanger and ResourceQuota
// admission) and the controller-manager's resourcequota controller as processes, driven by the real kubectl.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeEnv, startApiserver, stopAll, tempDir, waitFor, type Apiserver } from '../../testing/procs';
import { kubectl, startControllerManager } from './cluster';

const NS = 'team-a';
let api: Apiserver;
let env: NodeJS.ProcessEnv;
let dir: string;

async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(env, args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} → rc ${r.code}\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const pod = (name: string, resources = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  containers:
  - name: c
    image: busybox:1.36${resources ? `\n    resources:\n${resources}` : ''}
`;

const used = async (quota: string): Promise<Record<string, string>> => JSON.parse((await ok('get', 'quota', quota, '-n', NS, '-o', 'jsonpath={.status.used}')) || '{}');

beforeAll(async () => {
  api = await startApiserver();
  env = kubeEnv(api.url);
  dir = tempDir('minik8s-quota-');
  await waitFor('namespace default', async () => (await fetch(`${api.url}/api/v1/namespaces/default`)).ok, 30_000);
  await startControllerManager(api.url, ['--controllers', 'resourcequota']);
  await ok('create', 'namespace', NS);
}, 60_000);

afterAll(async () => {
  await stopAll();
});

describe('ResourceQuota and LimitRange with the real kubectl', () => {
  it('both kinds are served', async () => {
    const res = await ok('api-resources');
    expect(res).toMatch(/^resourcequotas\s+quota\s+v1\s+true\s+ResourceQuota$/m);
    expect(res).toMatch(/^limitranges\s+limits\s+v1\s+true\s+LimitRange$/m);
  });

  it('a compute quota: unconstrained pods refused, LimitRange defaults fill them in, usage shown, over-quota refused, freed after delete', async () => {
    expect(await ok('create', 'quota', 'compute', '-n', NS, '--hard=pods=2,requests.cpu=1,requests.memory=1Gi,limits.cpu=2,limits.memory=2Gi')).toMatch(/resourcequota\/compute created/);
    await waitFor('the controller fills status.used', async () => (await used('compute')).pods === '0', 30_000, 200);

    const bare = await kubectl(env, ['create', '-f', file('bare.yaml', pod('bare'))]);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain(
      'Error from server (Forbidden): error when creating',
    );
    expect(bare.stderr).toContain('pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: c; limits.memory for: c; requests.cpu for: c; requests.memory for: c');

    const lr = `apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: ${NS}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 250m, memory: 128Mi}
    max: {cpu: "1"}
`;
    expect(await ok('apply', '-f', file('lr.yaml', lr))).toMatch(/limitrange\/defaults created/);
    expect(await ok('get', 'limits', '-n', NS)).toMatch(/^NAME\s+CREATED AT\ndefaults\s+\S+/);

    await ok('create', '-f', file('bare.yaml', pod('bare')));
    const p = JSON.parse(await ok('get', 'pod', 'bare', '-n', NS, '-o', 'json'));
    expect(p.spec.containers[0].resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '250m', memory: '128Mi' } });
    expect(p.metadata.annotations['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c');
    expect(await used('compute')).toEqual({ pods: '1', 'requests.cpu': '250m', 'requests.memory': '128Mi', 'limits.cpu': '500m', 'limits.memory': '256Mi' });

    const table = await ok('get', 'quota', '-n', NS);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+AGE\s+REQUEST\s+LIMIT$/);
    expect(table).toMatch(/^compute\s+\S+\s+pods: 1\/2, requests\.cpu: 250m\/1, requests\.memory: 128Mi\/1Gi\s+limits\.cpu: 500m\/2, limits\.memory: 256Mi\/2Gi$/m);
    const describe = await ok('describe', 'quota', 'compute', '-n', NS);
    expect(describe).toMatch(/^Resource\s+Used\s+Hard$/m);
    expect(describe).toMatch(/^requests\.cpu\s+250m\s+1$/m);
    expect(describe).toMatch(/^pods\s+1\s+2$/m);

    // the LimitRange's max, then the quota's requests.cpu
    const tooBig = await kubectl(env, ['create', '-f', file('huge.yaml', pod('huge', '      limits: {cpu: "2"}\n      requests: {cpu: "2"}'))]);
    expect(tooBig.stderr).toContain('pods "huge" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
    const big = await kubectl(env, ['create', '-f', file('big.yaml', pod('big', '      limits: {cpu: "1"}\n      requests: {cpu: "1"}'))]);
    expect(big.stderr).toContain('pods "big" is forbidden: exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=250m, limited: requests.cpu=1');
    await expect(ok('get', 'pod', 'big', '-n', NS)).rejects.toThrow(/NotFound/);

    await ok('delete', 'pod', 'bare', '-n', NS, '--grace-period=0', '--force');
    await waitFor('usage freed', async () => (await used('compute')).pods === '0', 30_000, 200);
    expect(await used('compute')).toEqual({ pods: '0', 'requests.cpu': '0', 'requests.memory': '0', 'limits.cpu': '0', 'limits.memory': '0' });
    await ok('delete', 'limits', 'defaults', '-n', NS);
    await ok('delete', 'quota', 'compute', '-n', NS);
  });

  it('concurrent creates cannot both take the last slot', async () => {
    await ok('create', 'quota', 'objects', '-n', NS, '--hard=count/configmaps=3');
    await waitFor('the controller fills status.used', async () => (await used('objects'))['count/configmaps'] === '0', 30_000, 200);
    const create = (i: number) =>
      fetch(`${api.url}/api/v1/namespaces/${NS}/configmaps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { i: String(i) } }),
      }).then(async (r) => ({ code: r.status, body: (await r.json()) as { message?: string } }));
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => create(i)));
    expect(results.filter((r) => r.code === 201)).toHaveLength(3);
    const refused = results.filter((r) => r.code === 403);
    expect(refused).toHaveLength(5);
    expect(refused[0].body.message).toMatch(/^configmaps "cm-\d" is forbidden: exceeded quota: objects, requested: count\/configmaps=1, used: count\/configmaps=3, limited: count\/configmaps=3$/);
    expect(await used('objects')).toEqual({ 'count/configmaps': '3' });
    const names = JSON.parse(await ok('get', 'configmaps', '-n', NS, '-o', 'json')).items.map((c: { metadata: { name: string } }) => c.metadata.name);
    expect(names.filter((n: string) => n.startsWith('cm-'))).toHaveLength(3);
  });

  it('bad quotas and limit ranges are refused naming the field', async () => {
    const bad = await kubectl(env, ['create', 'quota', 'bad', '-n', NS, '--hard=pods=1.5,cpu=-1']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.hard[pods]: Invalid value: "1500m": must be an integer');
    expect(bad.stderr).toContain('spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0');
    const lr = await kubectl(env, ['apply', '-f', file('badlr.yaml', `apiVersion: v1\nkind: LimitRange\nmetadata: {name: bad, namespace: ${NS}}\nspec:\n  limits:\n  - type: Container\n    min: {cpu: "2"}\n    max: {cpu: "1"}\n`)]);
    expect(lr.stderr).toContain('spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1');
  });
});

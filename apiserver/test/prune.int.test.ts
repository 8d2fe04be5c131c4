// `kubectl apply --prune` with the real kubectl v1.32 against etcd + the apiserver: ApplySets
// (KUBECTL_APPLYSET=true, --applyset=NAME: the parent Secret or ConfigMap with its applyset.kubernetes.io
// labels and annotations, members labelled part-of, the ones left out of the manifests deleted across the
// listed group-kinds) and the older label-selector mode (-l with --prune-allowlist).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realKubectl, type RealKubectl } from '../../testing/kubectl';
import { startApiserver, stopAll, type Apiserver } from '../../testing/procs';

let api: Apiserver;
let k: RealKubectl;
const APPLYSET = { KUBECTL_APPLYSET: 'true' };

const configMap = (name: string, labels = '') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${labels}data:
  name: ${name}
`;

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 0
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: c, image: busybox:1.36}]
`;

/** A fresh directory of manifests under the scratch directory. */
function manifests(name: string, files: Record<string, string>): string {
  const dir = join(k.dir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  for (const [f, content] of Object.entries(files)) k.file(join(name, f), content);
  return dir;
}

const names = async (...args: string[]) => (await k.ok('get', ...args, '-o', 'name')).trim().split('\n').filter(Boolean).sort();

async function applyset(ns: string, dir: string, ...flags: string[]): Promise<string> {
  const r = await k.run(['apply', '-n', ns, '--prune', '--applyset=prod', ...flags, '-f', dir], APPLYSET);
  if (r.code !== 0)
    throw new Error(`kubectl apply --prune --applyset → rc ${r.code}\n${r.stderr}\n${r.stdout}\n(apiserver log ${api.logFile})`);
  return r.stdout;
}

beforeAll(async () => {
  api = await startApiserver();
  k = await realKubectl(api);
  await k.ok('create', 'namespace', 'sets');
  await k.ok('create', 'namespace', 'ssa-sets');
  await k.ok('create', 'namespace', 'labelled');
});

afterAll(async () => {
  await stopAll();
});

describe('kubectl apply --prune', () => {
  it('ApplySet (client-side apply): the parent Secret records the set, members are labelled, the left-out ones pruned', async () => {
    const all = manifests('v1', { 'a.yaml': configMap('a'), 'b.yaml': configMap('b'), 'web.yaml': deployment('web') });
    const first = await applyset('sets', all);
    expect(first).toContain('configmap/a created');
    expect(first).toContain('deployment.apps/web created');
    const parent = JSON.parse(await k.ok('get', 'secret', 'prod', '-n', 'sets', '-o', 'json'));
    const id = parent.metadata.labels['applyset.kubernetes.io/id'];
    expect(id).toMatch(/^applyset-[A-Za-z0-9_-]{43}-v1$/);
    expect(parent.metadata.annotations['applyset.kubernetes.io/tooling']).toMatch(/^kubectl\/v1\.32\./);
    expect(parent.metadata.annotations['applyset.kubernetes.io/contains-group-kinds']).toBe('ConfigMap,Deployment.apps');
    expect(await names('cm,deploy', '-n', 'sets', '-l', `applyset.kubernetes.io/part-of=${id}`)).toEqual([
      'configmap/a',
      'configmap/b',
      'deployment.apps/web',
    ]);

    // b and the Deployment left out: pruned, and the parent lists only ConfigMap afterwards.
    const second = await applyset('sets', manifests('v2', { 'a.yaml': configMap('a') }));
    expect(second).toContain('configmap/a unchanged');
    expect(second).toContain('configmap/b pruned');
    expect(second).toContain('deployment.apps/web pruned');
    expect(await names('cm,deploy', '-n', 'sets', '-l', 'applyset.kubernetes.io/part-of')).toEqual(['configmap/a']);
    const after = JSON.parse(await k.ok('get', 'secret', 'prod', '-n', 'sets', '-o', 'json'));
    expect(after.metadata.annotations['applyset.kubernetes.io/contains-group-kinds']).toBe('ConfigMap');

    // A dry run names what would go, and deletes nothing.
    const dry = await applyset('sets', manifests('v3', { 'c.yaml': configMap('c') }), '--dry-run=server');
    expect(dry).toContain('configmap/a pruned (server dry run)');
    expect(await names('cm', '-n', 'sets', '-l', 'applyset.kubernetes.io/part-of')).toEqual(['configmap/a']);
  });

  it('ApplySet with --server-side: the same, the parent applied server-side', async () => {
    await applyset('ssa-sets', manifests('s1', { 'a.yaml': configMap('a'), 'b.yaml': configMap('b') }), '--server-side');
    const out = await applyset('ssa-sets', manifests('s2', { 'b.yaml': configMap('b') }), '--server-side');
    expect(out).toContain('configmap/b serverside-applied');
    expect(out).toContain('configmap/a pruned');
    expect(await names('cm', '-n', 'ssa-sets', '-l', 'applyset.kubernetes.io/part-of')).toEqual(['configmap/b']);
  });

  it('the label-selector mode with an allowlist prunes only labelled, previously applied objects of the listed kinds', async () => {
    const label = '  labels: {app: shop}\n';
    await k.ok('apply', '-n', 'labelled', '-f', manifests('l1', { 'x.yaml': configMap('cx', label), 'y.yaml': configMap('cy', label) }));
    await k.ok('create', 'configmap', 'hand-made', '-n', 'labelled');
    await k.ok('label', 'configmap', 'hand-made', 'app=shop', '-n', 'labelled');
    const out = await k.ok(
      'apply',
      '-n',
      'labelled',
      '--prune',
      '-l',
      'app=shop',
      '--prune-allowlist=core/v1/ConfigMap',
      '-f',
      manifests('l2', { 'x.yaml': configMap('cx', label) }),
    );
    expect(out).toContain('configmap/cy pruned');
    // Not created by apply (no last-applied annotation): kept.
    expect(await names('cm', '-n', 'labelled', '-l', 'app=shop')).toEqual(['configmap/cx', 'configmap/hand-made']);
  });
});

// Parity on a running cluster (testing/cluster.ts: scheduler, controller-manager, one real kubelet on
// Docker): rollout status/history/undo, logs, exec (output, exit code, stdin), cp both ways, run -i --rm and attach
// with kubectl and mkctl, each on its own objects in its own namespace.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostCluster, type HostCluster } from '../../testing/cluster';
import { REPO, stopAll, waitFor } from '../../testing/procs';

type Tool = 'kubectl' | 'mkctl';
const TOOLS: Tool[] = ['kubectl', 'mkctl'];
const NS: Record<Tool, string> = { kubectl: 'wl-kubectl', mkctl: 'wl-mkctlxx' };
let cluster: HostCluster;
let env: NodeJS.ProcessEnv;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(tool: Tool, args: string[], stdin?: string): Promise<Run> {
  const argv = ['-n', NS[tool], ...args];
  const [cmd, a] =
    tool === 'kubectl' ? ['/usr/bin/kubectl', argv] : [process.execPath, [join(REPO, 'kubectl', 'dist', 'main.js'), ...argv]];
  return new Promise((ok) => {
    const child = execFile(cmd, a, { env: { ...process.env, ...env }, timeout: 150_000 }, (err, stdout, stderr) =>
      ok({
        code: err ? Number((err as { code?: number }).code ?? 1) : 0,
        stdout: String(stdout),
        stderr: String(stderr).replace(/kubectl|mkctl/g, 'TOOL'),
      }),
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

async function both(args: string[] | ((tool: Tool) => string[]), stdin?: string): Promise<Record<Tool, Run>> {
  const [k, m] = await Promise.all(TOOLS.map((t) => run(t, typeof args === 'function' ? args(t) : args, stdin)));
  return { kubectl: k, mkctl: m };
}

function same(r: Record<Tool, Run>, what: string): void {
  const label = `${what}\nkubectl: rc ${r.kubectl.code}\n${r.kubectl.stdout}\n${r.kubectl.stderr}\nmkctl: rc ${r.mkctl.code}\n${r.mkctl.stdout}\n${r.mkctl.stderr}\n${cluster.logs()}`;
  expect(r.mkctl.code, label).toBe(r.kubectl.code);
  expect(r.mkctl.stdout, label).toBe(r.kubectl.stdout);
  expect(r.mkctl.stderr.trim(), label).toBe(r.kubectl.stderr.trim());
}

const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: ${image}
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "echo line-1; echo line-2; exec sleep 3600"]
`;

const pods: Record<Tool, string> = { kubectl: '', mkctl: '' };

beforeAll(async () => {
  cluster = await startHostCluster({ nodes: 1, prefix: 'mkctl' });
  env = cluster.kubeEnv();
  for (const ns of Object.values(NS))
    await cluster.client.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
}, 240_000);

afterAll(async () => {
  await cluster?.cleanup();
  await stopAll();
});

describe('kubectl and mkctl on a running cluster', () => {
  it('apply, rollout status, logs', async () => {
    same(await both(['apply', '-f', '-'], deployment('minik8s/busybox:1.36')), 'apply');
    const st = await both(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    for (const t of TOOLS) expect(st[t].code, `${t}: ${st[t].stdout}${st[t].stderr}\n${cluster.logs()}`).toBe(0);
    const last = (r: Run) => r.stdout.trim().split('\n').pop();
    expect(last(st.mkctl)).toBe(last(st.kubectl));
    for (const t of TOOLS) pods[t] = (await run(t, ['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
    same(await both((t) => ['logs', pods[t]]), 'logs');
    same(await both((t) => ['logs', pods[t], '--tail=1']), 'logs --tail=1');
    same(await both(['logs', 'deploy/web']), 'logs deploy/web');
    // describe: same layout and content once names, ids, addresses and times are masked.
    const mask = (text: string, t: Tool) =>
      text
        .split(pods[t])
        .join('POD')
        .split(NS[t])
        .join('NS')
        .replace(/docker:\/\/[0-9a-f]{64}/g, 'ID')
        .replace(/\b\d+\.\d+\.\d+\.\d+\b/g, 'IP')
        .replace(/\w{3}, \d{2} \w{3} \d{4} [\d:]+ \+0000/g, 'TIME')
        .replace(/kube-api-access-[a-z0-9]{5}/g, 'kube-api-access-XXXXX') // the ServiceAccount volume's random suffix
        .split('\n')
        .map((l) => l.replace(/ {2,}/g, '  ').replace(/^( {2}(Normal|Warning) {2}\w+ {2})\S+/, '$1AGE'))
        .join('\n');
    for (const args of [(t: Tool) => ['describe', 'pod', pods[t]], () => ['describe', 'deploy', 'web']]) {
      const r = await both(args);
      expect(r.mkctl.code).toBe(r.kubectl.code);
      expect(mask(r.mkctl.stdout, 'mkctl'), `${r.kubectl.stdout}\n---\n${r.mkctl.stdout}`).toBe(mask(r.kubectl.stdout, 'kubectl'));
    }
  });

  it('exec: output, exit code, stdin, errors', async () => {
    same(await both((t) => ['exec', pods[t], '--', 'echo', 'hi']), 'exec echo');
    const three = await both((t) => ['exec', pods[t], '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    same(three, 'exec exit 3');
    expect(three.mkctl.code).toBe(3);
    same(await both((t) => ['exec', '-i', pods[t], '--', 'sh'], 'echo from-stdin\nexit\n'), 'exec -i');
    same(await both(['exec', 'nope', '--', 'true']), 'exec missing pod');
  });

  it('cp: a file and a directory into the pod and back (tar over exec), and its errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minik8s-cp-'));
    mkdirSync(join(dir, 'src', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'src', 'a.txt'), 'alpha\n');
    writeFileSync(join(dir, 'src', 'sub', 'b.txt'), 'beta\n');
    same(await both((t) => ['cp', join(dir, 'src'), `${pods[t]}:/tmp/in`]), 'cp dir into the pod');
    same(await both((t) => ['cp', join(dir, 'src', 'a.txt'), `${pods[t]}:/tmp`]), 'cp file into a directory of the pod');
    same(await both((t) => ['exec', pods[t], '--', 'sh', '-c', 'cat /tmp/in/a.txt /tmp/in/sub/b.txt /tmp/a.txt']), 'what arrived');
    // The container's tar warns about the leading '/': kubectl shows that line or not, depending on whether its
    // stderr frame arrives before the stream ends, so it is left out of the comparison.
    const quiet = (r: Record<Tool, Run>) => {
      for (const t of TOOLS) r[t].stdout = r[t].stdout.replace(/^tar: removing leading '\/' from member names\n/m, '');
      return r;
    };
    same(quiet(await both((t) => ['cp', `${pods[t]}:/tmp/in/sub/b.txt`, join(dir, `b-${t}.txt`)])), 'cp file out of the pod');
    same(quiet(await both((t) => ['cp', `${pods[t]}:/tmp/in`, join(dir, `out-${t}`)])), 'cp dir out of the pod');
    for (const t of TOOLS) {
      expect(readFileSync(join(dir, `b-${t}.txt`), 'utf8')).toBe('beta\n');
      expect(readFileSync(join(dir, `out-${t}`, 'sub', 'b.txt'), 'utf8')).toBe('beta\n');
      expect(readFileSync(join(dir, `out-${t}`, 'a.txt'), 'utf8')).toBe('alpha\n');
    }
    same(await both(['cp', join(dir, 'src'), join(dir, 'elsewhere')]), 'cp between two local paths');
    same(await both((t) => ['cp', join(dir, 'missing'), `${pods[t]}:/tmp`]), 'cp of a missing local file');
  });

  it('set image, rollout history, undo', async () => {
    same(await both(['set', 'image', 'deployment/web', 'c=busybox:latest']), 'set image');
    for (const r of Object.values(await both(['rollout', 'status', 'deployment/web', '--timeout=120s'])))
      expect(r.code, r.stdout + r.stderr).toBe(0);
    same(await both(['rollout', 'history', 'deployment/web']), 'history 1,2');
    same(await both(['rollout', 'undo', 'deployment/web']), 'undo');
    for (const r of Object.values(await both(['rollout', 'status', 'deployment/web', '--timeout=120s'])))
      expect(r.code, r.stdout + r.stderr).toBe(0);
    same(await both(['rollout', 'history', 'deployment/web']), 'history 2,3');
    same(await both(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'image after undo');
  });

  it('run -i --rm, attach -i: output, exit code, deletion, errors', async () => {
    const image = '--image=minik8s/busybox:1.36';
    // The containers read their stdin first, so nothing they print can race the attach.
    const masked = (r: Record<Tool, Run>) => {
      for (const t of TOOLS) r[t].stderr = r[t].stderr.replace(/wl-TOOL(xx)?/g, 'NS'); // the namespaces, as run() masked them
      return r;
    };
    const echoer = `apiVersion: v1
kind: Pod
metadata:
  name: echoer
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: minik8s/busybox:1.36
    stdin: true
    stdinOnce: true
    command: ["sh", "-c", 'while read l; do echo "echo:$l"; done; echo bye']
`;
    const phase = (t: Tool) => run(t, ['get', 'pod', 'echoer', '-o', 'jsonpath={.status.phase}']).then((r) => r.stdout);
    // The three pods start at once (a pod start is most of this test's time).
    const [once, failing] = await Promise.all([
      both(['run', 'once', '-i', '--rm', '--restart=Never', image, '--', 'sh', '-c', 'read line; echo "got $line"'], 'hello\n').then(
        masked,
      ),
      both(['run', 'failing', '-i', '--rm', '--restart=Never', image, '--', 'sh', '-c', 'read line; echo bye; exit 3'], 'x\n').then(masked),
      both(['apply', '-f', '-'], echoer).then(async (r) => {
        same(r, 'apply echoer');
        for (const t of TOOLS) await waitFor(`${t}: echoer Running`, async () => (await phase(t)) === 'Running', 90_000, 300);
      }),
    ]);
    same(once, 'run -i --rm');
    expect(once.mkctl.stdout).toBe('got hello\npod "once" deleted\n');
    same(failing, 'run -i --rm, exit 3');
    expect(failing.mkctl.code).toBe(3);
    const attached = await both(['attach', '-i', 'echoer'], 'a\nb\n');
    same(attached, 'attach -i');
    expect(attached.mkctl.stdout).toBe('echo:a\necho:b\nbye\n');
    for (const t of TOOLS) await waitFor(`${t}: echoer Succeeded`, async () => (await phase(t)) === 'Succeeded', 90_000, 300);
    same(await both(['attach', 'echoer']), 'attach to a completed pod');
    same(await both(['attach', 'nope']), 'attach missing pod');
    same(await both(['attach']), 'attach without a pod');
  });
});

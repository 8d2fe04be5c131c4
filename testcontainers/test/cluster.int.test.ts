// @minik8s/testcontainers on the real Docker engine: one two-node cluster shared by the file (the real
// kubectl with getKubeConfig(), loadImage() into every node, pods across nodes through the cluster DNS,
// the sink routes, component logs, the real kubectl's logs, exec and get -o wide on a Deployment,
// stop() leaving nothing), then what goes wrong: a test process killed
// with its cluster up (the reaper), no engine, an engine that does not answer, a missing image, a port
// the engine cannot map, a node that never becomes Ready — each a clear error naming its stage, in
// bounded time, with no container left.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MiniK8sContainer, MiniK8sStartError, type StartedMiniK8sContainer } from '@minik8s/testcontainers';
import { docker } from '../../testing/cluster';
import { removeDir, tempDir, waitFor } from '../../testing/procs';

process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
const FIXTURE = join(__dirname, 'fixtures', 'start-cluster.js');
const tag = Date.now().toString(36);

let cluster: StartedMiniK8sContainer;
let kenv: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];
const progress: string[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  // 'always': the image step of this checkout first, so the image holds the code under test
  cluster = await new MiniK8sContainer()
    .withNodes(2)
    .withName(`minik8s-tc-${tag}`)
    .withImageBuild('always', (line) => progress.push(line))
    .start();
  const home = tempDir('minik8s-tc-home-');
  dirs.push(home);
  writeFileSync(join(home, 'kubeconfig'), cluster.getKubeConfig());
  kenv = { ...process.env, HOME: home, KUBECONFIG: join(home, 'kubeconfig') };
}, 1_200_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await cluster?.stop();
  for (const d of dirs) removeDir(d);
});

function kubectl(args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync('kubectl', args, { env: kenv, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/** Containers on the engine with this name prefix (running or not). */
const named = (prefix: string) =>
  docker(['ps', '-a', '--filter', `name=^/${prefix}`, '--format', '{{.Names}}'])
    .split('\n')
    .filter(Boolean);

const podPhase = (name: string) => kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}']).out;

describe('a two-node cluster', () => {
  it("the image step's progress went to withImageBuild's callback", () => {
    expect(progress.length).toBeGreaterThan(0);
    expect(
      progress.some((l) => /^(images\s+up to date|allinone\s+(up to date|built in \d+ s))/.test(l)),
      progress.join('\n'),
    ).toBe(true);
  });

  it('both nodes Ready for the real kubectl with getKubeConfig(); the apiserver on the host loopback only', () => {
    const r = kubectl([
      'get',
      'nodes',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}',
    ]);
    expect(r.err).toBe('');
    expect(r.out.trim()).toBe('node-1=True node-2=True');
    expect(cluster.getNodeNames()).toEqual(['node-1', 'node-2']);
    const binding = JSON.parse(docker(['inspect', '-f', '{{json .HostConfig.PortBindings}}', cluster.getId()]));
    expect(binding['6443/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: expect.any(String) }]);
    expect(cluster.getApiServerUrl()).toBe(`https://127.0.0.1:${cluster.getMappedPort(6443)}`);
    // (the PKI writes its kubeconfig's strings quoted; the server keeps its quotes when it moves)
    expect(cluster.getKubeConfig()).toMatch(new RegExp(`server: "?${cluster.getApiServerUrl().replace(/\./g, '\\.')}"?\n`));
  });

  it('loadImage(): a host image runs in a pod on the second node by its own name', async () => {
    const image = `minik8s-tc-test/hello:${tag}`;
    const ctx = tempDir('minik8s-tc-image-');
    dirs.push(ctx);
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM busybox:latest\nRUN echo "built on the host ${tag}" > /hello.txt\nCMD ["sh", "-c", "cat /hello.txt; sleep 3600"]\n`,
    );
    execFileSync('docker', ['build', '-q', '-t', image, ctx], { stdio: 'ignore' });
    try {
      await cluster.loadImage(image);
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'hello' },
        spec: { nodeName: 'node-2', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image }] },
      };
      expect(kubectl(['apply', '-f', '-'], JSON.stringify(pod)).code).toBe(0);
      await waitFor('pod hello Running', () => podPhase('hello') === 'Running', 60_000, 250);
      await waitFor('its log', () => kubectl(['logs', 'hello']).out === `built on the host ${tag}\n`, 10_000, 250);
      await expect(cluster.loadImage('minik8s-tc-test/no-such-image:1')).rejects.toThrow(
        'loadImage("minik8s-tc-test/no-such-image:1"): the Docker engine has no such image',
      );
    } finally {
      spawnSync('docker', ['rmi', image]);
    }
  });

  it('a pod resolves names through the cluster DNS, whose pod runs on the other node', async () => {
    const dnsNode = kubectl(['-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns', '-o', 'jsonpath={.items[*].spec.nodeName}']).out;
    expect(['node-1', 'node-2']).toContain(dnsNode);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'resolver' },
      spec: {
        nodeName: dnsNode === 'node-1' ? 'node-2' : 'node-1',
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'busybox:latest', command: ['nslookup', 'kubernetes.default.svc.cluster.local'] }],
      },
    };
    expect(kubectl(['apply', '-f', '-'], JSON.stringify(pod)).code).toBe(0);
    await waitFor('pod resolver done', () => ['Succeeded', 'Failed'].includes(podPhase('resolver')), 60_000, 250);
    const log = kubectl(['logs', 'resolver']).out;
    expect(log).toMatch(/Name:\s+kubernetes\.default\.svc\.cluster\.local\s+Address:\s+10\.96\.0\.1/);
    expect(podPhase('resolver')).toBe('Succeeded');
  });

  it('every node routes the Service and pod ranges to a sink (kube-proxy --sync-pod-routes)', async () => {
    for (const node of cluster.getNodeNames()) {
      const r = await cluster.getNodeContainer(node).exec(['ip', 'route']);
      expect(r.stdout, node).toMatch(/^10\.96\.0\.0\/12 dev kube-sink0/m);
      expect(r.stdout, node).toMatch(/^10\.244\.0\.0\/16 dev kube-sink0/m);
    }
  });

  it('componentLogs() and kubectl() in the container', async () => {
    expect(await cluster.componentLogs('kubelet', { node: 'node-2' })).toContain('"node registered"');
    expect(await cluster.componentLogs('apiserver', { tail: 5 })).not.toBe('');
    await expect(cluster.componentLogs('etcd', { node: 'node-3' })).rejects.toThrow('no node node-3 in this cluster (node-1, node-2)');
    const r = await cluster.kubectl('get', 'deployment', '-n', 'kube-system', 'cluster-dns', '-o', 'jsonpath={.status.readyReplicas}');
    expect(r).toMatchObject({ exitCode: 0, stdout: '1' });
  });
});

describe('the real kubectl on the shared cluster', () => {
  interface PodJson {
    metadata: { name: string; deletionTimestamp?: string };
    spec: { nodeName: string };
    status: { podIP: string };
  }

  it('logs deploy/web, exec, get pods -o wide', () => {
    const created = kubectl([
      'create',
      'deployment',
      'web',
      '--image=busybox:latest',
      '--replicas=2',
      '--',
      'sh',
      '-c',
      'echo "started on $(hostname)"; exec httpd -f -p 8080 -h /',
    ]);
    expect(created.code, created.err).toBe(0);
    const st = kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    expect(st.code, `${st.out}${st.err}`).toBe(0);
    const pods = (JSON.parse(kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json']).out) as { items: PodJson[] }).items.filter(
      (p) => !p.metadata.deletionTimestamp,
    );
    expect(pods).toHaveLength(2);

    const logs = kubectl(['logs', 'deploy/web']);
    expect(logs.code, logs.err).toBe(0);
    expect(pods.map((p) => `started on ${p.metadata.name}\n`)).toContain(logs.out);

    expect(kubectl(['exec', pods[0].metadata.name, '--', 'echo', 'hi'])).toMatchObject({ code: 0, out: 'hi\n' });
    // exec really runs inside that pod (its hostname), on whichever node it landed
    expect(kubectl(['exec', pods[1].metadata.name, '--', 'hostname']).out.trim()).toBe(pods[1].metadata.name);

    const wide = kubectl(['get', 'pods', '-o', 'wide', '-l', 'app=web']);
    expect(wide.code, wide.err).toBe(0);
    const [header, ...rows] = wide.out.trim().split('\n');
    expect(header.split(/\s{2,}/).slice(0, 7)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE']);
    const ipAt = header.indexOf('IP');
    const nodeAt = header.indexOf('NODE');
    expect(rows).toHaveLength(2);
    for (const p of pods) {
      const row = rows.find((r) => r.startsWith(`${p.metadata.name} `));
      expect(row, wide.out).toBeDefined();
      expect(row!.slice(ipAt).split(/\s+/)[0]).toBe(p.status.podIP);
      expect(row!.slice(nodeAt).split(/\s+/)[0]).toBe(p.spec.nodeName);
      expect(row).toMatch(/ 1\/1 +Running /);
    }
    expect(kubectl(['delete', 'deployment', 'web']).code).toBe(0);
  }, 180_000);
});

describe('a test process killed with its cluster up', () => {
  it('its reaper removes the containers; a cluster beside this one has its own name and port', async () => {
    const child = spawn(process.execPath, [FIXTURE, JSON.stringify({ dns: false })], {
      env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'true' },
    });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const started = await waitFor(
      `the child's cluster (${out})`,
      () => {
        const m = /^started (.*)$/m.exec(out);
        return m ? (JSON.parse(m[1]) as { id: string; name: string; port: number }) : undefined;
      },
      120_000,
      200,
    );
    expect(started.name).not.toBe(cluster.getName());
    expect(started.port).not.toBe(cluster.getMappedPort(6443));
    child.kill('SIGKILL');
    await waitFor(
      'the killed process’s cluster to be removed',
      () => docker(['ps', '-aq', '--filter', `id=${started.id}`]) === '',
      30_000,
      500,
    );
  });
});

/** Run the fixture with /run hidden (no /var/run/docker.sock: a machine without Docker); its JSON result. */
function startWithoutSocket(env: NodeJS.ProcessEnv, options: object): { stage: string; message: string; ms: number } {
  const r = spawnSync(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t tmpfs tmpfs /run && exec "$0" "$@"',
      process.execPath,
      FIXTURE,
      JSON.stringify(options),
    ],
    {
      env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'true', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  const m = /^failed (.*)$/m.exec(r.stdout);
  if (!m) throw new Error(`no failure line: ${r.stdout} ${r.stderr}`);
  return JSON.parse(m[1]);
}

describe('bad input: a clear error naming the stage, in bounded time, nothing left behind', () => {
  let silent: Server;
  beforeAll(async () => {
    // an "engine" that accepts connections and never answers
    silent = createServer(() => undefined);
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
  });
  afterAll(() => silent.close());

  it('no Docker engine', () => {
    const r = startWithoutSocket({ DOCKER_HOST: '' }, { timeoutMs: 5000 });
    expect(r.stage).toBe('docker');
    expect(r.message).toMatch(
      /^minik8s did not start: stage "docker" \(a Docker engine that answers\) failed after \d+\.\d s: Could not find a working container runtime strategy/,
    );
  });

  it('an engine that does not answer: given up after the startup timeout', () => {
    const port = (silent.address() as { port: number }).port;
    const r = startWithoutSocket({ DOCKER_HOST: `tcp://127.0.0.1:${port}` }, { timeoutMs: 3000 });
    expect(r.stage).toBe('docker');
    expect(r.message).toContain(`the Docker engine at DOCKER_HOST=tcp://127.0.0.1:${port} did not answer within 3.0 s`);
    expect(r.ms).toBeLessThan(8000);
  });

  it('an image the engine does not have and cannot pull', async () => {
    const e = await new MiniK8sContainer('127.0.0.1:1/minik8s/allinone:none').start().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MiniK8sStartError);
    expect((e as MiniK8sStartError).stage).toBe('image');
    expect((e as Error).message).toMatch(
      /the Docker engine has no image 127\.0\.0\.1:1\/minik8s\/allinone:none and cannot pull it \(.*\): check the name/,
    );
  });

  it('a host port the engine cannot map', async () => {
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
    const port = (busy.address() as { port: number }).port;
    const name = `minik8s-tc-busy-${tag}`;
    try {
      const e = await new MiniK8sContainer()
        .withName(name)
        .withExposedPorts({ container: 6443, host: port })
        .start()
        .catch((x: unknown) => x);
      expect((e as MiniK8sStartError).stage).toBe('container');
      expect((e as Error).message).toMatch(
        new RegExp(`stage "container" .*127\\.0\\.0\\.1:${port}.*(address already in use|port is already allocated)`),
      );
      expect(named(name)).toEqual([]);
    } finally {
      busy.close();
    }
  });

  it('a node that never becomes Ready: the stage, the node, and its kubelet saying why', async () => {
    const name = `minik8s-tc-bad-${tag}`;
    const t0 = Date.now();
    const e = await new MiniK8sContainer()
      .withName(name)
      .withClusterDns(false)
      .withKubeletFlags('--bogus-flag=1')
      .withStartupTimeout(15_000)
      .start()
      .catch((x: unknown) => x);
    expect((e as MiniK8sStartError).stage).toBe('nodes');
    const msg = (e as Error).message;
    expect(msg).toMatch(
      /^minik8s did not start: stage "nodes" \(every node Ready\) failed after \d+\.\d s: timed out after \d+\.\d s: node-1 has not registered/,
    );
    expect(msg).toContain('--- kubelet on node-1, last lines ---');
    expect(msg).toContain('kubelet: unknown flag: --bogus-flag');
    expect(Date.now() - t0).toBeLessThan(40_000);
    expect(named(name)).toEqual([]);
  }, 60_000);
});

describe('stop(), or the end of an `await using` block', () => {
  it('removes every node, their Docker volumes and the network', async () => {
    const ids = [cluster.getId(), cluster.getNodeContainer('node-2').getId()];
    const volumes = ids.flatMap((id) =>
      docker(['inspect', '-f', '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}', id]).split(' ').filter(Boolean),
    );
    const networks = cluster.getNetworkNames();
    expect(volumes.length).toBe(2);
    {
      await using disposed = cluster;
      expect(disposed.getNodeNames()).toHaveLength(2);
    }
    expect(docker(['ps', '-aq', ...ids.flatMap((id) => ['--filter', `id=${id}`])])).toBe('');
    for (const v of volumes) expect(spawnSync('docker', ['volume', 'inspect', v]).status).not.toBe(0);
    for (const n of networks) expect(spawnSync('docker', ['network', 'inspect', n]).status).not.toBe(0);
  });
});

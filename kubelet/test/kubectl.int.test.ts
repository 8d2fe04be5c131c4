// The real kubectl (v1.32) against our apiserver, whose podproxy relays to the kubelet:
// logs, logs -f, logs --tail, exec (output, exit codes, stdin), errors as Status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { R } from '@minik8s/shared';
import { kubeEnv, stopAll, waitFor } from '../../testing/procs';
import { createPod, ctr, podSpec, startKubeletEnv, waitPod, type KubeletEnv } from '../../testing/kubelet';

let env: KubeletEnv;
let kenv: NodeJS.ProcessEnv;
const subnet = `10.252.${randomInt(1, 250)}.0/24`;

function kubectl(args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync('kubectl', args, { env: kenv, input, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  env = await startKubeletEnv();
  kenv = { ...process.env, ...kubeEnv(env.api.url) };
  // A podCIDR assigned after registration (as node-ipam does) is used for the pods that follow.
  await env.client.resource(R.nodes).patch(env.node, { spec: { podCIDR: subnet } }, 'merge');
  await new Promise((r) => setTimeout(r, 3000));
  await createPod(env, podSpec('talker', { containers: [ctr('c', 'echo line-1; echo line-2; echo line-3; i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.5; done')] }, env.node));
  await createPod(env, podSpec('two', { containers: [ctr('a', 'echo from-a; exec sleep 3600'), ctr('b', 'echo from-b >&2; exec sleep 3600')] }, env.node));
  await createPod(env, podSpec('reader', { restartPolicy: 'Never', containers: [ctr('c', 'read line; echo got-$line', { stdin: true, stdinOnce: true })] }, env.node));
  await waitPod(env, 'talker', 'Running', (p) => p.status?.phase === 'Running');
  await waitPod(env, 'two', 'Running', (p) => p.status?.phase === 'Running');
});

afterAll(async () => {
  await env?.cleanup();
  await stopAll();
});

describe('kubectl against the podproxy and kubelet', () => {
  it('pods get IPs from the podCIDR set on the Node after registration', async () => {
    const p = await waitPod(env, 'talker', 'Running', (x) => !!x.status?.podIP);
    expect(p.status?.podIP?.startsWith(subnet.split('.').slice(0, 3).join('.') + '.')).toBe(true);
  });

  it('kubectl logs and --tail=1', async () => {
    const all = await waitFor('logs', () => {
      const r = kubectl(['logs', 'talker']);
      return r.code === 0 && r.out.includes('tick-2') ? r.out : undefined;
    });
    expect(all.startsWith('line-1\nline-2\nline-3\n')).toBe(true);
    const tail = kubectl(['logs', 'talker', '--tail=1']);
    expect(tail.code).toBe(0);
    expect(tail.out.trim().split('\n')).toHaveLength(1);
    expect(tail.out).toMatch(/^tick-\d+\n$/);
    const stamped = kubectl(['logs', 'talker', '--tail=1', '--timestamps']);
    expect(stamped.out).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z tick-\d+\n$/);
    expect(kubectl(['logs', 'talker', '--since=1h']).out.startsWith('line-1\n')).toBe(true);
  });

  it('kubectl logs -f streams new lines as they come', async () => {
    const child = spawn('kubectl', ['logs', '-f', 'talker', '--tail=1'], { env: kenv });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      // tick numbers keep growing while the stream stays open: at least 3 new ones arrive.
      await waitFor('followed lines', () => out.trim().split('\n').length >= 4, 20_000);
      const nums = out.trim().split('\n').map((l) => Number(l.replace('tick-', '')));
      expect(nums.every((n, i) => i === 0 || n === nums[i - 1] + 1)).toBe(true);
      expect(child.exitCode).toBe(null);
    } finally {
      child.kill();
    }
  });

  it('kubectl logs picks the container; a multi-container pod needs -c', () => {
    expect(kubectl(['logs', 'two', '-c', 'b']).out).toContain('from-b');
    const r = kubectl(['logs', 'two', '-c', 'nope']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('container nope is not valid for pod two');
    const missing = kubectl(['logs', 'nosuchpod']);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain('pods "nosuchpod" not found');
  });

  it('kubectl exec: output, exit codes, stdin', () => {
    const hi = kubectl(['exec', 'talker', '--', 'echo', 'hi']);
    expect(hi).toMatchObject({ code: 0, out: 'hi\n' });
    const three = kubectl(['exec', 'talker', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(three.code).toBe(3);
    expect(three.out).toBe('out\n');
    expect(three.err).toContain('err');
    expect(three.err).toContain('command terminated with exit code 3');
    const stdin = kubectl(['exec', '-i', 'talker', '--', 'sh', '-c', 'tr a-z A-Z'], 'hello from stdin\n');
    expect(stdin).toMatchObject({ code: 0, out: 'HELLO FROM STDIN\n' });
    const other = kubectl(['exec', 'two', '-c', 'b', '--', 'cat', '/etc/hostname']);
    expect(other).toMatchObject({ code: 0, out: 'two\n' });
  });

  it('kubectl exec of a missing binary fails cleanly', () => {
    const r = kubectl(['exec', 'talker', '--', '/no/such/binary']);
    expect(r.code).not.toBe(0);
    expect(r.err.length).toBeGreaterThan(0);
  });

  it('kubectl attach -i feeds the container stdin and shows its output', async () => {
    await waitPod(env, 'reader', 'Running', (p) => p.status?.phase === 'Running');
    const r = kubectl(['attach', '-i', 'reader'], 'hello\n');
    expect(r.out).toContain('got-hello');
    await waitPod(env, 'reader', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
  });

  it('kubectl exec -it gets a TTY (under a pty from script)', () => {
    const r = spawnSync('script', ['-qec', 'kubectl exec -it talker -- sh -c "[ -t 1 ] && echo stdout-is-a-tty"', '/dev/null'], { env: kenv, encoding: 'utf8', timeout: 30_000, input: '' });
    expect(r.stdout).toContain('stdout-is-a-tty');
  });
});

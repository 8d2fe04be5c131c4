import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatStartError, MiniK8sStartError } from '../src/errors';
import { ensureImage, findSource } from '../src/image';
import { credentialsOf, serverAt, withServer } from '../src/kubeconfig';
import { lastLines } from '../src/logs';
import { checkFlags, checkName, checkNodeCount, checkTimeout } from '../src/options';
import { endpointsReady, nodesProblem, notReadyNodes, type NodeLike } from '../src/readiness';

describe('builder options', () => {
  it.each([1, 2, 10])('%i nodes', (n) => expect(checkNodeCount(n)).toBe(n));
  it.each([0, -1, 11, 1.5, NaN])('%s nodes is refused', (n) => expect(() => checkNodeCount(n)).toThrow(/whole number from 1 to 10/));

  it.each([
    [['--v', '4'], '--v 4'],
    [['--node-labels=a=b,c=d'], '--node-labels=a=b,c=d'],
    [['--max-pods', '20', '--sync-frequency=2'], '--max-pods 20 --sync-frequency=2'],
    [['--feature=x/y:z@1+2%'], '--feature=x/y:z@1+2%'],
  ])('flags %j', (flags, joined) => expect(checkFlags('kubelet', flags)).toBe(joined));
  it.each([
    [['--a b'], /only letters, digits/],
    [['--a=$(reboot)'], /only letters, digits/],
    [['--a=*'], /only letters, digits/],
    [["--a='x'"], /only letters, digits/],
    [['--a=x\n--b'], /only letters, digits/],
    [['v', '4'], /must start with a --flag/],
    [['--a', ''], /flag 2 is empty/],
  ])('flags %j are refused', (flags, msg) => expect(() => checkFlags('kubelet', flags)).toThrow(msg));

  it.each(['minik8s-a1', 'Test.1', 'x'])('name %s', (n) => expect(checkName(n)).toBe(n));
  it.each(['', '-x', 'a b', 'x'.repeat(49), 'a/b'])('name %j is refused', (n) => expect(() => checkName(n)).toThrow(/1 to 48/));
  it.each([0, -5, 1.5])('timeout %s is refused', (ms) => expect(() => checkTimeout('withStartupTimeout', ms)).toThrow(/positive number/));
});

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: other
  cluster:
    server: https://10.0.0.1:443
- name: minik8s
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${Buffer.from('CA PEM').toString('base64')}
users:
- name: admin
  user:
    client-certificate-data: ${Buffer.from('CERT PEM').toString('base64')}
    client-key-data: ${Buffer.from('KEY PEM').toString('base64')}
contexts:
- name: minik8s
  context:
    cluster: minik8s
    user: admin
current-context: minik8s
`;

describe('kubeconfig', () => {
  it.each([
    ['http://127.0.0.1:6443', '127.0.0.1', 32768, 'http://127.0.0.1:32768'],
    ['https://127.0.0.1:6443', 'docker.example', 40000, 'https://docker.example:40000'],
    ['https://127.0.0.1:6443', '::1', 5, 'https://[::1]:5'],
  ])('server %s at %s:%i', (server, host, port, want) => expect(serverAt(server, host, port)).toBe(want));

  it("moves only the current context's server; certificates and the rest stay", () => {
    const out = withServer(KUBECONFIG, '127.0.0.1', 41000);
    expect(out).toContain('server: https://127.0.0.1:41000');
    expect(out).toContain('server: https://10.0.0.1:443');
    expect(out).toContain(`certificate-authority-data: ${Buffer.from('CA PEM').toString('base64')}`);
    expect(out).toContain('current-context: minik8s');
  });

  it('a server moved off the loopback is checked as localhost (what the apiserver certificate names); on it, as itself', () => {
    expect(withServer(KUBECONFIG, '172.17.0.1', 41000)).toContain('tls-server-name: localhost');
    expect(credentialsOf(withServer(KUBECONFIG, 'docker.example', 41000)).servername).toBe('localhost');
    expect(withServer(KUBECONFIG, '127.0.0.1', 41000)).not.toContain('tls-server-name');
    expect(withServer(KUBECONFIG.replace('https://127.0.0.1:6443', 'http://127.0.0.1:6443'), '172.17.0.1', 1)).not.toContain(
      'tls-server-name',
    );
    expect(credentialsOf(KUBECONFIG).servername).toBeUndefined();
  });

  it('credentials of the current context', () => {
    const c = credentialsOf(KUBECONFIG);
    expect(c.server).toBe('https://127.0.0.1:6443');
    expect(c.ca?.toString()).toBe('CA PEM');
    expect(c.cert?.toString()).toBe('CERT PEM');
    expect(c.key?.toString()).toBe('KEY PEM');
    expect(c.token).toBeUndefined();
    expect(credentialsOf(KUBECONFIG.replace(/client-certificate-data.*\n.*client-key-data.*\n/, 'token: abc\n')).token).toBe('abc');
  });

  it.each([
    ['clusters: [', /not valid YAML/],
    ['kind: Config\n', /names no cluster with a server/],
  ])('a broken kubeconfig %j is a clear error', (text, msg) => expect(() => withServer(text, 'h', 1)).toThrow(msg));
});

const node = (name: string, ready: string | undefined, podCIDR?: string, reason?: string): NodeLike => ({
  metadata: { name },
  spec: { podCIDR },
  status: { conditions: ready ? [{ type: 'Ready', status: ready, reason, message: reason && 'container runtime network not ready' }] : [] },
});

describe('readiness', () => {
  it.each<[string, NodeLike[], string[], string | undefined]>([
    ['all Ready', [node('node-1', 'True', '10.244.0.0/24'), node('node-2', 'True', '10.244.1.0/24')], ['node-1', 'node-2'], undefined],
    ['one missing', [node('node-1', 'True', '10.244.0.0/24')], ['node-1', 'node-2'], 'node-2 has not registered'],
    [
      'NotReady with its reason',
      [node('node-1', 'False', undefined, 'KubeletNotReady')],
      ['node-1'],
      'node-1 is not Ready (KubeletNotReady: container runtime network not ready)',
    ],
    ['no Ready condition yet', [node('node-1', undefined)], ['node-1'], 'node-1 is not Ready'],
    ['Ready but no podCIDR', [node('node-1', 'True')], ['node-1'], 'node-1 has no podCIDR yet'],
    ['other nodes do not count', [node('node-1', 'True', '10.244.0.0/24'), node('x', 'False')], ['node-1'], undefined],
  ])('%s', (_, items, expected, want) => expect(nodesProblem(items, expected)).toBe(want));

  it('names the nodes that are not ready', () => {
    expect(notReadyNodes([node('node-1', 'True', '10.244.0.0/24'), node('node-2', 'False')], ['node-1', 'node-2', 'node-3'])).toEqual([
      'node-2',
      'node-3',
    ]);
  });

  it.each([
    [undefined, false],
    [{}, false],
    [{ subsets: [{ notReadyAddresses: [{ ip: '10.244.0.2' }] }] }, false],
    [{ subsets: [{ addresses: [{ ip: '10.244.0.2' }] }] }, true],
  ])('endpoints %j ready: %s', (e, want) => expect(endpointsReady(e as never)).toBe(want));
});

describe('start errors', () => {
  it('name the stage, the time and the last log lines', () => {
    const msg = formatStartError('nodes', 'node-2 has not registered', 15_040, [
      { what: 'kubelet on node-2', text: 'line 1\nunknown flag --bogus\n' },
      { what: 'dockerd on node-2', text: '' },
    ]);
    expect(msg).toBe(
      'minik8s did not start: stage "nodes" (every node Ready) failed after 15.0 s: node-2 has not registered\n' +
        '--- kubelet on node-2, last lines ---\nline 1\nunknown flag --bogus\n' +
        '--- dockerd on node-2, last lines ---\n(empty)',
    );
    const e = new MiniK8sStartError('docker', 'no answer', 10, [], { cause: new Error('x') });
    expect(e.stage).toBe('docker');
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('last lines of a log', () => {
    expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc');
    expect(lastLines('a', 5)).toBe('a');
  });
});

describe('image source', () => {
  it('is the checkout holding the package, or MINIK8S_SOURCE', () => {
    const root = mkdtempSync(join(tmpdir(), 'minik8s-src-'));
    mkdirSync(join(root, 'scripts'));
    mkdirSync(join(root, 'images', 'allinone'), { recursive: true });
    writeFileSync(join(root, 'scripts', 'images.sh'), '');
    writeFileSync(join(root, 'images', 'allinone', 'Dockerfile'), '');
    mkdirSync(join(root, 'node_modules', 'x', 'dist'), { recursive: true });
    expect(findSource(join(root, 'node_modules', 'x', 'dist'), undefined)).toBe(root);
    expect(findSource(tmpdir(), root)).toBe(root);
    expect(findSource(tmpdir(), undefined)).toBeUndefined();
    expect(() => findSource(root, tmpdir())).toThrow(/is not a minik8s checkout/);
  });
});

describe('the image before a start', () => {
  const client = (have: boolean, pulls: string[]) =>
    ({
      image: {
        exists: async () => have,
        pull: async (n: { string: string }) => {
          pulls.push(n.string);
          throw new Error('connect ECONNREFUSED 127.0.0.1:443\nmore');
        },
      },
    }) as never;
  const noSource = () => undefined;

  it('there already: nothing built, nothing pulled', async () => {
    const pulls: string[] = [];
    await ensureImage(client(true, pulls), 'minik8s/allinone', 'missing', undefined, () => {
      throw new Error('no build expected');
    });
    expect(pulls).toEqual([]);
  });

  it('missing, no checkout to build it from, no registry: what to do', async () => {
    const pulls: string[] = [];
    await expect(ensureImage(client(false, pulls), 'minik8s/allinone', 'missing', undefined, noSource)).rejects.toThrow(
      'the Docker engine has no image minik8s/allinone:latest and cannot pull it (connect ECONNREFUSED 127.0.0.1:443): build it in a minik8s checkout (npm run up, or bash scripts/images.sh), or set MINIK8S_SOURCE to a checkout to build it from',
    );
    expect(pulls).toEqual(['minik8s/allinone:latest']);
  });

  it('another image: pulled, else the name is to check', async () => {
    await expect(ensureImage(client(false, []), 'me/cluster:1', 'always', undefined, noSource)).rejects.toThrow(
      /no image me\/cluster:1 and cannot pull it .*: check the name/,
    );
  });
});

// The kubeconfig fast path must give exactly YAML.parse's answer, or none (then the yaml library is used).
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseKubeconfigYaml } from '../src/client/kubeconfig-yaml';

// Written by `kubectl config set-cluster/set-credentials/set-context/use-context/set` (v1.32).
const KUBECTL_WRITTEN = `apiVersion: v1
clusters:
- cluster:
    server: http://127.0.0.1:6443
  name: minik8s
- cluster:
    certificate-authority: /etc/ca.crt
    insecure-skip-tls-verify: true
    server: https://10.0.0.1:6443
    tls-server-name: api.local
  name: tls
contexts:
- context:
    cluster: minik8s
    namespace: team
    user: admin
  name: minik8s
current-context: minik8s
kind: Config
preferences: {}
users:
- name: admin
  user:
    token: abc.def-123
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      args:
      - --x
      - "y"
      command: /bin/get-token
      env: null
      provideClusterInfo: false
`;

// testing/procs.ts kubeEnv() and the compose cluster's kubeconfig shape.
const OURS = `apiVersion: v1\nkind: Config\nclusters:\n- name: minik8s\n  cluster:\n    server: http://127.0.0.1:6443\ncontexts:\n- name: minik8s\n  context:\n    cluster: minik8s\n    user: minik8s\ncurrent-context: minik8s\nusers:\n- name: minik8s\n  user: {}\n`;

const IN_SUBSET = [
  KUBECTL_WRITTEN,
  OURS,
  YAML.stringify(YAML.parse(KUBECTL_WRITTEN)), // indented sequences, as the yaml library writes them
  'a:\n  # a comment\n  b: c\n\n# another\nd: ""\ne: \'\'\nf:\ng: [] \nh: TRUE\ni: Null\n',
  'list:\n-\n  a: b\n-\n- x\n- - nested\n  - more\n-   wide: a1\n    next: "quoted: # not a comment"\n',
  'k: \'it has "double" quotes\'\nk2: a:b\nk3: /x/y=+@.\n',
];

const OUT_OF_SUBSET = [
  '',
  'a: 1\n', // numbers
  'a: b # comment\n',
  'a: |\n  text\n',
  'a: &x b\nc: *x\n',
  'a: !!str b\n',
  'a: "esc\\n"\n',
  "a: 'it''s'\n",
  'a: { b: c }\n',
  'a: [b]\n',
  'a: b\n  c\n', // multi-line plain scalar
  'a:\n  plain\n',
  '---\na: b\n',
  'a: b\na: c\n', // duplicate key: the yaml library reports it
  'a:\tb\n',
  'a: b\r\n',
  'a: ünïcode\n',
  '  a: b\n',
  '- a\n- b\n'.replace(/^/, 'x: y\n'),
  'a:b\n',
  '"a": b\n',
  'true: b\n',
  'a: b:\n',
  'a: ~\n',
  'a: .inf\n',
  'a: -\n',
  'a: b\n - c\n',
  '__proto__: x\n',
];

describe('parseKubeconfigYaml', () => {
  it.each(IN_SUBSET.map((t, i) => [i, t]))('reads sample %i exactly as YAML.parse does', (_i, text) => {
    const fast = parseKubeconfigYaml(text);
    expect(fast).not.toBeUndefined();
    expect(fast).toEqual(YAML.parse(text));
  });

  it.each(OUT_OF_SUBSET.map((t, i) => [i, t]))('leaves sample %i to the yaml library', (_i, text) => {
    expect(parseKubeconfigYaml(text)).toBeUndefined();
  });

  it('agrees with YAML.parse whenever it answers (seeded random documents and line mutations)', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const atoms = [
      'a',
      'b-c',
      'x.y',
      'true',
      'null',
      '1',
      '0x1',
      '"q"',
      "'s'",
      '{}',
      '[]',
      '~',
      '/p',
      'h:p',
      'a b',
      'k:',
      '#c',
      '-',
      '- x',
      '"a\\"',
      'é',
      '--x',
      '-1',
      '-x',
      '-.5',
      '-',
    ];
    const pick = <T>(xs: T[]) => xs[rnd(xs.length)];
    let answered = 0;
    for (let n = 0; n < 3000; n++) {
      const lines: string[] = [];
      const count = 1 + rnd(8);
      for (let l = 0; l < count; l++) {
        const indent = ' '.repeat(pick([0, 0, 2, 2, 4, 1, 3]));
        const shape = rnd(5);
        if (shape === 0) lines.push(`${indent}${pick(atoms)}:`);
        else if (shape === 1) lines.push(`${indent}${pick(atoms)}: ${pick(atoms)}`);
        else if (shape === 2) lines.push(`${indent}- ${pick(atoms)}`);
        else if (shape === 3) lines.push(`${indent}- ${pick(atoms)}: ${pick(atoms)}`);
        else lines.push(`${indent}${pick(atoms)}`);
      }
      const text = lines.join('\n') + '\n';
      const fast = parseKubeconfigYaml(text);
      if (fast === undefined) continue;
      answered++;
      let expected: unknown;
      try {
        expected = YAML.parse(text);
      } catch (e) {
        expect.fail(`fast path answered for text YAML rejects (${(e as Error).message}):\n${text}`);
      }
      expect(fast, text).toEqual(expected);
    }
    expect(answered).toBeGreaterThan(100);
  });
});

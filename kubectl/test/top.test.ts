import { describe, expect, it } from 'vitest';
import { printNodeMetrics, printPodMetrics, type NodeMetrics, type PodMetrics } from '../src/commands/top';

const node = (name: string, cpu: string, memory: string): NodeMetrics => ({ metadata: { name }, usage: { cpu, memory } });
const pod = (name: string, namespace: string, containers: [string, string, string][]): PodMetrics => ({
  metadata: { name, namespace },
  containers: containers.map(([n, cpu, memory]) => ({ name: n, usage: { cpu, memory } })),
});

describe('printNodeMetrics (kubectl top node)', () => {
  const alloc = new Map([
    ['a', { cpu: '2', memory: '4Gi' }],
    ['b', { cpu: '4', memory: '8Gi' }],
    ['gone', { cpu: '1', memory: '1Gi' }],
  ]);
  const ms = [node('b', '1500000000n', '2097152Ki'), node('a', '329087452n', '1000Mi')];

  it('sorted by name, millicores rounded up, Mi rounded down, % truncated, missing nodes <unknown>', () => {
    expect(printNodeMetrics(ms, alloc, {})).toBe(
      'NAME   CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   \n' +
        'a      330m         16%         1000Mi          24%         \n' +
        'b      1500m        37%         2048Mi          25%         \n' +
        'gone   <unknown>    <unknown>   <unknown>       <unknown>   \n',
    );
  });

  it("--sort-by cpu|memory (descending), --no-headers; cells at least 6 wide as kubectl's tabwriter", () => {
    expect(printNodeMetrics(ms, new Map(), { sortBy: 'cpu', noHeaders: true })).toBe('b     1500m   2048Mi   \na     330m    1000Mi   \n');
    expect(printNodeMetrics([node('x', '0', '0')], new Map(), { noHeaders: true })).toBe('x     0m    0Mi   \n');
    expect(printNodeMetrics(ms, new Map(), { sortBy: 'memory', noHeaders: true }).split('\n')[0]).toMatch(/^b /);
  });

  it('prints nothing without metrics', () => {
    expect(printNodeMetrics([], alloc, {})).toBe('');
  });
});

describe('printPodMetrics (kubectl top pod)', () => {
  const ms = [
    pod('web', 'default', [
      ['app', '1500000n', '1024Ki'],
      ['side', '1500000n', '1048576'],
    ]),
    pod('db', 'prod', [['pg', '250m', '300Mi']]),
    pod('api', 'default', [['srv', '0', '0']]),
  ];

  it('containers summed exactly, sorted by name', () => {
    expect(printPodMetrics(ms, {})).toBe(
      'NAME   CPU(cores)   MEMORY(bytes)   \n' +
        'api    0m           0Mi             \n' +
        'db     250m         300Mi           \n' +
        'web    3m           2Mi             \n',
    );
  });

  it('-A sorts by namespace then name; --containers one line per container', () => {
    const out = printPodMetrics(ms, { allNamespaces: true, containers: true });
    expect(out.split('\n').map((l) => l.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'NAMESPACE POD NAME',
      'default api srv',
      'default web app',
      'default web side',
      'prod db pg',
      '',
    ]);
  });

  it('--sum: a rule and the exact totals under the usage columns', () => {
    expect(printPodMetrics(ms, { sum: true }).split('\n').slice(-3)).toEqual([
      '       ________     ________        ',
      '       253m         302Mi           ',
      '',
    ]);
  });

  it('--sort-by cpu and memory put the heaviest first', () => {
    expect(printPodMetrics(ms, { sortBy: 'cpu', noHeaders: true }).split('\n')[0]).toMatch(/^db /);
    expect(
      printPodMetrics(ms, { sortBy: 'memory', noHeaders: true })
        .split('\n')
        .map((l) => l.split(' ')[0]),
    ).toEqual(['db', 'web', 'api', '']);
  });
});

import { describe, expect, it } from 'vitest';
import type { core } from '@minik8s/shared';
import { fitErrorMessage, schedulePod } from '../src/algorithm';
import { defaultConfig, buildProfile } from '../src/config';
import { buildSnapshot } from '../src/model';
import { SchedulerCache } from '../src/cache';
import { node, pod } from './fixtures';

const profile = defaultConfig().profiles[0];

function run(p: core.Pod, nodes: core.Node[], existing: core.Pod[] = []) {
  return schedulePod(p, buildSnapshot(nodes, existing), profile, () => 0.99);
}

function message(p: core.Pod, nodes: core.Node[], existing: core.Pod[] = []): string {
  const r = run(p, nodes, existing);
  if (!('fitError' in r)) throw new Error(`scheduled on ${r.node}`);
  return fitErrorMessage(r.fitError);
}

describe('schedulePod', () => {
  it('picks the least allocated feasible node', () => {
    const r = run(pod('p', { cpu: '1' }), [node('a', { cpu: '2' }), node('b', { cpu: '8' }), node('c', { cpu: '4' })]);
    expect(r).toMatchObject({ node: 'b', feasible: 3 });
  });

  it('skips infeasible nodes', () => {
    const r = run(pod('p', { cpu: '3' }), [node('a', { cpu: '2' }), node('b', { cpu: '4' })], [pod('e', { cpu: '2', nodeName: 'b' })]);
    expect('fitError' in r).toBe(true);
  });

  it('weights taint preference above resources', () => {
    const r = run(pod('p', { cpu: '1' }), [
      node('big', { cpu: '16', taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }),
      node('small', { cpu: '2' }),
    ]);
    expect(r).toMatchObject({ node: 'small' });
  });

  it('explains resource and taint failures like upstream, sorted', () => {
    const nodes = [
      node('a', { cpu: '1' }),
      node('b', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }),
      node('c', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }),
    ];
    expect(message(pod('p', { cpu: '2' }), nodes)).toBe(
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}. ' +
        'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
    );
  });

  it('counts every insufficient resource of a node', () => {
    expect(message(pod('p', { cpu: '8', memory: '64Gi' }), [node('a'), node('b')])).toBe(
      '0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
    );
  });

  it('reports lower-priority pods that would not help', () => {
    const msg = message(pod('p', { cpu: '8', priority: 100 }), [node('a', { cpu: '4' })], [pod('low', { cpu: '1', nodeName: 'a' })]);
    expect(msg).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.');
  });

  it('sorts reason strings lexicographically as upstream', () => {
    const nodes = [...Array.from({ length: 10 }, (_, i) => node(`s${i}`, { cpu: '1', labels: { zone: 'x' } })), node('c', { cpu: '1' })];
    expect(message(pod('p', { cpu: '2', spec: { nodeSelector: { zone: 'x' } } }), nodes)).toMatch(
      /^0\/11 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector, 10 Insufficient cpu\. /,
    );
  });

  it('honours preemptionPolicy Never', () => {
    expect(message(pod('p', { cpu: '9', spec: { preemptionPolicy: 'Never' } }), [node('a')])).toBe(
      '0/1 nodes are available: 1 Insufficient cpu. not eligible due to preemptionPolicy=Never.',
    );
  });

  it('reports no nodes', () => {
    expect(message(pod('p'), [])).toBe('no nodes available to schedule pods');
  });

  it('breaks ties at random among the best nodes', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const seen = new Set<string>();
    for (const x of [0, 0.4, 0.99]) {
      const r = schedulePod(pod('p', { cpu: '1' }), buildSnapshot(nodes, []), profile, () => x);
      if ('node' in r) seen.add(r.node);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('a burst through the cache never overcommits', () => {
    const cache = new SchedulerCache();
    for (const [n, cpu] of [
      ['a', '1'],
      ['b', '2'],
      ['c', '4'],
    ] as const)
      cache.setNode(node(n, { cpu }));
    const placed: Record<string, number> = {};
    let failures = 0;
    for (let i = 0; i < 20; i++) {
      const p = pod(`p${i}`, { cpu: '500m' });
      const r = schedulePod(p, cache.snapshot(), profile);
      if ('node' in r) {
        cache.assume(`default/p${i}`, p, r.node);
        placed[r.node] = (placed[r.node] ?? 0) + 1;
      } else failures++;
    }
    expect(placed).toEqual({ a: 2, b: 4, c: 8 });
    expect(failures).toBe(6);
  });

  it('a profile without NodeResourcesFit ignores requests', () => {
    const p = buildProfile({ plugins: { filter: { disabled: [{ name: 'NodeResourcesFit' }] } } });
    const r = schedulePod(pod('p', { cpu: '100' }), buildSnapshot([node('a')], []), p);
    expect(r).toMatchObject({ node: 'a' });
  });
});

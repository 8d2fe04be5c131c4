import { describe, expect, it } from 'vitest';
import { nodeAllocatable, podRequests } from '../src/resources';
import type { core } from '@minik8s/shared';

const c = (name: string, requests?: Record<string, string>, restartPolicy?: string): core.Container => ({
  name,
  image: 'x',
  resources: requests ? { requests } : undefined,
  restartPolicy,
});

describe('podRequests', () => {
  const cases: { name: string; spec: core.PodSpec; nonZero?: boolean; want: Record<string, number> }[] = [
    {
      name: 'sum of containers',
      spec: { containers: [c('a', { cpu: '100m', memory: '1Mi' }), c('b', { cpu: '0.5' })] },
      want: { cpu: 600, memory: 1048576 },
    },
    { name: 'no requests', spec: { containers: [c('a')] }, want: {} },
    {
      name: 'non-zero defaults for scoring',
      spec: { containers: [c('a'), c('b', { cpu: '1' })] },
      nonZero: true,
      want: { cpu: 1100, memory: 2 * 200 * 1024 * 1024 },
    },
    {
      name: 'init container max rule',
      spec: { initContainers: [c('i1', { cpu: '2' }), c('i2', { memory: '10' })], containers: [c('a', { cpu: '1', memory: '20' })] },
      want: { cpu: 2000, memory: 20 },
    },
    {
      name: 'sidecar adds to steady state and later init containers',
      spec: { initContainers: [c('side', { cpu: '500m' }, 'Always'), c('i', { cpu: '1' })], containers: [c('a', { cpu: '200m' })] },
      want: { cpu: 1500 },
    },
    { name: 'overhead', spec: { containers: [c('a', { cpu: '1' })], overhead: { cpu: '250m' } }, want: { cpu: 1250 } },
    { name: 'extended resource', spec: { containers: [c('a', { 'example.com/gpu': '2' })] }, want: { 'example.com/gpu': 2 } },
  ];
  for (const tc of cases)
    it(tc.name, () => {
      expect(podRequests({ metadata: {}, spec: tc.spec }, tc.nonZero)).toEqual(tc.want);
    });
});

describe('nodeAllocatable', () => {
  it('uses allocatable, falls back to capacity, defaults pods to 110', () => {
    expect(nodeAllocatable({ metadata: {}, status: { allocatable: { cpu: '2', memory: '1Ki' } } })).toEqual({
      cpu: 2000,
      memory: 1024,
      pods: 110,
    });
    expect(nodeAllocatable({ metadata: {}, status: { capacity: { cpu: '1', pods: '5' } } })).toEqual({ cpu: 1000, pods: 5 });
  });
});

import { describe, expect, it } from 'vitest';
import type { QuotaObject } from '@minik8s/shared';
import { countedResource, quotaStatus, statusDiffers, updateMayFreeUsage } from '../src/controllers/resourcequota/logic';

const now = new Date('2026-01-01T00:00:00Z');

describe('resourcequota controller decisions', () => {
  it('status.hard mirrors spec.hard and used is recalculated (finished pods freed)', () => {
    const q = {
      metadata: { name: 'q', namespace: 'ns' },
      spec: { hard: { pods: '2', 'requests.cpu': '1' } },
      status: { hard: { pods: '2', 'requests.cpu': '1' }, used: { pods: '2', 'requests.cpu': '1' } },
    };
    const running = { spec: { containers: [{ name: 'c', resources: { requests: { cpu: '250m' } } }] } };
    const done = { spec: { containers: [{ name: 'c', resources: { requests: { cpu: '750m' } } }] }, status: { phase: 'Succeeded' } };
    const want = quotaStatus(q, [{ group: '', resource: 'pods', items: [running, done] }], now);
    expect(want).toEqual({ hard: { pods: '2', 'requests.cpu': '1' }, used: { pods: '1', 'requests.cpu': '250m' } });
    expect(statusDiffers(q, want)).toBe(true);
    expect(statusDiffers({ ...q, status: want }, want)).toBe(false);
  });
  it.each([
    ['count/pods', { group: '', resource: 'pods' }],
    ['count/deployments.apps', { group: 'apps', resource: 'deployments' }],
    ['count/widgets.example.com', { group: 'example.com', resource: 'widgets' }],
    ['pods', undefined],
  ])('%s counts', (name, want) => expect(countedResource(name)).toEqual(want));
  const pod = (phase: string) => ({ spec: { containers: [] }, status: { phase } });
  it.each<[string, string, QuotaObject, QuotaObject, boolean]>([
    ['a pod that finished', 'pods', pod('Running'), pod('Succeeded'), true],
    ['a pod status update that keeps it charged', 'pods', pod('Pending'), pod('Running'), false],
    ['a finished pod updated again', 'pods', pod('Failed'), pod('Failed'), false],
    ['a Service whose type changed', 'services', { spec: { type: 'NodePort' } }, { spec: { type: 'ClusterIP' } }, true],
    [
      'a quota status write (an admission charge)',
      'resourcequotas',
      { spec: { hard: { pods: '1' } } },
      { spec: { hard: { pods: '1' } }, status: {} },
      false,
    ],
    ['a ConfigMap data change', 'configmaps', { metadata: { name: 'a' } }, { metadata: { name: 'a' } }, false],
  ])('replenishment: %s → %s', (_what, resource, old, cur, want) => expect(updateMayFreeUsage(resource, old, cur, now)).toBe(want));
});

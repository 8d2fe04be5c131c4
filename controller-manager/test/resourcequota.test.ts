import { describe, expect, it } from 'vitest';
import { countedResource, quotaStatus, statusDiffers } from '../src/controllers/resourcequota/logic';

const now = new Date('2026-01-01T00:00:00Z');

describe('resourcequota controller decisions', () => {
  it('status.hard mirrors spec.hard and used is recalculated (finished pods freed)', () => {
    const q = { metadata: { name: 'q', namespace: 'ns' }, spec: { hard: { pods: '2', 'requests.cpu': '1' } }, status: { hard: { pods: '2', 'requests.cpu': '1' }, used: { pods: '2', 'requests.cpu': '1' } } };
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
});

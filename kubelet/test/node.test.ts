// NodeAgent registration: the Node object the kubelet creates.
import { describe, expect, it } from 'vitest';
import { createLogger, type ApiClient } from '@minik8s/shared';
import { NodeAgent } from '../src/node';
import { NETWORK_NOT_READY } from '../src/network';
import type { Node } from '../src/kinds';

/** An ApiClient that keeps the objects it is given, by resource and name. */
function fakeClient(): { client: ApiClient; created: Node[] } {
  const created: Node[] = [];
  const store = new Map<string, Record<string, unknown>>();
  const client = {
    resource: (rt: { resource: string }) => ({
      create: async (obj: Record<string, unknown> & { metadata: { name: string } }) => {
        if (rt.resource === 'nodes') created.push(structuredClone(obj) as Node);
        const stored = { ...obj, metadata: { ...obj.metadata, uid: 'uid-1' } };
        store.set(`${rt.resource}/${obj.metadata.name}`, stored);
        return stored;
      },
      get: async (name: string) => store.get(`${rt.resource}/${name}`) ?? { metadata: { name }, spec: {} },
      patch: async (name: string) => store.get(`${rt.resource}/${name}`),
      update: async (obj: unknown) => obj,
    }),
  } as unknown as ApiClient;
  return { client, created };
}

const options = (requirePodCIDR: boolean) => ({
  name: 'node-a',
  ip: '10.0.0.5',
  port: 10250,
  labels: {},
  capacity: { cpu: '2', memory: '4Gi', pods: '110' },
  reserved: { cpu: '500m' },
  runtimeVersion: 'docker://20.10.24',
  statusFrequencyMs: 60_000,
  leaseDurationSeconds: 40,
  requirePodCIDR,
});

describe('NodeAgent.register', () => {
  it.each([
    { requirePodCIDR: false, ready: 'True', message: 'kubelet is posting ready status' },
    { requirePodCIDR: true, ready: 'False', message: NETWORK_NOT_READY },
  ])('creates the Node with its capacity, allocatable and Ready=$ready (require-pod-cidr $requirePodCIDR)', async ({ requirePodCIDR, ready, message }) => {
    const { client, created } = fakeClient();
    const agent = new NodeAgent(client, options(requirePodCIDR), createLogger('test', { level: 'silent' }));
    await agent.register();
    agent.stop();
    expect(created).toHaveLength(1);
    const status = created[0].status!;
    expect(status.capacity).toEqual({ cpu: '2', memory: '4Gi', pods: '110' });
    expect(status.allocatable?.cpu).toBe('1500m');
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: ready, message });
    expect(status.addresses).toContainEqual({ type: 'InternalIP', address: '10.0.0.5' });
  });
});

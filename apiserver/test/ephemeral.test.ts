// pods/ephemeralcontainers: what `kubectl debug` patches, with upstream's rules (only ephemeral containers
// change, existing ones stay as they are, no workload fields), over the whole apiserver in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEphemeralUpdate } from '../src/kinds/core/pod/ephemeral';
import { inProcessServer, type InProcess } from './inprocess';

const PODS = '/api/v1/namespaces/default/pods';
const SMP = { 'content-type': 'application/strategic-merge-patch+json' };
const debugger_ = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: 'busybox:1.36', stdin: true, tty: true, targetContainerName: 'app', ...extra });
const messages = (r: { body: any }) => (r.body.details?.causes ?? []).map((c: any) => `${c.field}: ${c.message}`);

describe('validateEphemeralUpdate', () => {
  const old = { metadata: {}, spec: { containers: [{ name: 'app', image: 'x' }], initContainers: [{ name: 'init', image: 'x' }], ephemeralContainers: [{ name: 'd1', image: 'x' }] } };
  const withList = (list: unknown[]) => ({ ...old, spec: { ...old.spec, ephemeralContainers: list } });
  it.each([
    ['one more', [{ name: 'd1', image: 'x' }, { name: 'd2', image: 'x', targetContainerName: 'init' }], []],
    ['a removed one', [], ['spec.ephemeralContainers: Forbidden: existing ephemeral containers "d1" may not be removed\n']],
    ['a changed one', [{ name: 'd1', image: 'y' }], ['spec.ephemeralContainers: Forbidden: existing ephemeral containers "d1" may not be changed\n']],
    ['a clashing name, no image, an unknown target', [{ name: 'd1', image: 'x' }, { name: 'app', targetContainerName: 'nope' }], [
      'spec.ephemeralContainers[1].name: Duplicate value: "app"',
      'spec.ephemeralContainers[1].image: Required value',
      'spec.ephemeralContainers[1].targetContainerName: Not found: "nope"',
    ]],
    ['workload fields', [{ name: 'd1', image: 'x' }, { name: 'd3', image: 'x', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } }, readinessProbe: { exec: { command: ['true'] } }, volumeMounts: [{ name: 'v', mountPath: '/v', subPath: 's' }] }], [
      'spec.ephemeralContainers[1].ports: Forbidden: cannot be set for an Ephemeral Container',
      'spec.ephemeralContainers[1].resources: Forbidden: cannot be set for an Ephemeral Container',
      'spec.ephemeralContainers[1].readinessProbe: Forbidden: cannot be set for an Ephemeral Container',
      'spec.ephemeralContainers[1].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container',
    ]],
  ])('%s', (_w, list, want) => {
    expect(validateEphemeralUpdate(withList(list), old).map((c) => `${c.field}: ${c.message}`)).toEqual(want);
  });

  it('refuses static pods', () => {
    const mirror = { ...old, metadata: { annotations: { 'kubernetes.io/config.mirror': 'x' } } };
    expect(validateEphemeralUpdate(mirror, mirror).map((c) => c.message)).toEqual(['Forbidden: static pods do not support ephemeral containers']);
  });
});

describe('the subresource', () => {
  let api: InProcess;
  beforeAll(async () => {
    api = inProcessServer();
    await api.ready();
    const created = await api.req('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] } });
    expect(created.code).toBe(201);
  });
  afterAll(() => api.close());

  it('is discovered, and GET answers the Pod', async () => {
    const res = (await api.req('GET', '/api/v1')).body.resources;
    expect(res).toContainEqual({ name: 'pods/ephemeralcontainers', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get', 'patch', 'update'] });
    expect(res).toContainEqual(expect.objectContaining({ name: 'pods/portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] }));
    expect((await api.req('GET', `${PODS}/p/ephemeralcontainers`)).body).toMatchObject({ kind: 'Pod', metadata: { name: 'p' } });
  });

  it('adds a debug container with a strategic merge patch (defaults applied), and only that', async () => {
    const r = await api.req('PATCH', `${PODS}/p/ephemeralcontainers`, { metadata: { labels: { sneaky: 'yes' } }, spec: { ephemeralContainers: [debugger_('debugger-1')] } }, SMP);
    expect(r.code).toBe(200);
    expect(r.body.spec.ephemeralContainers).toEqual([{ ...debugger_('debugger-1'), imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }]);
    expect(r.body.metadata.labels).toBeUndefined();
    const again = await api.req('PATCH', `${PODS}/p/ephemeralcontainers`, { spec: { '$setElementOrder/ephemeralContainers': [{ name: 'debugger-1' }, { name: 'debugger-2' }], ephemeralContainers: [debugger_('debugger-2', { targetContainerName: undefined })] } }, SMP);
    expect(again.body.spec.ephemeralContainers.map((c: any) => c.name)).toEqual(['debugger-1', 'debugger-2']);
  });

  it('PUT: the rest of the pod is dropped; removing one is refused (422)', async () => {
    const pod = (await api.req('GET', `${PODS}/p`)).body;
    const changed = { ...pod, spec: { ...pod.spec, containers: [{ ...pod.spec.containers[0], image: 'other' }], ephemeralContainers: [...pod.spec.ephemeralContainers, debugger_('debugger-3')] } };
    const put = await api.req('PUT', `${PODS}/p/ephemeralcontainers`, changed);
    expect(put.code).toBe(200);
    expect(put.body.spec.containers[0].image).toBe('busybox:1.36');
    expect(put.body.spec.ephemeralContainers).toHaveLength(3);
    const removed = await api.req('PUT', `${PODS}/p/ephemeralcontainers`, { ...put.body, spec: { ...put.body.spec, ephemeralContainers: [] } });
    expect(removed.code).toBe(422);
    expect(removed.body.message).toMatch(/^Pod "p" is invalid: \[spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger-1" may not be removed/);
    const stale = await api.req('PUT', `${PODS}/p/ephemeralcontainers`, { ...pod, spec: { ...pod.spec, ephemeralContainers: [...pod.spec.ephemeralContainers, debugger_('late')] } });
    expect(stale.code).toBe(409);
  });

  it('refuses workload fields (422) and unknown pods (404)', async () => {
    const bad = await api.req('PATCH', `${PODS}/p/ephemeralcontainers`, { spec: { ephemeralContainers: [debugger_('bad', { ports: [{ containerPort: 80 }] })] } }, SMP);
    expect(bad.code).toBe(422);
    expect(messages(bad)).toEqual(['spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container']);
    expect((await api.req('PATCH', `${PODS}/nope/ephemeralcontainers`, { spec: {} }, SMP)).code).toBe(404);
  });

  it('the pod itself cannot be created with, or updated to change, ephemeral containers', async () => {
    const create = await api.req('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q' }, spec: { containers: [{ name: 'app', image: 'x' }], ephemeralContainers: [debugger_('d')] } });
    expect(create.code).toBe(422);
    expect(messages(create)).toEqual(['spec.ephemeralContainers: Forbidden: cannot be set on create']);
    const main = await api.req('PATCH', `${PODS}/p`, { spec: { ephemeralContainers: [debugger_('debugger-9')] } }, SMP);
    expect(main.code).toBe(422);
    expect((await api.req('PATCH', `${PODS}/p`, { metadata: { labels: { a: 'b' } } }, SMP)).code).toBe(200);
  });
});

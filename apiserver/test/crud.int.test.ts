// CRUD semantics against a real etcd and the apiserver process.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiserver, stopAll, waitFor, type Apiserver } from '../../testing/procs';
import { call, pod, deployment, watch } from './helpers';

let api: Apiserver;
let U: string;
const P = '/api/v1/namespaces/default/pods';
const D = '/apis/apps/v1/namespaces/default/deployments';

beforeAll(async () => {
  api = await startApiserver();
  U = api.url;
  await waitFor('default namespace', async () => (await call(U, 'GET', '/api/v1/namespaces/default')).code === 200);
});
afterAll(stopAll);

describe('apiserver CRUD', () => {
  it('starts with the system namespaces and the kubernetes service', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      expect((await call(U, 'GET', `/api/v1/namespaces/${ns}`)).body.status.phase).toBe('Active');
    const svc = await waitFor(
      'kubernetes service',
      async () => (await call(U, 'GET', '/api/v1/namespaces/default/services/kubernetes')).body?.spec,
    );
    expect(svc.clusterIP).toBe('10.96.0.1');
    const ep = await waitFor(
      'kubernetes endpoints',
      async () => (await call(U, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes')).body?.subsets,
    );
    expect(ep[0].ports[0].port).toBe(api.port);
  });

  it('creates, gets, lists, updates and deletes with upstream metadata', async () => {
    const c = await call(U, 'POST', P, pod('crud-1', { app: 'a' }));
    expect(c.code).toBe(201);
    expect(c.body.metadata).toMatchObject({ name: 'crud-1', namespace: 'default' });
    expect(c.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(c.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(c.body.spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
    });
    expect(c.body.status.phase).toBe('Pending');
    const g = await call(U, 'GET', `${P}/crud-1`);
    expect(g.body).toEqual(c.body);
    const l = await call(U, 'GET', P);
    expect(l.body.kind).toBe('PodList');
    expect(Number(l.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(c.body.metadata.resourceVersion));
    expect(l.body.items.map((p: any) => p.metadata.name)).toContain('crud-1');
    expect((await call(U, 'POST', P, pod('crud-1'))).body).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'pods "crud-1" already exists',
    });
    const u = await call(U, 'PUT', `${P}/crud-1`, { ...g.body, metadata: { ...g.body.metadata, labels: { app: 'b' } } });
    expect(u.code).toBe(200);
    expect(Number(u.body.metadata.resourceVersion)).toBeGreaterThan(Number(g.body.metadata.resourceVersion));
    // a stale resourceVersion conflicts; nothing is written
    const stale = await call(U, 'PUT', `${P}/crud-1`, { ...g.body, metadata: { ...g.body.metadata, labels: { app: 'c' } } });
    expect(stale.body).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(stale.body.message).toContain('the object has been modified');
    expect((await call(U, 'GET', `${P}/crud-1`)).body.metadata.labels).toEqual({ app: 'b' });
    const del = await call(U, 'DELETE', `${P}/crud-1`, { propagationPolicy: 'Background' });
    expect(del.code).toBe(200);
    expect((await call(U, 'GET', `${P}/crud-1`)).body).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'pods "crud-1" not found',
      details: { name: 'crud-1', kind: 'pods' },
    });
    expect((await call(U, 'DELETE', `${P}/crud-1`)).code).toBe(404);
  });

  it('creates Endpoints and Leases on PUT (AllowCreateOnUpdate), but not pods', async () => {
    const L = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
    const put = await call(U, 'PUT', `${L}/node-x`, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-x' },
      spec: { holderIdentity: 'node-x', leaseDurationSeconds: 40 },
    });
    expect(put.code).toBe(201);
    expect((await call(U, 'GET', `${L}/node-x`)).body.spec.holderIdentity).toBe('node-x');
    expect((await call(U, 'PUT', `${P}/no-such-pod`, pod('no-such-pod'))).code).toBe(404);
  });

  it('never loses a concurrent patch (server-side read-modify-write retries)', async () => {
    const C = '/api/v1/namespaces/default/configmaps';
    await call(U, 'POST', C, { metadata: { name: 'race' } });
    const res = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(U, 'PATCH', `${C}/race`, { data: { [`k${i}`]: String(i) } }, 'application/merge-patch+json'),
      ),
    );
    expect(res.map((r) => r.code)).toEqual(Array(20).fill(200));
    expect(Object.keys((await call(U, 'GET', `${C}/race`)).body.data).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`).sort());
    // a no-op patch writes nothing
    const before = (await call(U, 'GET', `${C}/race`)).body.metadata.resourceVersion;
    expect((await call(U, 'PATCH', `${C}/race`, { data: { k0: '0' } }, 'application/merge-patch+json')).body.metadata.resourceVersion).toBe(
      before,
    );
  });

  it('names objects from generateName', async () => {
    const c = await call(U, 'POST', P, { ...pod(''), metadata: { generateName: 'gen-' } });
    expect(c.code).toBe(201);
    expect(c.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  it('bumps generation on spec changes only, and splits status from the main resource', async () => {
    const c = (await call(U, 'POST', D, deployment('gen'))).body;
    expect(c.metadata.generation).toBe(1);
    expect(c.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    expect(c.spec).toMatchObject({ revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
    const lab = (
      await call(U, 'PATCH', `${D}/gen`, { metadata: { labels: { x: 'y' } }, status: { replicas: 5 } }, 'application/merge-patch+json')
    ).body;
    expect(lab.metadata.generation).toBe(1);
    expect(lab.status ?? {}).not.toHaveProperty('replicas');
    const spec = (await call(U, 'PATCH', `${D}/gen`, { spec: { replicas: 3 } }, 'application/merge-patch+json')).body;
    expect(spec.metadata.generation).toBe(2);
    const st = await call(U, 'PUT', `${D}/gen/status`, {
      ...spec,
      spec: { ...spec.spec, replicas: 9 },
      status: { replicas: 3, observedGeneration: 2 },
    });
    expect(st.body.status).toEqual({ replicas: 3, observedGeneration: 2 });
    expect(st.body.spec.replicas).toBe(3);
    expect(st.body.metadata.generation).toBe(2);
    const sp = await call(U, 'PATCH', `${D}/gen/status`, { status: { readyReplicas: 2 } }, 'application/merge-patch+json');
    expect(sp.body.status).toEqual({ replicas: 3, observedGeneration: 2, readyReplicas: 2 });
  });

  it('serves the scale subresource', async () => {
    await call(U, 'POST', D, deployment('sc', 2));
    const s = await call(U, 'GET', `${D}/sc/scale`);
    expect(s.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { selector: 'app=sc' } });
    const p = await call(U, 'PATCH', `${D}/sc/scale`, { spec: { replicas: 5 } }, 'application/merge-patch+json');
    expect(p.body.spec.replicas).toBe(5);
    const put = await call(U, 'PUT', `${D}/sc/scale`, { ...p.body, spec: { replicas: 1 } });
    expect(put.body.spec.replicas).toBe(1);
    const d = (await call(U, 'GET', `${D}/sc`)).body;
    expect(d.spec.replicas).toBe(1);
    expect(d.metadata.generation).toBe(3);
    expect((await call(U, 'PUT', `${D}/sc/scale`, { ...p.body, spec: { replicas: 4 } })).body.reason).toBe('Conflict');
  });

  it('binds pods once, and deletes bound pods gracefully', async () => {
    await call(U, 'POST', P, pod('bind-1'));
    const b = await call(U, 'POST', `${P}/bind-1/binding`, {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'bind-1' },
      target: { kind: 'Node', name: 'node-a' },
    });
    expect(b.code).toBe(201);
    const bound = (await call(U, 'GET', `${P}/bind-1`)).body;
    expect(bound.spec.nodeName).toBe('node-a');
    expect(bound.status.conditions).toEqual([expect.objectContaining({ type: 'PodScheduled', status: 'True' })]);
    expect((await call(U, 'POST', `${P}/bind-1/binding`, { target: { name: 'node-b' } })).body.reason).toBe('Conflict');
    // legacy /bindings
    await call(U, 'POST', P, pod('bind-2'));
    expect(
      (await call(U, 'POST', '/api/v1/namespaces/default/bindings', { metadata: { name: 'bind-2' }, target: { name: 'node-b' } })).code,
    ).toBe(201);
    // graceful: deletionTimestamp set, object stays until a grace-0 delete
    const d1 = await call(U, 'DELETE', `${P}/bind-1`, { gracePeriodSeconds: 20 });
    expect(d1.body.metadata.deletionGracePeriodSeconds).toBe(20);
    expect(d1.body.metadata.deletionTimestamp).toBeTruthy();
    expect((await call(U, 'GET', `${P}/bind-1`)).code).toBe(200);
    await call(U, 'DELETE', `${P}/bind-1?gracePeriodSeconds=0`);
    expect((await call(U, 'GET', `${P}/bind-1`)).code).toBe(404);
    // unbound pods go at once
    await call(U, 'POST', P, pod('unbound'));
    await call(U, 'DELETE', `${P}/unbound`);
    expect((await call(U, 'GET', `${P}/unbound`)).code).toBe(404);
    // eviction deletes (gracefully for a bound pod)
    const ev = await call(U, 'POST', `${P}/bind-2/eviction`, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'bind-2' },
      deleteOptions: { gracePeriodSeconds: 0 },
    });
    expect(ev.code).toBe(201);
    expect((await call(U, 'GET', `${P}/bind-2`)).code).toBe(404);
  });

  it('keeps objects with finalizers until they are removed', async () => {
    const C = '/api/v1/namespaces/default/configmaps';
    await call(U, 'POST', C, { metadata: { name: 'fin', finalizers: ['example.com/keep'] }, data: { a: '1' } });
    const d = await call(U, 'DELETE', `${C}/fin`);
    expect(d.body.metadata.deletionTimestamp).toBeTruthy();
    expect((await call(U, 'GET', `${C}/fin`)).code).toBe(200);
    await call(U, 'PATCH', `${C}/fin`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
    expect((await call(U, 'GET', `${C}/fin`)).code).toBe(404);
    // Foreground propagation leaves the object to the garbage collector's foregroundDeletion finalizer
    await call(U, 'POST', C, { metadata: { name: 'fg' } });
    const fg = await call(U, 'DELETE', `${C}/fg`, { propagationPolicy: 'Foreground' });
    expect(fg.body.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect((await call(U, 'GET', `${C}/fg`)).code).toBe(200);
    await call(U, 'PATCH', `${C}/fg`, [{ op: 'remove', path: '/metadata/finalizers' }], 'application/json-patch+json');
    expect((await call(U, 'GET', `${C}/fg`)).code).toBe(404);
  });

  it('runs the namespace lifecycle', async () => {
    expect((await call(U, 'POST', '/api/v1/namespaces', { metadata: { name: 'life' } })).body.spec.finalizers).toEqual(['kubernetes']);
    expect((await call(U, 'POST', '/api/v1/namespaces/life/configmaps', { metadata: { name: 'c' } })).code).toBe(201);
    const missing = await call(U, 'POST', '/api/v1/namespaces/nope/configmaps', { metadata: { name: 'c' } });
    expect(missing.body).toMatchObject({ code: 404, message: 'namespaces "nope" not found' });
    const d = await call(U, 'DELETE', '/api/v1/namespaces/life');
    expect(d.body.status.phase).toBe('Terminating');
    const forbidden = await call(U, 'POST', '/api/v1/namespaces/life/configmaps', { metadata: { name: 'd' } });
    expect(forbidden.body).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(forbidden.body.message).toContain('because it is being terminated');
    const ns = (await call(U, 'GET', '/api/v1/namespaces/life')).body;
    await call(U, 'PUT', '/api/v1/namespaces/life/finalize', { ...ns, spec: { finalizers: [] } });
    expect((await call(U, 'GET', '/api/v1/namespaces/life')).code).toBe(404);
  });

  it('lists with label and field selectors and pages with limit/continue', async () => {
    for (let i = 0; i < 5; i++)
      await call(U, 'POST', '/api/v1/namespaces/kube-public/pods', pod(`page-${i}`, { tier: i % 2 ? 'odd' : 'even' }));
    const ns = '/api/v1/namespaces/kube-public/pods';
    const names = async (q: string) => (await call(U, 'GET', `${ns}?${q}`)).body.items.map((p: any) => p.metadata.name);
    expect(await names('labelSelector=tier%3Dodd')).toEqual(['page-1', 'page-3']);
    expect(await names(`labelSelector=${encodeURIComponent('tier in (even)')}`)).toEqual(['page-0', 'page-2', 'page-4']);
    expect(await names('fieldSelector=metadata.name%3Dpage-2')).toEqual(['page-2']);
    expect(await names('fieldSelector=status.phase%3DPending,spec.nodeName%3D')).toHaveLength(5);
    const all = await call(U, 'GET', '/api/v1/pods?fieldSelector=metadata.namespace%3Dkube-public');
    expect(all.body.items).toHaveLength(5);
    const seen: string[] = [];
    let cont = '';
    for (let i = 0; i < 5; i++) {
      const page = await call(U, 'GET', `${ns}?limit=2${cont ? `&continue=${cont}` : ''}`);
      seen.push(...page.body.items.map((p: any) => p.metadata.name));
      cont = page.body.metadata.continue ?? '';
      if (!cont) break;
    }
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });

  it('applies dryRun=All without persisting', async () => {
    const dr = await call(U, 'POST', `${P}?dryRun=All`, pod('dry'));
    expect(dr.code).toBe(201);
    expect(dr.body.spec.restartPolicy).toBe('Always');
    expect((await call(U, 'GET', `${P}/dry`)).code).toBe(404);
  });

  it('deletes nothing on a dry run, whether dryRun is in the query or in the DeleteOptions body (as client-go sends it)', async () => {
    expect((await call(U, 'POST', P, pod('keep', { dry: 'run' }))).code).toBe(201);
    expect((await call(U, 'DELETE', `${P}/keep?dryRun=All`)).code).toBe(200);
    const body = await call(U, 'DELETE', `${P}/keep`, { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] });
    expect(body.code).toBe(200);
    expect((await call(U, 'GET', `${P}/keep`)).code).toBe(200);
    const bad = await call(U, 'DELETE', `${P}/keep`, { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['Some'] });
    expect(bad.code).toBe(400);
    expect(bad.body.message).toBe('unsupported dryRun value "Some": only "All" is supported');
    expect(
      (await call(U, 'DELETE', `${P}?labelSelector=dry%3Drun`, { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] })).code,
    ).toBe(200);
    expect((await call(U, 'GET', `${P}/keep`)).code).toBe(200);
  });

  it('patches with JSON patch and strategic merge patch; a patch resourceVersion is a precondition', async () => {
    await call(U, 'POST', D, deployment('pt'));
    const jp = await call(U, 'PATCH', `${D}/pt`, [{ op: 'replace', path: '/spec/replicas', value: 4 }], 'application/json-patch+json');
    expect(jp.body.spec.replicas).toBe(4);
    const smp = await call(
      U,
      'PATCH',
      `${D}/pt`,
      { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } },
      'application/strategic-merge-patch+json',
    );
    expect(smp.body.spec.template.spec.containers).toHaveLength(1);
    expect(smp.body.spec.template.spec.containers[0].image).toBe('busybox:2');
    const pre = await call(
      U,
      'PATCH',
      `${D}/pt`,
      { metadata: { resourceVersion: jp.body.metadata.resourceVersion, labels: { a: 'b' } } },
      'application/merge-patch+json',
    );
    expect(pre.body.reason).toBe('Conflict');
  });

  it('answers 422 for invalid objects, naming the fields', async () => {
    const r = await call(U, 'POST', P, { metadata: { name: 'invalid-one' }, spec: { containers: [{ name: 'c' }] } });
    expect(r.body).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'Pod "invalid-one" is invalid: spec.containers[0].image: Required value',
    });
    expect(r.body.details.causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }]);
    const d = deployment('mismatch');
    d.spec.selector.matchLabels.app = 'other';
    expect((await call(U, 'POST', D, d)).body.details.causes[0].field).toBe('spec.template.metadata.labels');
  });

  it('serves GETs from the watch cache, never older than an acknowledged write (read-your-writes)', async () => {
    const CM = '/api/v1/namespaces/default/configmaps';
    const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: '0' } });
    // each write is read back at once, before the watch event can be expected to have arrived
    for (let i = 0; i < 25; i++) {
      const name = `ryw-${i}`;
      const c = await call(U, 'POST', CM, cm(name));
      expect(c.code).toBe(201);
      expect((await call(U, 'GET', `${CM}/${name}`)).body).toEqual(c.body);
      const p = await call(U, 'PATCH', `${CM}/${name}`, { data: { v: '1' } }, 'application/merge-patch+json');
      const g = await call(U, 'GET', `${CM}/${name}`);
      expect(g.body.metadata.resourceVersion).toBe(p.body.metadata.resourceVersion);
      expect(g.body.data).toEqual({ v: '1' });
      expect((await call(U, 'DELETE', `${CM}/${name}`)).code).toBe(200);
      expect((await call(U, 'GET', `${CM}/${name}`)).code).toBe(404);
    }
    // once the cache has caught up, GETs cost etcd nothing
    await call(U, 'POST', CM, cm('ryw-cached'));
    const etcdGets = async () =>
      Number(/etcd_request_duration_seconds_count\{operation="get"\} (\d+)/.exec((await call(U, 'GET', '/metrics')).text)?.[1] ?? NaN);
    await waitFor('GETs served from the cache', async () => {
      const before = await etcdGets();
      for (let i = 0; i < 10; i++) expect((await call(U, 'GET', `${CM}/ryw-cached`)).code).toBe(200);
      return (await etcdGets()) === before;
    });
    // a write behind the apiserver's back (etcdctl) shows once the watch delivers it
    const external = {
      ...cm('ryw-external'),
      metadata: { name: 'ryw-external', namespace: 'default', uid: '0b0d3c3e-0000-4000-8000-000000000001' },
    };
    execFileSync('etcdctl', [...api.etcd.etcdctlArgs, 'put', '/registry/configmaps/default/ryw-external', JSON.stringify(external)], {
      env: { ...process.env, ETCDCTL_API: '3' },
    });
    const seen = await waitFor('external write visible', async () => (await call(U, 'GET', `${CM}/ryw-external`)).body?.metadata?.uid);
    expect(seen).toBe(external.metadata.uid);
  });

  it('serves HorizontalPodAutoscalers at autoscaling/v1 too, converted to and from the stored v2', async () => {
    const V1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
    const V2 = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
    const w = await watch(U, `${V1}?watch=1`);
    const created = await call(U, 'POST', V1, {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h1' },
      spec: { scaleTargetRef: ref, maxReplicas: 3, targetCPUUtilizationPercentage: 40 },
    });
    expect(created.code).toBe(201);
    expect(created.body).toMatchObject({
      apiVersion: 'autoscaling/v1',
      spec: { minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 40 },
      status: { currentReplicas: 0, desiredReplicas: 0 },
    });
    expect((await call(U, 'GET', `${V2}/h1`)).body.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 40 } } },
    ]);
    // a v2 object with what v1 cannot express keeps it through a v1 read-modify-write (annotations)
    const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
    await call(U, 'POST', V2, {
      metadata: { name: 'h2' },
      spec: { scaleTargetRef: ref, maxReplicas: 4, metrics: [memory], behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } },
    });
    const asV1 = (await call(U, 'GET', `${V1}/h2`)).body;
    expect(asV1.spec.targetCPUUtilizationPercentage).toBeUndefined();
    expect(JSON.parse(asV1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'])).toEqual([
      { type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } },
    ]);
    expect((await call(U, 'PUT', `${V1}/h2`, { ...asV1, spec: { ...asV1.spec, maxReplicas: 6 } })).code).toBe(200);
    const back = (await call(U, 'GET', `${V2}/h2`)).body;
    expect(back.spec).toMatchObject({ maxReplicas: 6, metrics: [memory], behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
    expect(back.metadata.annotations).toBeUndefined();
    // lists, watches, patches and tables at v1 are v1
    const list = (await call(U, 'GET', V1)).body;
    expect(list.kind).toBe('HorizontalPodAutoscalerList');
    expect(list.apiVersion).toBe('autoscaling/v1');
    expect(list.items.map((i: any) => i.apiVersion)).toEqual(['autoscaling/v1', 'autoscaling/v1']);
    const patched = await call(U, 'PATCH', `${V1}/h1`, { spec: { targetCPUUtilizationPercentage: 70 } }, 'application/merge-patch+json');
    expect(patched.body.spec.targetCPUUtilizationPercentage).toBe(70);
    const table = (
      await call(U, 'GET', `${V1}?includeObject=Object`, undefined, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })
    ).body;
    expect(table.rows.map((r: any) => [r.cells[0], r.cells[2], r.object.apiVersion])).toEqual([
      ['h1', 'cpu: <unknown>/70%', 'autoscaling/v1'],
      ['h2', 'memory: <unknown>/100Mi', 'autoscaling/v1'],
    ]);
    await waitFor('four watch events', () => w.events.length >= 4);
    w.stop();
    expect(w.events.map((e) => [e.type, e.object.apiVersion, e.object.metadata.name])).toEqual([
      ['ADDED', 'autoscaling/v1', 'h1'],
      ['ADDED', 'autoscaling/v1', 'h2'],
      ['MODIFIED', 'autoscaling/v1', 'h2'],
      ['MODIFIED', 'autoscaling/v1', 'h1'],
    ]);
    expect(w.events[3].object.spec.targetCPUUtilizationPercentage).toBe(70);
  });

  it('serves /version, health and metrics', async () => {
    expect((await call(U, 'GET', '/version')).body).toMatchObject({ major: '1', minor: '32' });
    for (const p of ['/healthz', '/livez', '/readyz']) expect((await call(U, 'GET', p)).text).toBe('ok');
    const m = (await call(U, 'GET', '/metrics')).text;
    expect(m).toMatch(/apiserver_request_total\{verb="CREATE",resource="pods",subresource="",code="201"\} \d+/);
    expect(m).toContain('apiserver_request_duration_seconds_bucket');
    expect(m).toContain('etcd_request_duration_seconds_bucket');
    expect(m).toContain('apiserver_registered_watchers');
  });
});

import { describe, expect, it } from 'vitest';
import { prepareForCreate, prepareForUpdate, validateObject, validateObjectUpdate } from '../src/registry/prepare';
import { deepEqual, rfc3339, randomSuffix, clone } from '../src/registry/objects';
import { markForDeletion } from '../src/registry/registry';
import { compileFilter } from '../src/registry/selection';
import type { ServedResource } from '../src/registry/kinds';
import { kind } from './kinds';

const R = {
  pods: kind('pods'),
  services: kind('services'),
  namespaces: kind('namespaces'),
  configmaps: kind('configmaps'),
  deployments: kind('deployments', 'apps'),
  replicasets: kind('replicasets', 'apps'),
  jobs: kind('jobs', 'batch'),
};
/** Validation as the registry runs it on a create: after the server-side fields and the kind's defaults. */
const validate = (r: ServedResource, obj: object) => {
  const o = clone(obj) as Record<string, any>;
  prepareForCreate(r, o, r.namespaced ? (o.metadata?.namespace ?? 'default') : undefined);
  return validateObject(r, o);
};
const applyDefaults = (r: ServedResource, obj: object) => r.strategy.defaults?.(obj);

const pod = (over: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
  ...over,
});

const deploy = (labels: Record<string, string>, sel: Record<string, string>) => ({
  metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { matchLabels: sel }, template: { metadata: { labels }, spec: { containers: [{ name: 'a', image: 'nginx' }] } } },
});

const fields = (causes: { field: string }[]) => causes.map((c) => c.field);

describe('validation', () => {
  it.each([
    ['a valid pod', pod(), []],
    ['a bad name', pod({ metadata: { name: 'Bad_Name', namespace: 'default' } }), ['metadata.name']],
    ['a missing name', pod({ metadata: { namespace: 'default' } }), ['metadata.name']],
    ['no containers', pod({ spec: { containers: [] } }), ['spec.containers']],
    ['a container without image', pod({ spec: { containers: [{ name: 'c' }] } }), ['spec.containers[0].image']],
    ['a container without name', pod({ spec: { containers: [{ image: 'x' }] } }), ['spec.containers[0].name']],
    ['duplicate container names', pod({ spec: { containers: [{ name: 'c', image: 'x' }, { name: 'c', image: 'y' }] } }), ['spec.containers[1].name']],
    ['a port out of range', pod({ spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 70000 }] }] } }), ['spec.containers[0].ports[0].containerPort']],
    ['a bad restartPolicy', pod({ spec: { restartPolicy: 'Sometimes', containers: [{ name: 'c', image: 'x' }] } }), ['spec.restartPolicy']],
    ['a bad label value', pod({ metadata: { name: 'p', namespace: 'default', labels: { app: 'not valid!' } } }), ['metadata.labels']],
  ])('pod: %s', (_what, obj, expected) => {
    expect(fields(validate(R.pods, obj))).toEqual(expected);
  });

  it('requires a deployment selector matching the template labels', () => {
    expect(validate(R.deployments, deploy({ app: 'web' }, { app: 'web' }))).toEqual([]);
    const causes = validate(R.deployments, deploy({ app: 'web' }, { app: 'other' }));
    expect(fields(causes)).toEqual(['spec.template.metadata.labels']);
    expect(causes[0].message).toContain('`selector` does not match template `labels`');
    expect(fields(validate(R.deployments, { metadata: { name: 'web', namespace: 'default' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } } }))).toContain('spec.selector');
  });

  it('checks services: ports, types and node ports', () => {
    const svc = (spec: Record<string, unknown>) => ({ metadata: { name: 's', namespace: 'default' }, spec: { type: 'ClusterIP', ...spec } });
    expect(validate(R.services, svc({ ports: [{ port: 80 }] }))).toEqual([]);
    expect(fields(validate(R.services, svc({})))).toEqual(['spec.ports']);
    expect(validate(R.services, svc({ clusterIP: 'None' }))).toEqual([]);
    expect(fields(validate(R.services, svc({ type: 'Weird', ports: [{ port: 80 }] })))).toEqual(['spec.type']);
    // the node port range is the allocator's to check (allocator.test.ts), as upstream's
    expect(fields(validate(R.services, svc({ type: 'ClusterIP', ports: [{ port: 80, nodePort: 30080 }] })))).toEqual(['spec.ports[0].nodePort']);
    expect(fields(validate(R.services, svc({ ports: [{ port: 80 }, { port: 81 }] })))).toEqual(['spec.ports[0].name', 'spec.ports[1].name']);
    expect(fields(validate(R.services, { metadata: { name: '1abc', namespace: 'default' }, spec: { type: 'ClusterIP', ports: [{ port: 1 }] } }))).toEqual(['metadata.name']);
  });

  it('uses DNS-1123 labels for namespaces', () => {
    expect(validate(R.namespaces, { metadata: { name: 'a.b' } }).length).toBe(1);
    expect(validate(R.namespaces, { metadata: { name: 'ab' } })).toEqual([]);
  });

  it('requires Job pods to not restart Always', () => {
    const job = { metadata: { name: 'j', namespace: 'd' }, spec: { template: { spec: { restartPolicy: 'Always', containers: [{ name: 'a', image: 'x' }] } } } };
    expect(fields(validate(R.jobs, job))).toEqual(['spec.template.spec.restartPolicy']);
  });
});

describe('defaults', () => {
  it('defaults pods as upstream', () => {
    const p = pod({ spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'nginx:1.2', ports: [{ containerPort: 80 }] }] } }) as any;
    applyDefaults(R.pods, p);
    expect(p.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' });
    expect(p.spec.containers[0].imagePullPolicy).toBe('Always');
    expect(p.spec.containers[1].imagePullPolicy).toBe('IfNotPresent');
    expect(p.spec.containers[1].ports[0].protocol).toBe('TCP');
    expect(p.spec.containers[0].terminationMessagePath).toBe('/dev/termination-log');
  });

  it('defaults deployments and services', () => {
    const d = deploy({ app: 'w' }, { app: 'w' }) as any;
    applyDefaults(R.deployments, d);
    expect(d.spec).toMatchObject({ replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
    expect(d.spec.template.spec.restartPolicy).toBe('Always');
    const s = { spec: { ports: [{ port: 80 }] } } as any;
    applyDefaults(R.services, s);
    expect(s.spec).toMatchObject({ type: 'ClusterIP', sessionAffinity: 'None', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] });
  });
});

describe('strategy', () => {
  it('sets server-owned metadata on create', () => {
    const p = pod({ metadata: { generateName: 'web-', namespace: 'other', resourceVersion: '5' }, status: { phase: 'Running' } }) as any;
    prepareForCreate(R.pods, p, 'default', new Date('2026-01-02T03:04:05.678Z'));
    expect(p.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(p.metadata.namespace).toBe('default');
    expect(p.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.metadata.creationTimestamp).toBe('2026-01-02T03:04:05Z');
    expect(p.metadata.resourceVersion).toBeUndefined();
    expect(p.status).toEqual({ phase: 'Pending' });
    expect(p.metadata.generation).toBe(1);
  });

  it('generates a Job selector from its uid', () => {
    const j = { metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } } } as any;
    prepareForCreate(R.jobs, j, 'default');
    expect(j.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']).toBe(j.metadata.uid);
    expect(j.spec.template.metadata.labels['job-name']).toBe('j');
    expect(validate(R.jobs, j)).toEqual([]);
  });

  it('bumps generation on spec changes only and splits status from the main resource', () => {
    const old = deploy({ app: 'w' }, { app: 'w' }) as any;
    prepareForCreate(R.deployments, old, 'default');
    old.status = { replicas: 1 };
    const labelsOnly = prepareForUpdate(R.deployments, { ...structuredClone(old), metadata: { ...old.metadata, labels: { x: 'y' } }, status: { replicas: 9 } }, old);
    expect(labelsOnly.metadata.generation).toBe(1);
    expect(labelsOnly.status).toEqual({ replicas: 1 });
    const scaled = structuredClone(old);
    scaled.spec.replicas = 3;
    expect(prepareForUpdate(R.deployments, scaled, old).metadata.generation).toBe(2);
    const st = prepareForUpdate(R.deployments, { ...structuredClone(old), spec: { replicas: 7 }, status: { replicas: 4 } }, old, 'status');
    expect(st.status).toEqual({ replicas: 4 });
    expect(st.spec.replicas).toBe(1);
  });

  it('keeps pod specs immutable except images', () => {
    const old = pod() as any;
    prepareForCreate(R.pods, old, 'default');
    const img = structuredClone(old);
    img.spec.containers[0].image = 'busybox:2';
    expect(validateObjectUpdate(R.pods, img, old)).toEqual([]);
    const cmd = structuredClone(old);
    cmd.spec.containers[0].command = ['sh'];
    expect(fields(validateObjectUpdate(R.pods, cmd, old))).toEqual(['spec']);
  });

  it('marks bound pods for graceful deletion and deletes unbound ones at once', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const unbound = pod() as any;
    expect(markForDeletion(R.pods, unbound, {}, now)).toBeUndefined();
    const bound = pod({ spec: { nodeName: 'n1', terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'x' }] } }) as any;
    const marked = markForDeletion(R.pods, bound, {}, now)!;
    expect(marked.metadata).toMatchObject({ deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 });
    expect(markForDeletion(R.pods, bound, { gracePeriodSeconds: 0 }, now)).toBeUndefined();
    const withFinalizer = { metadata: { name: 'c', finalizers: ['x/y'] } } as any;
    expect(markForDeletion(R.configmaps, withFinalizer, {}, now)!.metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    const ns = { metadata: { name: 'n' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } } as any;
    expect(markForDeletion(R.namespaces, ns, {}, now)!.status.phase).toBe('Terminating');
  });

  it('turns Foreground and Orphan propagation into garbage-collector finalizers', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const rs = { metadata: { name: 'rs', namespace: 'd', uid: 'u' }, spec: {} } as any;
    expect(markForDeletion(R.replicasets, rs, { propagationPolicy: 'Background' }, now)).toBeUndefined();
    expect(markForDeletion(R.replicasets, rs, { propagationPolicy: 'Foreground' }, now)!.metadata).toMatchObject({ finalizers: ['foregroundDeletion'], deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0 });
    expect(markForDeletion(R.replicasets, rs, { propagationPolicy: 'Orphan' }, now)!.metadata.finalizers).toEqual(['orphan']);
  });

  it('filters by namespace, labels and fields', () => {
    const f = compileFilter(R.pods, { namespace: 'default', labelSelector: 'app in (a,b)', fieldSelector: 'spec.nodeName=,status.phase!=Failed' });
    expect(f({ metadata: { namespace: 'default', labels: { app: 'a' } }, spec: {}, status: { phase: 'Pending' } })).toBe(true);
    expect(f({ metadata: { namespace: 'other', labels: { app: 'a' } }, spec: {} })).toBe(false);
    expect(f({ metadata: { namespace: 'default', labels: { app: 'c' } }, spec: {} })).toBe(false);
    expect(f({ metadata: { namespace: 'default', labels: { app: 'a' } }, spec: { nodeName: 'n' } })).toBe(false);
    expect(() => compileFilter(R.pods, { labelSelector: 'app in (a' })).toThrow(/selector|parse/);
  });

  it('selects on the field labels each kind supports, as upstream (others are a 400 in its wording)', () => {
    const p = { metadata: { name: 'p', namespace: 'd' }, spec: { nodeName: 'n1', restartPolicy: 'Never' }, status: { phase: 'Running', podIPs: [{ ip: '10.0.0.5' }] } };
    const matches = (r: ServedResource, sel: string, o: object) => compileFilter(r, { fieldSelector: sel })(o as never);
    expect(matches(R.pods, 'spec.nodeName=n1,spec.restartPolicy=Never,status.phase=Running', p)).toBe(true);
    expect(matches(R.pods, 'status.podIP=10.0.0.5,spec.hostNetwork=false,spec.schedulerName=', p)).toBe(true);
    expect(() => compileFilter(R.pods, { fieldSelector: 'spec.containers=x' })).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 400, message: 'field label not supported: spec.containers' }) }));
    expect(() => compileFilter(R.deployments, { fieldSelector: 'spec.replicas=1' })).toThrow(
      expect.objectContaining({ status: expect.objectContaining({ code: 400, message: '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"' }) }),
    );
    expect(matches(R.deployments, 'metadata.namespace=d,metadata.name!=q', p)).toBe(true);
    expect(matches(kind('events'), 'involvedObject.name=web,source=kubelet', { metadata: {}, involvedObject: { name: 'web' }, source: { component: 'kubelet' } })).toBe(true);
    expect(matches(R.namespaces, 'status.phase=Active', { metadata: { name: 'x' }, status: { phase: 'Active' } })).toBe(true);
    expect(() => compileFilter(R.namespaces, { fieldSelector: 'metadata.namespace=x' })).toThrow(/field label not supported/);
  });

  it('has small pure helpers', () => {
    expect(deepEqual({ a: [1, { b: 2 }], c: undefined }, { a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(rfc3339(new Date('2026-05-06T07:08:09.999Z'))).toBe('2026-05-06T07:08:09Z');
    expect(randomSuffix()).toHaveLength(5);
  });
});

describe('clone', () => {
  it('deep-copies API objects like structuredClone', () => {
    const o = JSON.parse('{"metadata":{"name":"a","labels":{"x":"1"},"__proto__":{"polluted":true}},"spec":{"containers":[{"name":"c","ports":[{"containerPort":80}]}],"n":null,"t":true}}');
    o.spec.missing = undefined;
    o.when = new Date(0);
    const c = clone(o);
    expect(c).toEqual(structuredClone(o));
    expect(Object.keys(c.spec)).toEqual(Object.keys(o.spec));
    expect(Object.getPrototypeOf(c.metadata)).toBe(Object.prototype);
    expect(Object.keys(c.metadata)).toContain('__proto__');
    expect((c.metadata as { polluted?: boolean }).polluted).toBeUndefined();
    c.spec.containers[0].ports[0].containerPort = 81;
    c.metadata.labels.y = '2';
    expect(o.spec.containers[0].ports[0].containerPort).toBe(80);
    expect(o.metadata.labels).toEqual({ x: '1' });
    expect(c.when).not.toBe(o.when);
    expect(c.when.getTime()).toBe(0);
  });
});

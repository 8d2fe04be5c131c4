import { describe, expect, it } from 'vitest';
import { defaultLimitRangeItem, validateLimitRange } from '../src/kinds/core/limitrange';
import { applyContainerDefaults, claimLimitViolations, podLimitViolations } from '../src/kinds/core/limitranger';
import type { Obj } from '../src/registry/objects';

const range = (...limits: unknown[]): Obj => ({ metadata: { name: 'lr' }, spec: { limits } });
const pod = (...containers: { name: string; requests?: Record<string, string>; limits?: Record<string, string> }[]): Obj => ({
  metadata: { name: 'p' },
  spec: { containers: containers.map((c) => ({ name: c.name, ...(c.requests || c.limits ? { resources: { ...(c.requests ? { requests: c.requests } : {}), ...(c.limits ? { limits: c.limits } : {}) } } : {}) })) },
});
const defaulted = (item: Record<string, unknown>) => {
  defaultLimitRangeItem(item);
  return item;
};

describe('LimitRange defaults (SetDefaults_LimitRangeItem)', () => {
  it.each([
    ['default from max', { type: 'Container', max: { cpu: '1' } }, { type: 'Container', max: { cpu: '1' }, default: { cpu: '1' }, defaultRequest: { cpu: '1' } }],
    ['default request from the default', { type: 'Container', default: { memory: '256Mi' } }, { type: 'Container', default: { memory: '256Mi' }, defaultRequest: { memory: '256Mi' } }],
    ['default request from min when no default', { type: 'Container', min: { cpu: '100m' } }, { type: 'Container', min: { cpu: '100m' }, defaultRequest: { cpu: '100m' } }],
    ['pods get no defaults', { type: 'Pod', max: { cpu: '2' } }, { type: 'Pod', max: { cpu: '2' } }],
  ])('%s', (_n, item, want) => expect(defaulted(item)).toEqual(want));
});

describe('LimitRange validation (ValidateLimitRange)', () => {
  const messages = (o: Obj) => validateLimitRange(o).map((c) => `${c.field}: ${c.message}`);
  it.each<[string, Obj, string[]]>([
    ['a valid range', range(defaulted({ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '4' } })), []],
    ['min over max', range({ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }), ['spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1']],
    ['default over max', range({ type: 'Container', max: { memory: '1Gi' }, default: { memory: '2Gi' } }), ['spec.limits[0].default[memory]: Invalid value: "1Gi": default value 2Gi is greater than max value 1Gi']],
    ['default request over the default', range({ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '1' } }), ['spec.limits[0].defaultRequest[cpu]: Invalid value: "1": default request value 1 is greater than default limit value 500m']],
    ['defaults on a Pod item', range({ type: 'Pod', default: { cpu: '1' } }), ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"]],
    ['a duplicate type', range({ type: 'Pod', max: { cpu: '1' } }, { type: 'Pod', max: { cpu: '2' } }), ['spec.limits[1].type: Duplicate value: "Pod"']],
    ['a claim item without storage bounds', range({ type: 'PersistentVolumeClaim' }), ['spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided']],
    ['a ratio under 1', range({ type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }), ['spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "500m": ratio 500m is less than 1']],
    ['a ratio over max/min', range({ type: 'Container', min: { cpu: '1' }, max: { cpu: '2' }, maxLimitRequestRatio: { cpu: '3' } }), ['spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "3": ratio 3 is greater than max/min = 2.000000']],
    ['an unknown container resource', range({ type: 'Container', max: { gpu: '1' } }), ['spec.limits[0].max[gpu]: Invalid value: "gpu": must be a standard resource for containers']],
    ['a malformed quantity', range({ type: 'Container', max: { cpu: 'lots' } }), ['spec.limits[0].max[cpu]: Invalid value: "lots": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'']],
  ])('%s', (_n, o, want) => expect(messages(o)).toEqual(want));
});

describe('LimitRanger defaults', () => {
  it('fills what each container lacks and notes it', () => {
    const p = pod({ name: 'a' }, { name: 'b', limits: { cpu: '2' }, requests: { cpu: '2' } });
    const note = applyContainerDefaults(p, [range(defaulted({ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '100m', memory: '64Mi' } }))]);
    expect(p.spec.containers[0].resources).toEqual({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } });
    expect(p.spec.containers[1].resources).toEqual({ limits: { cpu: '2', memory: '128Mi' }, requests: { cpu: '2', memory: '64Mi' } });
    expect(note).toBe('LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a; memory request for container b; memory limit for container b');
  });
  it('sets nothing without Container defaults', () => {
    const p = pod({ name: 'a' });
    expect(applyContainerDefaults(p, [range({ type: 'Pod', max: { cpu: '1' } })])).toBeUndefined();
    expect(p.spec.containers[0].resources).toBeUndefined();
  });
});

describe('LimitRanger limits', () => {
  it.each<[string, Obj, Obj, string[]]>([
    ['within bounds', pod({ name: 'a', requests: { cpu: '200m' }, limits: { cpu: '400m' } }), range({ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '2' } }), []],
    ['over max', pod({ name: 'a', requests: { cpu: '2' }, limits: { cpu: '2' } }), range({ type: 'Container', max: { cpu: '1' } }), ['maximum cpu usage per Container is 1, but limit is 2']],
    ['no limit under a max', pod({ name: 'a', requests: { memory: '1Mi' } }), range({ type: 'Container', max: { memory: '1Gi' } }), ['maximum memory usage per Container is 1Gi.  No limit is specified']],
    ['under min', pod({ name: 'a', requests: { cpu: '50m' } }), range({ type: 'Container', min: { cpu: '100m' } }), ['minimum cpu usage per Container is 100m, but request is 50m']],
    ['no request under a min', pod({ name: 'a' }), range({ type: 'Container', min: { cpu: '100m' } }), ['minimum cpu usage per Container is 100m.  No request is specified']],
    ['over the ratio', pod({ name: 'a', requests: { cpu: '100m' }, limits: { cpu: '500m' } }), range({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }), ['cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000']],
    ['a pod total over the pod max', pod({ name: 'a', requests: { cpu: '600m' }, limits: { cpu: '600m' } }, { name: 'b', requests: { cpu: '600m' }, limits: { cpu: '600m' } }), range({ type: 'Pod', max: { cpu: '1' } }), ['maximum cpu usage per Pod is 1, but limit is 1200m']],
  ])('%s', (_n, p, r, want) => expect(podLimitViolations(p, [r])).toEqual(want));

  it.each<[string, string, string[]]>([
    ['within', '1Gi', []],
    ['too big', '10Gi', ['maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 10Gi']],
    ['too small', '100Mi', ['minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 100Mi']],
  ])('a claim %s', (_n, storage, want) =>
    expect(claimLimitViolations({ metadata: { name: 'c' }, spec: { resources: { requests: { storage } } } }, [range({ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } })])).toEqual(want));
});

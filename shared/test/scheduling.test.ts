// The shared placement table against the shared rules; the scheduler and the DaemonSet controller run
// the same table through their own code in their own tests.
import { describe, expect, it } from 'vitest';
import {
  addOrUpdateToleration,
  daemonPodSpec,
  daemonPodTolerations,
  findUntoleratedTaint,
  isScheduleTaint,
  nodeSelectorTermMatches,
  preferredNodeAffinityScore,
  requiredNodeAffinityMatches,
  toleratesTaint,
  type core,
} from '@minik8s/shared';
import { PLACEMENT_CASES, PLACEMENT_NODE } from '@minik8s/shared/testing';

const fits = (spec: core.PodSpec, node: core.Node) => requiredNodeAffinityMatches(spec, node) && !findUntoleratedTaint(node.spec?.taints, spec.tolerations, isScheduleTaint);

describe('placement table: shared rules', () => {
  it.each(PLACEMENT_CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const spec = { containers: [], ...c.spec };
    expect(fits(spec, c.node)).toBe(c.fits);
    expect(fits({ ...spec, tolerations: daemonPodTolerations(spec) }, c.node)).toBe(c.daemonFits ?? c.fits);
  });
});

describe('toleratesTaint', () => {
  const taint: core.Taint = { key: 'k', value: 'v', effect: 'NoExecute' };
  it.each<[core.Toleration, boolean]>([
    [{ key: 'k', operator: 'Equal', value: 'v' }, true],
    [{ key: 'k', operator: '', value: 'v' }, true],
    [{ key: 'k', value: 'w' }, false],
    [{ key: 'k', operator: 'Exists', value: 'ignored' }, true],
    [{ operator: 'Equal', value: 'v' }, true],
    [{ operator: 'Equal', value: 'v', effect: 'NoSchedule' }, false],
    [{ key: 'k', operator: 'In', value: 'v' }, false],
  ])('%j → %s', (t, want) => expect(toleratesTaint(t, taint)).toBe(want));
});

describe('findUntoleratedTaint', () => {
  it('returns the first taint the filter keeps that nothing tolerates', () => {
    const taints: core.Taint[] = [{ key: 'a', effect: 'PreferNoSchedule' }, { key: 'b', effect: 'NoSchedule' }, { key: 'c', effect: 'NoExecute' }];
    expect(findUntoleratedTaint(taints, [], isScheduleTaint)).toEqual({ key: 'b', effect: 'NoSchedule' });
    expect(findUntoleratedTaint(taints, [{ key: 'b', operator: 'Exists' }], isScheduleTaint)).toEqual({ key: 'c', effect: 'NoExecute' });
    expect(findUntoleratedTaint(taints, [{ operator: 'Exists' }])).toBeUndefined();
    expect(findUntoleratedTaint(undefined, [])).toBeUndefined();
  });
});

describe('addOrUpdateToleration (AddOrUpdateTolerationInPodSpec)', () => {
  const t: core.Toleration = { key: 'k', operator: 'Exists', effect: 'NoExecute' };
  it.each<[string, core.Toleration[] | undefined, core.Toleration[]]>([
    ['appends to none', undefined, [t]],
    ['appends when key, effect, operator or value differ', [{ key: 'k', operator: 'Equal', value: 'x', effect: 'NoExecute' }], [{ key: 'k', operator: 'Equal', value: 'x', effect: 'NoExecute' }, t]],
    ['replaces the same four in place (tolerationSeconds dropped)', [{ key: 'a' }, { ...t, tolerationSeconds: 300 }, { key: 'b' }], [{ key: 'a' }, t, { key: 'b' }]],
    ['leaves an equal one alone', [{ key: 'a' }, t], [{ key: 'a' }, t]],
  ])('%s', (_n, list, want) => expect(addOrUpdateToleration(list, t)).toEqual(want));
});

describe('daemon pods', () => {
  it('get the daemon tolerations once, and network-unavailable only on the host network', () => {
    const keys = (s: core.PodSpec) => daemonPodTolerations(s).map((t) => `${t.key}:${t.effect}`);
    expect(keys({ containers: [] })).toEqual([
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    expect(keys({ containers: [], hostNetwork: true })).toContain('node.kubernetes.io/network-unavailable:NoSchedule');
    const once = daemonPodSpec({ containers: [] }, 'n1');
    expect(daemonPodTolerations(once)).toEqual(once.tolerations);
  });

  it('a daemon toleration replaces the template one with seconds (diverged: the copy kept 300 s)', () => {
    const spec = daemonPodSpec({ containers: [], tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] }, 'n1');
    expect(spec.tolerations?.filter((t) => t.key === 'node.kubernetes.io/unreachable')).toEqual([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]);
  });

  it('are pinned by one metadata.name term that replaces the template terms (diverged: the copy kept them)', () => {
    const template: core.PodSpec = {
      containers: [],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } }],
        },
        podAntiAffinity: {},
      },
    };
    const spec = daemonPodSpec(template, PLACEMENT_NODE);
    expect(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [PLACEMENT_NODE] }] }] });
    expect(spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(spec.affinity?.podAntiAffinity).toEqual({});
    expect(template.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0].matchFields).toBeUndefined();
  });
});

describe('node affinity details', () => {
  const node: core.Node = { metadata: { name: 'n1', labels: { zone: 'a' } } };
  it('matchFields are skipped for a node without a name, but must still parse', () => {
    const nameless: core.Node = { metadata: { labels: { zone: 'a' } } };
    expect(nodeSelectorTermMatches({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['x'] }] }, nameless)).toBe(true);
    expect(nodeSelectorTermMatches({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['x', 'y'] }] }, nameless)).toBe(false);
  });
  it('preferred terms add their weights; zero-weight and non-matching ones nothing', () => {
    const pref = (weight: number, key: string): core.PreferredSchedulingTerm => ({ weight, preference: { matchExpressions: [{ key, operator: 'Exists' }] } });
    expect(preferredNodeAffinityScore({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [pref(10, 'zone'), pref(30, 'gpu'), pref(0, 'zone'), pref(5, 'zone')] } } }, node)).toBe(15);
    expect(preferredNodeAffinityScore(undefined, node)).toBe(0);
  });
});

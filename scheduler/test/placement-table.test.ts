// The shared placement table through the scheduler itself: the default profile's filters on a one-node
// cluster. A plain pod fits where the table says; the pod the DaemonSet controller makes for the node
// (daemon tolerations, pinned to it) fits exactly where the table says the controller runs one.
import { describe, expect, it } from 'vitest';
import { daemonPodSpec, daemonPodTolerations, type core } from '@minik8s/shared';
import { PLACEMENT_CASES, PLACEMENT_NODE } from '@minik8s/shared/testing';
import { schedulePod } from '../src/algorithm';
import { defaultConfig } from '../src/config';
import { buildSnapshot } from '../src/model';

const profile = defaultConfig().profiles[0];

function schedules(spec: core.PodSpec, node: core.Node): boolean {
  const pod: core.Pod = { metadata: { name: 'p', namespace: 'default' }, spec };
  return !('fitError' in schedulePod(pod, buildSnapshot([node], []), profile));
}

describe('placement table: scheduler', () => {
  it.each(PLACEMENT_CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const spec: core.PodSpec = { containers: [{ name: 'c', image: 'busybox' }], ...c.spec };
    const daemonFits = c.daemonFits ?? c.fits;
    expect(schedules(spec, c.node)).toBe(c.fits);
    // The DaemonSet decides on the template with its tolerations; the scheduler agrees on that pod...
    expect(schedules({ ...spec, tolerations: daemonPodTolerations(spec) }, c.node)).toBe(daemonFits);
    // ...and binds the pinned pod the controller creates wherever the controller decided to run one.
    if (daemonFits) expect(schedules(daemonPodSpec(spec, PLACEMENT_NODE), c.node)).toBe(true);
  });
});

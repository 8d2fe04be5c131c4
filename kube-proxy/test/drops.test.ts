import { describe, expect, it } from 'vitest';
import type { Dropped } from '@minik8s/shared';
import { oncePerVersion } from '../src/drops';

describe('oncePerVersion', () => {
  it('reports an object once per version and reason, again when it changes', () => {
    const seen: Dropped[] = [];
    const report = oncePerVersion((d) => seen.push(d));
    const d = (resourceVersion: string, reason = 'spec.clusterIP "x" is not an IPv4 address', name = 'web'): Dropped => ({ kind: 'Service', namespace: 'ns', name, uid: 'u1', resourceVersion, reason });
    report(d('1'));
    report(d('1')); // the Service rebuilt for an endpoint change: same object version
    report(d('1', 'another reason'));
    report(d('2'));
    report(d('1', undefined, 'other'));
    expect(seen.map((x) => [x.name, x.resourceVersion, x.reason.slice(0, 7)])).toEqual([
      ['web', '1', 'spec.cl'],
      ['web', '1', 'another'],
      ['web', '2', 'spec.cl'],
      ['other', '1', 'spec.cl'],
    ]);
  });

  it('remembers a bounded number of objects', () => {
    let n = 0;
    const report = oncePerVersion(() => n++);
    for (let i = 0; i < 25_000; i++) report({ kind: 'Node', name: `n${i}`, resourceVersion: '1', reason: 'r' });
    report({ kind: 'Node', name: 'n0', resourceVersion: '1', reason: 'r' });
    expect(n).toBe(25_001); // n0 was forgotten when the memory was cleared: reported again, never unbounded
  });
});

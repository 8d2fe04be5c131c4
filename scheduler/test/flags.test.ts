import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags } from '../src/flags';
import { nodeSchedulingChanged } from '../src/scheduler';
import { node } from './fixtures';

describe('parseFlags', () => {
  it('defaults as upstream', () => {
    expect(parseFlags([])).toEqual({ bindAddress: '0.0.0.0', securePort: 10259 });
  });
  it.each([
    [['--master', 'http://x:1', '--kubeconfig=/k'], { master: 'http://x:1', kubeconfig: '/k' }],
    [['--leader-elect'], { leaderElect: true }],
    [['--leader-elect=false'], { leaderElect: false }],
    [['--leader-elect-lease-duration', '8s', '--leader-elect-renew-deadline=6s', '--leader-elect-retry-period', '500ms'], { leaseDuration: 8, renewDeadline: 6, retryPeriod: 0.5 }],
    [['--bind-address', '127.0.0.1', '--secure-port', '1234', '--config', 'c.yaml', '--v', '4'], { bindAddress: '127.0.0.1', securePort: 1234, config: 'c.yaml' }],
  ])('%j', (argv, want) => {
    expect(parseFlags(argv)).toMatchObject(want);
  });
  it.each([
    [['--nope'], 'unknown flag: --nope'],
    [['--master'], 'flag needs an argument: --master'],
    [['--secure-port', 'x'], 'invalid argument "x" for "--secure-port"'],
    [['--leader-elect=maybe'], 'invalid argument "maybe" for "--leader-elect"'],
    [['--leader-elect-lease-duration', 'soon'], 'invalid argument "soon" for "--leader-elect-lease-duration" flag: time: invalid duration "soon"'],
    [['--leader-elect-lease-duration', '15'], 'time: missing unit in duration "15"'],
    [['stray'], 'unexpected argument "stray"'],
  ])('rejects %j', (argv, msg) => {
    expect(() => parseFlags(argv)).toThrow(FlagError);
    expect(() => parseFlags(argv)).toThrow(msg);
  });
});

describe('nodeSchedulingChanged', () => {
  const base = node('n', { cpu: '1', labels: { a: '1' } });
  it.each([
    ['heartbeat only', { ...base, status: { ...base.status, conditions: [{ type: 'Ready', status: 'True' }] } }, false],
    ['allocatable', node('n', { cpu: '2', labels: { a: '1' } }), true],
    ['labels', node('n', { cpu: '1', labels: { a: '2' } }), true],
    ['taints', node('n', { cpu: '1', labels: { a: '1' }, taints: [{ key: 'k', effect: 'NoSchedule' }] }), true],
    ['uncordon', node('n', { cpu: '1', labels: { a: '1' }, unschedulable: true }), true],
  ])('%s → %s', (_name, cur, want) => {
    expect(nodeSchedulingChanged(base, cur)).toBe(want);
  });
});

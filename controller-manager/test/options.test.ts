import { describe, expect, it } from 'vitest';
import { concurrency, parseOptions, resolveControllers } from '../src/options';
import { decideDependent } from '../src/controllers/garbagecollector/decide';

describe('--controllers', () => {
  it.each<[string[], string[]]>([
    [
      ['*'],
      [
        'replicaset',
        'replicationcontroller',
        'deployment',
        'endpoints',
        'endpointslice',
        'nodelifecycle',
        'nodeipam',
        'namespace',
        'garbagecollector',
        'serviceaccount',
        'job',
        'cronjob',
        'daemonset',
        'statefulset',
        'horizontalpodautoscaling',
        'disruption',
        'podgc',
        'ttl-after-finished',
        'root-ca-cert-publisher',
        'persistentvolume-binder',
        'pvc-protection',
        'pv-protection',
        'resourcequota',
        'clusterrole-aggregation',
      ],
    ],
    [
      ['*', '-nodeipam', '-garbagecollector'],
      [
        'replicaset',
        'replicationcontroller',
        'deployment',
        'endpoints',
        'endpointslice',
        'nodelifecycle',
        'namespace',
        'serviceaccount',
        'job',
        'cronjob',
        'daemonset',
        'statefulset',
        'horizontalpodautoscaling',
        'disruption',
        'podgc',
        'ttl-after-finished',
        'root-ca-cert-publisher',
        'persistentvolume-binder',
        'pvc-protection',
        'pv-protection',
        'resourcequota',
        'clusterrole-aggregation',
      ],
    ],
    [
      ['deployment', 'replicaset'],
      ['replicaset', 'deployment'],
    ],
  ])('%j', (spec, want) => {
    expect(resolveControllers(spec)).toEqual(want);
  });
  it('rejects unknown names', () => {
    expect(() => resolveControllers(['*', '-nope'])).toThrow(/"nope" is not in the list of known controllers/);
  });
});

describe('parseOptions', () => {
  it('--root-ca-file', () => {
    expect(parseOptions(['--root-ca-file', '/etc/kubernetes/pki/ca.crt']).rootCaFile).toBe('/etc/kubernetes/pki/ca.crt');
  });
  it('has upstream defaults', () => {
    expect(parseOptions([])).toMatchObject({
      leaderElect: true,
      securePort: 10257,
      nodeMonitorGracePeriodMs: 40_000,
      nodeMonitorPeriodMs: 5000,
      defaultNotReadyTolerationSeconds: 300,
      defaultUnreachableTolerationSeconds: 300,
      clusterCidr: '10.244.0.0/16',
      nodeCidrMaskSize: 24,
      allocateNodeCidrs: true,
      controllers: ['*'],
      resourceQuotaSyncPeriodMs: 300_000,
    });
  });
  it('parses flags in both forms', () => {
    const o = parseOptions([
      '--master=http://x:1',
      '--leader-elect=false',
      '--controllers',
      '*,-nodeipam',
      '--node-monitor-grace-period',
      '4s',
      '--node-monitor-period=1m0.5s',
      '--concurrent-deployment-syncs=2',
      '--pod-eviction-timeout=10s',
      '--allocate-node-cidrs',
      '--secure-port',
      '1234',
      '--resource-quota-sync-period=30s',
    ]);
    expect(o).toMatchObject({
      master: 'http://x:1',
      leaderElect: false,
      controllers: ['*', '-nodeipam'],
      nodeMonitorGracePeriodMs: 4000,
      nodeMonitorPeriodMs: 60_500,
      securePort: 1234,
      defaultNotReadyTolerationSeconds: 10,
      defaultUnreachableTolerationSeconds: 10,
      allocateNodeCidrs: true,
      resourceQuotaSyncPeriodMs: 30_000,
    });
    expect(concurrency(o, 'deployment', 5)).toBe(2);
    expect(concurrency(o, 'replicaset', 5)).toBe(5);
  });
  it('parses the compose command line', () => {
    const argv =
      '--master http://apiserver:6443 --cluster-cidr 10.244.0.0/16 --allocate-node-cidrs true --node-monitor-grace-period 20s --default-not-ready-toleration-seconds 10 --default-unreachable-toleration-seconds 10'.split(
        ' ',
      );
    expect(parseOptions(argv)).toMatchObject({
      master: 'http://apiserver:6443',
      allocateNodeCidrs: true,
      nodeMonitorGracePeriodMs: 20_000,
      defaultNotReadyTolerationSeconds: 10,
      defaultUnreachableTolerationSeconds: 10,
    });
  });
  it.each([
    [['--bogus=1'], /unknown flag: --bogus/],
    [['--secure-port', 'x'], /invalid integer/],
    [['--leader-elect=maybe'], /invalid boolean/],
    [['--kubeconfig'], /needs an argument/],
    [['--controllers=foo'], /not in the list/],
    [['--node-monitor-period', '7'], 'invalid argument "7" for "--node-monitor-period" flag: time: missing unit in duration "7"'],
    [['--node-monitor-period=-1s'], 'invalid argument "-1s" for "--node-monitor-period" flag: must not be negative'],
  ] as const)('rejects %j', (argv, msg) => {
    expect(() => parseOptions([...argv])).toThrow(msg);
  });
});

describe('garbage collector decision', () => {
  const ref = (uid: string) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid });
  it.each<[string, string[], Record<string, 'exists' | 'absent' | 'waiting'>, unknown]>([
    ['no owners', [], {}, { kind: 'none' }],
    ['owner alive', ['a'], { a: 'exists' }, { kind: 'none' }],
    ['owner gone', ['a'], { a: 'absent' }, { kind: 'delete', policy: 'Background' }],
    ['one of two gone: drop the dangling ref', ['a', 'b'], { a: 'exists', b: 'absent' }, { kind: 'removeRefs', uids: ['b'] }],
    ['owner deleting in the foreground', ['a'], { a: 'waiting' }, { kind: 'delete', policy: 'Foreground' }],
    ['waiting owner but another alive', ['a', 'b'], { a: 'waiting', b: 'exists' }, { kind: 'removeRefs', uids: ['a'] }],
  ])('%s', (_n, uids, states, want) => {
    expect(decideDependent(uids.map(ref), (r) => states[r.uid])).toEqual(want);
  });
});

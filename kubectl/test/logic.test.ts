import { describe, expect, it } from 'vitest';
import { accessRows, whoamiRows } from '../src/commands/auth';
import { ephemeralContainer, randomSuffix } from '../src/commands/debug';
import { humanDuration } from '@minik8s/shared/rules';
import type { CoreEvent } from '../src/commands/events';
import { elapsed, podTimeline, timelineRows } from '../src/commands/trace';
import { podCompleted, podRunningAndReady, podSucceeded } from '../src/commands/run';
import { deploymentStatus } from '../src/commands/workloads';
import { tabwrite } from '../src/print/tabwriter';

describe('tabwrite (describe layout)', () => {
  it('aligns each run of lines with a cell in that column; untabbed lines end a block', () => {
    const out = tabwrite(['Name:\tp', 'Annotations:\t<none>', 'Containers:', '  c:', '    Image:\tbusybox', '    Host Port:\t<none>']);
    expect(out).toBe('Name:         p\nAnnotations:  <none>\nContainers:\n  c:\n    Image:      busybox\n    Host Port:  <none>\n');
  });
});

describe('rollout status (kubectl DeploymentStatusViewer)', () => {
  const d = (generation: number, status: object, replicas = 2) => ({ metadata: { name: 'web', generation }, spec: { replicas }, status });
  it.each([
    [d(2, { observedGeneration: 1 }), false, 'Waiting for deployment spec update to be observed...'],
    [d(1, { observedGeneration: 1, updatedReplicas: 1 }), false, 'Waiting for deployment "web" rollout to finish: 1 out of 2 new replicas have been updated...'],
    [d(1, { observedGeneration: 1, updatedReplicas: 2, replicas: 3 }), false, 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...'],
    [d(1, { observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 1 }), false, 'Waiting for deployment "web" rollout to finish: 1 of 2 updated replicas are available...'],
    [d(1, { observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }), true, 'deployment "web" successfully rolled out'],
  ])('%#', (dep, done, message) => expect(deploymentStatus(dep)).toEqual({ done, message }));
  it('fails on ProgressDeadlineExceeded', () => {
    expect(() => deploymentStatus(d(1, { observedGeneration: 1, conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }] }))).toThrow(/exceeded its progress deadline/);
  });
});

describe('trace timeline', () => {
  it('orders creation, events and Ready, naming the component', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { nodeName: 'n1' },
      status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:09Z' }] },
    };
    const ev = (reason: string, at: string, component: string, message = '') => ({ metadata: { name: reason }, reason, firstTimestamp: at, lastTimestamp: at, source: { component }, message });
    const steps = podTimeline(pod, [
      ev('Started', '2026-01-01T00:00:05Z', 'kubelet'),
      ev('Scheduled', '2026-01-01T00:00:01Z', 'default-scheduler', 'Successfully assigned default/p to n1'),
      ev('Pulled', '2026-01-01T00:00:03Z', 'kubelet'),
    ]);
    expect(steps.map((s) => [s.what, s.by])).toEqual([
      ['Created', 'kube-apiserver'],
      ['Scheduled', 'default-scheduler'],
      ['Pulled', 'kubelet'],
      ['Started', 'kubelet'],
      ['Ready', 'kubelet'],
    ]);
  });
  it('shows why an unschedulable pod is pending', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
      status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available: 2 Insufficient cpu.', lastTransitionTime: '2026-01-01T00:00:01Z' }] },
    };
    const steps = podTimeline(pod, []);
    expect(steps[1]).toMatchObject({ what: 'Unschedulable', detail: '0/2 nodes are available: 2 Insufficient cpu.' });
  });
  it('times the flow to the millisecond from eventTime and the scheduler and kubelet timing annotations', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { nodeName: 'n1' },
      status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:01Z' }] },
    };
    const at = (msec: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + msec).toISOString().replace('Z', '000Z');
    const events: CoreEvent[] = [
      { metadata: { name: 'a', annotations: { 'scheduler.minik8s.io/queued-at': at(12), 'scheduler.minik8s.io/cycle-started-at': at(15), 'scheduler.minik8s.io/cycle-ms': '0.8', 'scheduler.minik8s.io/binding-started-at': at(16) } }, reason: 'Scheduled', eventTime: at(21), source: { component: 'default-scheduler' }, message: 'Successfully assigned default/p to n1' },
      { metadata: { name: 'b', annotations: { 'kubelet.minik8s.io/pod-seen-at': at(25), 'kubelet.minik8s.io/sandbox-ready-at': at(310) } }, reason: 'Pulled', eventTime: at(320), source: { component: 'kubelet', host: 'n1' } },
      { metadata: { name: 'c' }, reason: 'Started', eventTime: at(505), source: { component: 'kubelet', host: 'n1' } },
    ];
    const steps = podTimeline(pod, events);
    expect(steps.map((s) => s.what)).toEqual(['Created', 'Queued', 'Scheduling', 'Binding', 'Scheduled', 'Picked up', 'Sandbox ready', 'Pulled', 'Started', 'Ready']);
    const rows = timelineRows(steps);
    expect(rows[0][0]).toBe('~+0.000s (+0.000s)');
    expect(rows[1][0]).toBe('+0.012s (+0.012s)');
    expect(rows[2][3]).toBe('filtering and scoring took 0.8ms');
    expect(rows[4][0]).toBe('+0.021s (+0.005s)');
    expect(rows[6][0]).toBe('+0.310s (+0.285s)');
    expect(rows[8][0]).toBe('+0.505s (+0.185s)');
    expect(rows[9][0]).toBe('~+1.000s (+0.495s)');
    expect(elapsed({ at: 5, what: 'x', by: 'y', precise: true }, 0, 10)).toBe('+0.005s (+0.000s)');
  });
});

describe('explain-route', () => {
  it('uses the same chain names as kube-proxy and the upstream probabilities', async () => {
    const { explainService } = await import('../src/commands/route');
    // Names kube-proxy (kube-proxy/src/hash.ts, upstream's algorithm) gives these inputs.
    const names: Record<string, string> = {
      svc: 'KUBE-SVC-LOLE4ISW44XBNF3G',
      '10.244.1.5:8080': 'KUBE-SEP-XQWD6PXGZUTOOIVQ',
      '10.244.2.7:8080': 'KUBE-SEP-CBPCTALQVABL5M2H',
    };
    const svc = { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.20', ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] } };
    const slice = {
      metadata: { name: 'web-x', namespace: 'default' },
      addressType: 'IPv4',
      ports: [{ port: 8080, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.244.2.7'], conditions: { ready: true }, nodeName: 'n2', targetRef: { kind: 'Pod', name: 'b' } },
        { addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'n1', targetRef: { kind: 'Pod', name: 'a' } },
        { addresses: ['10.244.3.9'], conditions: { ready: false }, nodeName: 'n3' },
      ],
    };
    const out = explainService(svc, [slice], 'n1');
    const svcChain = names.svc;
    expect(out).toContain(`KUBE-SERVICES: -d 10.96.0.20/32 -p tcp --dport 80 → ${svcChain}`);
    const sep1 = names['10.244.1.5:8080'];
    const sep2 = names['10.244.2.7:8080'];
    expect(out).toMatch(new RegExp(`probability 0\\.50000\\s+→ ${sep1}: DNAT → 10\\.244\\.1\\.5:8080  pod default/a on node n1 \\(local\\)`));
    expect(out).toMatch(new RegExp(`otherwise\\s+→ ${sep2}: DNAT → 10\\.244\\.2\\.7:8080`));
    expect(out).not.toContain('10.244.3.9');
    // the nftables path: kube-proxy's map elements and shared chains (shared/src/proxy/nft-layout.ts)
    expect(out).toContain('nftables mode (table inet kube-proxy):');
    expect(out).toContain('services: @service-ips[10.96.0.20 . tcp . 80] → goto cluster-2');
    expect(out).toMatch(/0\s+→ service-slot-0: @service-endpoints-0\[10\.96\.0\.20 \. tcp \. 80\] → DNAT 10\.244\.1\.5:8080  pod default\/a on node n1 \(local\)/);
    expect(out).toMatch(/1\s+→ service-slot-1: @service-endpoints-1\[10\.96\.0\.20 \. tcp \. 80\] → DNAT 10\.244\.2\.7:8080/);
    const none = explainService(svc, []);
    expect(none).toContain('REJECT ("default/web has no endpoints")');
    expect(none).toContain('endpoints-check: @no-endpoint-services[10.96.0.20 . tcp . 80] → reject-chain (REJECT)');
    // what kube-proxy leaves out (shared/src/proxy/checks.ts) is said, not shown as a path
    const bad = { ...slice, metadata: { name: 'web-bad', namespace: 'default' }, endpoints: [{ addresses: ['10.244.1.5\nCOMMIT'], conditions: { ready: true } }] };
    const out2 = explainService(svc, [bad]);
    expect(out2).toContain('kube-proxy leaves out EndpointSlice default/web-bad: endpoints[0].addresses[0] "10.244.1.5\\nCOMMIT" is not an IPv4 address');
    expect(out2).toContain('REJECT ("default/web has no endpoints")');
  });
});

describe('run -i pod conditions (kubectl run.go)', () => {
  const pod = (phase: string, ready?: string) => ({
    metadata: { name: 'p' },
    status: { phase, conditions: ready ? [{ type: 'Ready', status: ready }] : [] },
  });
  it.each([
    ['Pending', undefined, false, false, false],
    ['Running', 'False', false, false, false],
    ['Running', 'True', true, false, false],
    ['Succeeded', undefined, 'completed', true, true],
    ['Failed', undefined, 'completed', true, false],
  ] as const)('%s (Ready=%s): runningAndReady %s, completed %s, succeeded %s', (phase, ready, rr, completed, succeeded) => {
    expect(podRunningAndReady(pod(phase, ready))).toBe(rr);
    expect(podCompleted(pod(phase, ready))).toBe(completed);
    expect(podSucceeded(pod(phase, ready))).toBe(succeeded);
  });
});

describe('auth can-i --list (kubectl breaks rules down, compacts verbs, sorts by the rule text)', () => {
  it('orders and prints the rules as kubectl does', () => {
    const rows = accessRows(
      [
        { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
        { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments', 'replicasets/scale'] },
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      ],
      [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] }],
    );
    expect(rows).toEqual([
      ['*.*', '[]', '[]', '[*]'],
      ['pods', '[]', '[]', '[get list]'],
      ['', '[/api/*]', '[]', '[get]'],
      ['', '[/healthz]', '[]', '[get]'],
      ['deployments.apps', '[]', '[]', '[get]'],
      ['replicasets.apps/scale', '[]', '[]', '[get]'],
    ]);
    expect(whoamiRows({ username: 'alice', groups: ['dev', 'system:authenticated'], extra: { b: ['2'], a: ['1'] } })).toEqual([
      ['ATTRIBUTE', 'VALUE'],
      ['Username', 'alice'],
      ['Groups', '[dev system:authenticated]'],
      ['Extra: a', '[1]'],
      ['Extra: b', '[2]'],
    ]);
  });
});

describe('debug', () => {
  it('builds the ephemeral container kubectl builds', () => {
    expect(ephemeralContainer('debugger-abcde', { image: 'busybox', stdin: true, tty: true, target: 'c' }, ['sh'])).toEqual({
      name: 'debugger-abcde',
      image: 'busybox',
      command: ['sh'],
      resources: {},
      terminationMessagePolicy: 'File',
      stdin: true,
      tty: true,
      targetContainerName: 'c',
    });
    expect(ephemeralContainer('d', { image: 'x', argumentsOnly: true }, ['-v'])).toMatchObject({ args: ['-v'] });
    expect(ephemeralContainer('d', { image: 'x', profile: 'general', stdin: true }, [])).toEqual({ name: 'd', image: 'x', resources: {}, terminationMessagePolicy: 'File', securityContext: { capabilities: { add: ['SYS_PTRACE'] } }, stdin: true });
    expect(randomSuffix()).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});

// hostPort → Docker port bindings on the sandbox, table-driven.
import { describe, expect, it } from 'vitest';
import type { core } from '@minik8s/shared';
import { hostPortBindings } from '../src/runtime/hostports';

const pod = (spec: Partial<core.PodSpec>): core.Pod => ({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [], ...spec } });
const ctr = (ports: core.ContainerPort[]): core.Container => ({ name: 'c', image: 'x', ports });

describe('hostPortBindings', () => {
  const cases: Array<[string, core.Pod, ReturnType<typeof hostPortBindings>]> = [
    ['no hostPort: nothing to bind', pod({ containers: [ctr([{ containerPort: 80 }])] }), undefined],
    [
      'TCP and UDP, on every address or one, from several containers',
      pod({ containers: [ctr([{ containerPort: 80, hostPort: 80 }, { containerPort: 443, hostPort: 8443, hostIP: '127.0.0.1', protocol: 'TCP' }]), ctr([{ containerPort: 53, hostPort: 5353, protocol: 'UDP' }])] }),
      {
        exposedPorts: { '80/tcp': {}, '443/tcp': {}, '53/udp': {} },
        portBindings: { '80/tcp': [{ HostIp: '', HostPort: '80' }], '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '8443' }], '53/udp': [{ HostIp: '', HostPort: '5353' }] },
      },
    ],
    ['the same binding twice is bound once', pod({ containers: [ctr([{ containerPort: 80, hostPort: 80 }]), ctr([{ containerPort: 80, hostPort: 80 }])] }), { exposedPorts: { '80/tcp': {} }, portBindings: { '80/tcp': [{ HostIp: '', HostPort: '80' }] } }],
    ['out-of-range ports are not bound', pod({ containers: [ctr([{ containerPort: 80, hostPort: 70000 }, { containerPort: 0, hostPort: 81 }])] }), undefined],
    ['the host network needs no binding', pod({ hostNetwork: true, containers: [ctr([{ containerPort: 80, hostPort: 80 }])] }), undefined],
  ];
  for (const [name, p, want] of cases) it(name, () => expect(hostPortBindings(p)).toEqual(want));
});

// hostPort: the pod's port mappings (pure, as upstream's MakePortMappings) and their Docker port
// bindings on the sandbox, table-driven.
import { describe, expect, it } from 'vitest';
import type { core } from '@minik8s/shared';
import { portMappings } from '../src/pod/config';
import { dockerPorts } from '../src/runtime/docker-ports';
import type { Pod } from '../src/kinds';

const pod = (spec: Partial<core.PodSpec>): Pod => ({ metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [], ...spec } }) as Pod;
const ctr = (ports: core.ContainerPort[]): core.Container => ({ name: 'c', image: 'x', ports });

describe('hostPort', () => {
  const cases: Array<[string, Pod, ReturnType<typeof portMappings>, ReturnType<typeof dockerPorts>]> = [
    ['no hostPort: nothing published', pod({ containers: [ctr([{ containerPort: 80 }])] }), [], {}],
    [
      'TCP and UDP, on every address or one, from several containers',
      pod({ containers: [ctr([{ containerPort: 80, hostPort: 80 }, { containerPort: 443, hostPort: 8443, hostIP: '127.0.0.1', protocol: 'TCP' }]), ctr([{ containerPort: 53, hostPort: 5353, protocol: 'UDP' }])] }),
      [
        { protocol: 'TCP', containerPort: 80, hostPort: 80, hostIP: '' },
        { protocol: 'TCP', containerPort: 443, hostPort: 8443, hostIP: '127.0.0.1' },
        { protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIP: '' },
      ],
      {
        ExposedPorts: { '80/tcp': {}, '443/tcp': {}, '53/udp': {} },
        PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '80' }], '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '8443' }], '53/udp': [{ HostIp: '', HostPort: '5353' }] },
      },
    ],
    ['the same mapping twice is published once', pod({ containers: [ctr([{ containerPort: 80, hostPort: 80 }]), ctr([{ containerPort: 80, hostPort: 80 }])] }), [{ protocol: 'TCP', containerPort: 80, hostPort: 80, hostIP: '' }], { ExposedPorts: { '80/tcp': {} }, PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '80' }] } }],
    ['out-of-range ports are not published', pod({ containers: [ctr([{ containerPort: 80, hostPort: 70000 }, { containerPort: 0, hostPort: 81 }])] }), [], {}],
    ['init containers publish nothing (as upstream)', pod({ initContainers: [ctr([{ containerPort: 80, hostPort: 80 }])] }), [], {}],
    ['the host network needs no mapping', pod({ hostNetwork: true, containers: [ctr([{ containerPort: 80, hostPort: 80 }])] }), [], {}],
  ];
  for (const [name, p, mappings, docker] of cases) {
    it(name, () => {
      expect(portMappings(p)).toEqual(mappings);
      expect(dockerPorts(portMappings(p))).toEqual(docker);
    });
  }
});

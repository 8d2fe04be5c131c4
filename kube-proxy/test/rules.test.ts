// Golden-text tests of the rule generator, in the style of upstream proxier_test.go.
import { describe, expect, it } from 'vitest';
import { buildServicePorts, groupSlices } from '@minik8s/shared';
import { generateRules, renderPayload, type ProxyConfig } from '../src/rules';
import { service, slice } from './fixtures';
import type { core, discovery } from '@minik8s/shared';

const cfg: ProxyConfig = { clusterCIDR: '10.0.0.0/8' };

function payload(services: core.Service[], slices: discovery.EndpointSlice[], c: ProxyConfig = cfg): string {
  const sps = buildServicePorts(services, { slices: groupSlices(slices), endpoints: new Map() });
  return renderPayload(generateRules(sps, c));
}

const FILTER_HEAD = `*filter
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]`;
const FILTER_TAIL = `-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT`;
const NAT_HEAD = `*nat
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]`;
const NAT_FIXED = `-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000`;
const NODEPORTS_LAST = `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`;

describe('generateRules + renderPayload', () => {
  const cases: { name: string; services: core.Service[]; slices: discovery.EndpointSlice[]; cfg?: ProxyConfig; want: string }[] = [
    {
      name: 'no services: only the fixed chains',
      services: [],
      slices: [],
      want: [FILTER_HEAD, FILTER_TAIL, NAT_HEAD, NAT_FIXED, NODEPORTS_LAST, 'COMMIT', ''].join('\n'),
    },
    {
      name: 'ClusterIP with one endpoint (upstream ns1/svc1 fixture)',
      services: [service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, protocol: 'TCP' }] })],
      slices: [slice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1' }])],
      want: `${FILTER_HEAD}
${FILTER_TAIL}
${NAT_HEAD}
:KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]
:KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]
${NAT_FIXED}
-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
${NODEPORTS_LAST}
-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ
-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ
-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80
COMMIT
`,
    },
    {
      name: 'NodePort with three endpoints: probabilities 1/3, 1/2, rest; not-ready endpoint skipped',
      services: [service('ns2', 'svc2', { type: 'NodePort', clusterIP: '172.30.0.42', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] })],
      slices: [
        slice('ns2', 'svc2', [{ name: 'p80', port: 80 }], [
          { ip: '10.180.1.1' },
          { ip: '10.180.0.2' },
          { ip: '10.180.0.7', ready: false },
          { ip: '10.180.0.3' },
        ]),
      ],
      want: `${FILTER_HEAD}
${FILTER_TAIL}
${NAT_HEAD}
:KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]
:KUBE-EXT-GNZBNJ2PO5MGZ6GT - [0:0]
:KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]
:KUBE-SEP-2GOKER2KF7NAANZN - [0:0]
:KUBE-SEP-LAQF32EYUEX3U33M - [0:0]
${NAT_FIXED}
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
${NODEPORTS_LAST}
-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-RS4RBKLTHTF2IUXJ
-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.3:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-2GOKER2KF7NAANZN
-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.1.1:80" -j KUBE-SEP-LAQF32EYUEX3U33M
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade traffic for ns2/svc2:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80
-A KUBE-SEP-2GOKER2KF7NAANZN -m comment --comment ns2/svc2:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-2GOKER2KF7NAANZN -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
-A KUBE-SEP-LAQF32EYUEX3U33M -m comment --comment ns2/svc2:p80 -s 10.180.1.1 -j KUBE-MARK-MASQ
-A KUBE-SEP-LAQF32EYUEX3U33M -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.1.1:80
COMMIT
`,
    },
    {
      name: 'sessionAffinity ClientIP on an unnamed port: rcheck rules first, --set in the SEP',
      services: [
        service('ns3', 'svc3', {
          clusterIP: '172.30.0.43',
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
          ports: [{ port: 80, targetPort: 8080 }],
        }),
      ],
      slices: [slice('ns3', 'svc3', [{ port: 8080 }], [{ ip: '10.180.0.5' }, { ip: '10.180.0.4' }])],
      want: `${FILTER_HEAD}
${FILTER_TAIL}
${NAT_HEAD}
:KUBE-SVC-63AVES5QA6FLPQYD - [0:0]
:KUBE-SEP-U5BQHJWP6RRTG4NQ - [0:0]
:KUBE-SEP-OUFM76XKVKEYTFHS - [0:0]
${NAT_FIXED}
-A KUBE-SERVICES -m comment --comment "ns3/svc3 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-63AVES5QA6FLPQYD
${NODEPORTS_LAST}
-A KUBE-SVC-63AVES5QA6FLPQYD -m comment --comment "ns3/svc3 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-63AVES5QA6FLPQYD -m comment --comment "ns3/svc3 -> 10.180.0.4:8080" -m recent --name KUBE-SEP-U5BQHJWP6RRTG4NQ --rcheck --seconds 60 --reap -j KUBE-SEP-U5BQHJWP6RRTG4NQ
-A KUBE-SVC-63AVES5QA6FLPQYD -m comment --comment "ns3/svc3 -> 10.180.0.5:8080" -m recent --name KUBE-SEP-OUFM76XKVKEYTFHS --rcheck --seconds 60 --reap -j KUBE-SEP-OUFM76XKVKEYTFHS
-A KUBE-SVC-63AVES5QA6FLPQYD -m comment --comment "ns3/svc3 -> 10.180.0.4:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-U5BQHJWP6RRTG4NQ
-A KUBE-SVC-63AVES5QA6FLPQYD -m comment --comment "ns3/svc3 -> 10.180.0.5:8080" -j KUBE-SEP-OUFM76XKVKEYTFHS
-A KUBE-SEP-U5BQHJWP6RRTG4NQ -m comment --comment ns3/svc3 -s 10.180.0.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-U5BQHJWP6RRTG4NQ -m comment --comment ns3/svc3 -m recent --name KUBE-SEP-U5BQHJWP6RRTG4NQ --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.4:8080
-A KUBE-SEP-OUFM76XKVKEYTFHS -m comment --comment ns3/svc3 -s 10.180.0.5 -j KUBE-MARK-MASQ
-A KUBE-SEP-OUFM76XKVKEYTFHS -m comment --comment ns3/svc3 -m recent --name KUBE-SEP-OUFM76XKVKEYTFHS --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.5:8080
COMMIT
`,
    },
    {
      name: 'no endpoints: REJECT in filter for ClusterIP, external IP and NodePort; no nat chains',
      services: [
        service('ns5', 'svc5', {
          type: 'NodePort',
          clusterIP: '172.30.0.45',
          externalIPs: ['192.168.99.11'],
          ports: [{ name: 'p80', port: 80, nodePort: 3005 }],
        }),
      ],
      slices: [slice('ns5', 'svc5', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.8', ready: false }])],
      want: `${FILTER_HEAD}
-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j REJECT
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns5/svc5:p80 has no endpoints" -m tcp -p tcp -d 192.168.99.11 --dport 80 -j REJECT
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns5/svc5:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3005 -j REJECT
${FILTER_TAIL}
${NAT_HEAD}
${NAT_FIXED}
${NODEPORTS_LAST}
COMMIT
`,
    },
    {
      name: 'UDP, --masquerade-all, no localhost NodePorts, conntrack liberal, no --random-fully',
      services: [service('ns4', 'dns', { clusterIP: '172.30.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] })],
      slices: [slice('ns4', 'dns', [{ name: 'dns', port: 53, protocol: 'UDP' }], [{ ip: '10.180.0.9' }])],
      cfg: { masqueradeAll: true, localhostNodePorts: false, conntrackTCPBeLiberal: true, randomFully: false },
      want: `${FILTER_HEAD}
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
${NAT_HEAD}
:KUBE-SVC-QR4JOERGAHMTUFZC - [0:0]
:KUBE-SEP-AAJOJSGTC6APHXAV - [0:0]
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-SERVICES -m comment --comment "ns4/dns:dns cluster IP" -m udp -p udp -d 172.30.0.10 --dport 53 -j KUBE-SVC-QR4JOERGAHMTUFZC
${NODEPORTS_LAST}
-A KUBE-SVC-QR4JOERGAHMTUFZC -m comment --comment "ns4/dns:dns cluster IP" -m udp -p udp -d 172.30.0.10 --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-QR4JOERGAHMTUFZC -m comment --comment "ns4/dns:dns -> 10.180.0.9:53" -j KUBE-SEP-AAJOJSGTC6APHXAV
-A KUBE-SEP-AAJOJSGTC6APHXAV -m comment --comment ns4/dns:dns -s 10.180.0.9 -j KUBE-MARK-MASQ
-A KUBE-SEP-AAJOJSGTC6APHXAV -m comment --comment ns4/dns:dns -m udp -p udp -j DNAT --to-destination 10.180.0.9:53
COMMIT
`,
    },
    {
      name: '--sync-pod-routes adds the pod-network chains',
      services: [],
      slices: [],
      cfg: { podNetworkCIDR: '10.244.0.0/16' },
      want: `${FILTER_HEAD}
:KUBE-PODNET-FORWARD - [0:0]
${FILTER_TAIL.replace('\nCOMMIT', '')}
-A KUBE-PODNET-FORWARD -m comment --comment "pod network" -s 10.244.0.0/16 -j ACCEPT
-A KUBE-PODNET-FORWARD -m comment --comment "pod network" -d 10.244.0.0/16 -j ACCEPT
COMMIT
${NAT_HEAD}
:KUBE-PODNET - [0:0]
${NAT_FIXED}
${NODEPORTS_LAST}
-A KUBE-PODNET -m mark --mark 0x4000/0x4000 -j RETURN
-A KUBE-PODNET -m comment --comment "pod-to-pod traffic keeps its source" -s 10.244.0.0/16 -d 10.244.0.0/16 -j ACCEPT
-A KUBE-PODNET -m comment --comment "pod traffic leaving the cluster" -s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE --random-fully
COMMIT
`,
    },
  ];

  it.each(cases)('$name', ({ services, slices, cfg: c, want }) => {
    expect(payload(services, slices, c ?? cfg)).toBe(want);
  });
});

describe('renderPayload for a partial sync', () => {
  it('declares and writes only the listed services, keeps the others, deletes stale chains', () => {
    const services = [
      service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] }),
      service('ns3', 'svc3', { clusterIP: '172.30.0.43', ports: [{ port: 80 }] }),
    ];
    const slices = [slice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1' }]), slice('ns3', 'svc3', [{ port: 8080 }], [{ ip: '10.180.0.4' }])];
    const gen = generateRules(buildServicePorts(services, { slices: groupSlices(slices), endpoints: new Map() }), cfg);
    const text = renderPayload(gen, { write: new Set(['ns3/svc3/TCP']), stale: ['KUBE-SEP-OUFM76XKVKEYTFHS'] });
    const nat = text.slice(text.indexOf('*nat'));
    expect(nat).toBe(`${NAT_HEAD}
:KUBE-SVC-63AVES5QA6FLPQYD - [0:0]
:KUBE-SEP-U5BQHJWP6RRTG4NQ - [0:0]
:KUBE-SEP-OUFM76XKVKEYTFHS - [0:0]
${NAT_FIXED}
-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
-A KUBE-SERVICES -m comment --comment "ns3/svc3 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-63AVES5QA6FLPQYD
${NODEPORTS_LAST}
-A KUBE-SVC-63AVES5QA6FLPQYD -m comment --comment "ns3/svc3 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-63AVES5QA6FLPQYD -m comment --comment "ns3/svc3 -> 10.180.0.4:8080" -j KUBE-SEP-U5BQHJWP6RRTG4NQ
-A KUBE-SEP-U5BQHJWP6RRTG4NQ -m comment --comment ns3/svc3 -s 10.180.0.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-U5BQHJWP6RRTG4NQ -m comment --comment ns3/svc3 -m tcp -p tcp -j DNAT --to-destination 10.180.0.4:8080
-X KUBE-SEP-OUFM76XKVKEYTFHS
COMMIT
`);
  });
});

// Validation as upstream's pkg/apis/*/validation words it: each row is an object of one kind with one thing
// wrong and the "field: message" lines the 422 lists. The first rows are the hostile inputs.
import { describe, expect, it } from 'vitest';
import { prepareForCreate, prepareForUpdate, validateObject, validateObjectUpdate, validateStatusUpdate } from '../src/registry/prepare';
import { clone, type Obj } from '../src/registry/objects';
import type { ServedResource } from '../src/registry/kinds';
import { kind } from './kinds';

const K = {
  pods: kind('pods'),
  services: kind('services'),
  endpoints: kind('endpoints'),
  endpointslices: kind('endpointslices', 'discovery.k8s.io'),
  nodes: kind('nodes'),
  configmaps: kind('configmaps'),
  secrets: kind('secrets'),
  events: kind('events'),
  namespaces: kind('namespaces'),
  serviceaccounts: kind('serviceaccounts'),
  replicationcontrollers: kind('replicationcontrollers'),
  deployments: kind('deployments', 'apps'),
  replicasets: kind('replicasets', 'apps'),
  daemonsets: kind('daemonsets', 'apps'),
  statefulsets: kind('statefulsets', 'apps'),
  controllerrevisions: kind('controllerrevisions', 'apps'),
  jobs: kind('jobs', 'batch'),
  cronjobs: kind('cronjobs', 'batch'),
  hpas: kind('horizontalpodautoscalers', 'autoscaling'),
  pdbs: kind('poddisruptionbudgets', 'policy'),
  leases: kind('leases', 'coordination.k8s.io'),
};

/** The causes of a create, as "field: message". */
function causes(r: ServedResource, obj: Obj): string[] {
  const o = clone(obj);
  prepareForCreate(r, o, r.namespaced ? 'default' : undefined);
  return validateObject(r, o, true).map((c) => `${c.field}: ${c.message}`);
}

const meta = (name = 'x') => ({ name, namespace: 'default' });
const ctr = (over: Obj = {}) => ({ name: 'c', image: 'busybox', ...over });
const pod = (spec: Obj = {}, m: Obj = meta()) => ({ metadata: m, spec: { containers: [ctr()], ...spec } });
const podWith = (c: Obj) => pod({ containers: [ctr(c)] });
const svc = (spec: Obj) => ({ metadata: meta('s'), spec: { ports: [{ port: 80 }], ...spec } });
const eps = (subsets: unknown) => ({ metadata: meta('e'), subsets });
const slice = (endpoints: unknown, over: Obj = {}) => ({ metadata: meta('es'), addressType: 'IPv4', endpoints, ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...over });
const node = (spec: Obj, status: Obj = {}) => ({ metadata: { name: 'n1' }, spec, status });
const template = (spec: Obj = {}, labels: Obj = { app: 'a' }) => ({ metadata: { labels }, spec: { containers: [ctr()], ...spec } });
const deploy = (spec: Obj) => ({ metadata: meta('d'), spec: { selector: { matchLabels: { app: 'a' } }, template: template(), ...spec } });
const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const CIDR_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

describe('the issue: values that reach a rule, a route, a mount or arithmetic', () => {
  it.each<[string, ServedResource, Obj, string[]]>([
    ['an Endpoints address with a trailing word', K.endpoints, eps([{ addresses: [{ ip: '1.2.3.4 x' }], ports: [{ port: 80 }] }]), [`subsets[0].addresses[0].ip: Invalid value: "1.2.3.4 x": ${IP_MSG}`]],
    ['an Endpoints address with a newline (iptables-restore injection)', K.endpoints, eps([{ addresses: [{ ip: '1.2.3.4\n-A KUBE-SERVICES -j ACCEPT' }], ports: [{ port: 80 }] }]), [`subsets[0].addresses[0].ip: Invalid value: "1.2.3.4\\n-A KUBE-SERVICES -j ACCEPT": ${IP_MSG}`]],
    ['an EndpointSlice address with a trailing word', K.endpointslices, slice([{ addresses: ['1.2.3.4 x'] }]), ['endpoints[0].addresses[0]: Invalid value: "1.2.3.4 x": must be a valid IPv4 address']],
    ['an EndpointSlice address with a newline', K.endpointslices, slice([{ addresses: ['10.0.0.1\nCOMMIT'] }]), ['endpoints[0].addresses[0]: Invalid value: "10.0.0.1\\nCOMMIT": must be a valid IPv4 address']],
    ['an externalIP with a trailing word', K.services, svc({ externalIPs: ['1.2.3.4 x'] }), [`spec.externalIPs[0]: Invalid value: "1.2.3.4 x": ${IP_MSG}`]],
    ['a session affinity timeout of 0', K.services, svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } }), ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400']],
    ['a session affinity timeout above a day', K.services, svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }), ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400']],
    ['a session affinity timeout that is text', K.services, svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: '10 --reap' } } }), ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: "10 --reap": must be of type int32']],
    ['a Node podCIDR of "default" (ip route replace default)', K.nodes, node({ podCIDR: 'default' }), [`spec.podCIDRs[0]: Invalid value: "default": ${CIDR_MSG}`]],
    ['a quantity of 1e30000000', K.pods, podWith({ resources: { limits: { cpu: '1e30000000' } } }), [
      'spec.containers[0].resources.limits[cpu]: Invalid value: "1e30000000": quantity "1e30000000" is too large: the maximum is 9223372036854775807 (2^63-1)',
      'spec.containers[0].resources.requests[cpu]: Invalid value: "1e30000000": quantity "1e30000000" is too large: the maximum is 9223372036854775807 (2^63-1)',
    ]],
    ['an invalid quantity', K.pods, podWith({ resources: { requests: { memory: '12 GB' } } }), ["spec.containers[0].resources.requests[memory]: Invalid value: \"12 GB\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"]],
    ['a subPath climbing out of its volume', K.pods, pod({ volumes: [{ name: 'v', emptyDir: {} }], containers: [ctr({ volumeMounts: [{ name: 'v', mountPath: '/m', subPath: '../../etc' }] })] }), ['spec.containers[0].volumeMounts.subPath: Invalid value: "../../etc": must not contain \'..\'']],
    ['an absolute subPath', K.pods, pod({ volumes: [{ name: 'v', emptyDir: {} }], containers: [ctr({ volumeMounts: [{ name: 'v', mountPath: '/m', subPath: '/etc' }] })] }), ['spec.containers[0].volumeMounts.subPath: Invalid value: "/etc": must be a relative path']],
    ['a hostPath climbing with ..', K.pods, pod({ volumes: [{ name: 'v', hostPath: { path: '/var/../etc' } }] }), ['spec.volumes[0].hostPath.path: Invalid value: "/var/../etc": must not contain \'..\'']],
    ['a hostPath with a bind-string option', K.pods, pod({ volumes: [{ name: 'v', hostPath: { path: '/..:/host:rw' } }] }), ['spec.volumes[0].hostPath.path: Invalid value: "/..:/host:rw": must not contain \':\'']],
    ['a relative hostPath', K.pods, pod({ volumes: [{ name: 'v', hostPath: { path: 'etc' } }] }), ['spec.volumes[0].hostPath.path: Invalid value: "etc": must be an absolute path']],
    ['a mountPath with a bind-string option', K.pods, pod({ volumes: [{ name: 'v', emptyDir: {} }], containers: [ctr({ volumeMounts: [{ name: 'v', mountPath: '/m:ro,rshared' }] })] }), ['spec.containers[0].volumeMounts[0].mountPath: Invalid value: "/m:ro,rshared": must not contain \':\'']],
    ['a hostAliases IP with a newline (/etc/hosts injection)', K.pods, pod({ hostAliases: [{ ip: '1.2.3.4\n6.6.6.6 evil', hostnames: ['a'] }] }), [`spec.hostAliases[0].ip: Invalid value: "1.2.3.4\\n6.6.6.6 evil": ${IP_MSG}`]],
  ])('%s', (_what, r, obj, want) => {
    expect(causes(r, obj)).toEqual(want);
  });
});

describe('IPs as upstream with strict parsing', () => {
  it.each<[string, Obj, string[]]>([
    ['loopback', eps([{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 80 }] }]), ['subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['link-local', eps([{ addresses: [{ ip: '169.254.169.254' }], ports: [{ port: 80 }] }]), ['subsets[0].addresses[0].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)']],
    ['leading zeros', eps([{ addresses: [{ ip: '010.0.0.1' }], ports: [{ port: 80 }] }]), ['subsets[0].addresses[0].ip: Invalid value: "010.0.0.1": must not have leading 0s']],
    ['no address', eps([{ ports: [{ port: 80 }] }]), ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']],
    ['a port out of range and an unknown protocol', eps([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 70000, protocol: 'ICMP' }] }]), [
      'subsets[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'subsets[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    ]],
  ])('Endpoints: %s', (_w, obj, want) => expect(causes(K.endpoints, obj)).toEqual(want));

  it('EndpointSlices check addresses against their type and refuse special ones', () => {
    expect(causes(K.endpointslices, slice([{ addresses: ['::1'] }]))).toEqual(['endpoints[0].addresses[0]: Invalid value: "::1": must be a valid IPv4 address']);
    expect(causes(K.endpointslices, slice([{ addresses: ['0.0.0.0'] }]))).toEqual(['endpoints[0].addresses[0]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)']);
    expect(causes(K.endpointslices, slice([{ addresses: [] }]))).toEqual(['endpoints[0].addresses: Required value: must contain at least 1 address']);
    expect(causes(K.endpointslices, slice([], { addressType: 'IPX' }))).toEqual(['addressType: Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"']);
    expect(causes(K.endpointslices, slice([{ addresses: ['10.1.2.3'], nodeName: 'Bad_Node' }]))[0]).toMatch(/^endpoints\[0\]\.nodeName: Invalid value: "Bad_Node": a lowercase RFC 1123 subdomain/);
    expect(causes(K.endpointslices, slice([{ addresses: ['10.1.2.3'] }], { ports: [{ name: 'a', protocol: 'TCP', port: 0 }] }))).toEqual(['ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']);
    expect(causes(K.endpointslices, slice([{ addresses: ['10.1.2.3'] }]))).toEqual([]);
  });
});

describe('Services', () => {
  it.each<[string, Obj, string[]]>([
    ['a valid one', svc({}), []],
    ['no ports', svc({ ports: [] }), ['spec.ports: Required value']],
    ['a bad type', svc({ type: 'Weird' }), ['spec.type: Unsupported value: "Weird": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
    ['a bad cluster IP', svc({ clusterIP: '10.96.0.300' }), [`spec.clusterIPs[0]: Invalid value: "10.96.0.300": ${IP_MSG}`]],
    ['an IPv6 cluster IP in an IPv4 service', svc({ clusterIP: 'fd00::1' }), ['spec.clusterIPs[0]: Invalid value: "fd00::1": expected an IPv4 value as indicated by `ipFamilies[0]`']],
    ['a loopback external IP', svc({ externalIPs: ['127.0.0.5'] }), ['spec.externalIPs[0]: Invalid value: "127.0.0.5": may not be in the loopback range (127.0.0.0/8, ::1/128)']],
    ['duplicate ports', svc({ ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] }), ['spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}']],
    ['a target port name too long', svc({ ports: [{ port: 80, targetPort: 'a-very-long-port-name' }] }), ['spec.ports[0].targetPort: Invalid value: "a-very-long-port-name": must be no more than 15 characters']],
    ['a source range that is no CIDR', svc({ type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8 x'] }), [`spec.LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/8 x": ${CIDR_MSG}`]],
    ['source ranges without a load balancer', svc({ loadBalancerSourceRanges: ['10.0.0.0/8'] }), ["spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"]],
    ['an external name that is no DNS name', { metadata: meta('s'), spec: { type: 'ExternalName', externalName: 'a b' } }, [
      "spec.externalName: Invalid value: \"a b\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]],
    ['affinity config with affinity None', svc({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } }), ['spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None']],
    ['a node port on a ClusterIP service', svc({ ports: [{ port: 80, nodePort: 30001 }] }), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]],
  ])('%s', (_w, obj, want) => expect(causes(K.services, obj)).toEqual(want));

  it('defaults the ClientIP timeout to 3 hours, as upstream', () => {
    const o: Obj = clone(svc({ sessionAffinity: 'ClientIP' }));
    prepareForCreate(K.services, o, 'default');
    expect(o.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });

  it('checks load balancer ingress IPs written to /status', () => {
    const cur: Obj = clone(svc({}));
    prepareForCreate(K.services, cur, 'default');
    const next = clone(cur);
    next.status = { loadBalancer: { ingress: [{ ip: '1.2.3.4;reboot' }] } };
    expect(validateStatusUpdate(K.services, next, cur).map((c) => `${c.field}: ${c.message}`)).toEqual([`status.loadBalancer.ingress[0].ip: Invalid value: "1.2.3.4;reboot": ${IP_MSG}`]);
  });
});

describe('Pods', () => {
  it.each<[string, Obj, string[]]>([
    ['a valid one', pod(), []],
    ['an env var name with =', podWith({ env: [{ name: 'A=B', value: 'x' }] }), ['spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'']],
    ['an env var from nowhere', podWith({ env: [{ name: 'A', valueFrom: {} }] }), ['spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`']],
    ['an unknown downward field', podWith({ env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.host' } } }] }), ['spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "spec.host": error converting fieldPath: field label not supported: spec.host']],
    ['a container port of 0', podWith({ ports: [{ containerPort: 0 }] }), ['spec.containers[0].ports[0].containerPort: Required value']],
    ['a host port out of range', podWith({ ports: [{ containerPort: 80, hostPort: 70000 }] }), ['spec.containers[0].ports[0].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['a host IP that is not one', podWith({ ports: [{ containerPort: 80, hostPort: 8080, hostIP: '0.0.0.0:1' }] }), [`spec.containers[0].ports[0].hostIP: Invalid value: "0.0.0.0:1": ${IP_MSG}`]],
    ['a probe without a handler', podWith({ livenessProbe: {} }), ['spec.containers[0].livenessProbe: Required value: must specify a handler type']],
    ['a negative probe period', podWith({ readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: -1 } }), ['spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0']],
    ['a liveness success threshold of 2', podWith({ livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } }), ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1']],
    ['a bad HTTP header name', podWith({ readinessProbe: { httpGet: { port: 80, httpHeaders: [{ name: 'X Evil', value: 'v' }] } } }), ["spec.containers[0].readinessProbe.httpGet.httpHeaders: Invalid value: \"X Evil\": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"]],
    ['a request above its limit', podWith({ resources: { limits: { cpu: '1' }, requests: { cpu: '2' } } }), ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1']],
    ['a negative memory limit', podWith({ resources: { limits: { memory: '-1Mi' } } }), [
      'spec.containers[0].resources.limits[memory]: Invalid value: "-1Mi": must be greater than or equal to 0',
      'spec.containers[0].resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0',
    ]],
    ['an unknown resource', podWith({ resources: { limits: { gpu: '1' } } }), [
      'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
    ]],
    ['a mount of a missing volume', podWith({ volumeMounts: [{ name: 'nope', mountPath: '/m' }] }), ['spec.containers[0].volumeMounts[0].name: Not found: "nope"']],
    ['two volume sources', pod({ volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/tmp' } }] }), ['spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type']],
    ['no volume source', pod({ volumes: [{ name: 'v' }] }), ['spec.volumes[0]: Required value: must specify a volume type']],
    ['a secret item path with ..', pod({ volumes: [{ name: 'v', secret: { secretName: 's', items: [{ key: 'k', path: '../x' }] } }] }), ['spec.volumes[0].secret.items[0].path: Invalid value: "../x": must not contain \'..\'']],
    ['a file mode above 0777', pod({ volumes: [{ name: 'v', configMap: { name: 'c', defaultMode: 1024 } }] }), ['spec.volumes[0].configMap.defaultMode: Invalid value: 1024: must be a number between 0 and 0777 (octal), both inclusive']],
    ['a downwardAPI file with ..', pod({ volumes: [{ name: 'v', downwardAPI: { items: [{ path: '..data', fieldRef: { fieldPath: 'metadata.name' } }] } }] }), ['spec.volumes[0].downwardAPI.items[0].path: Invalid value: "..data": must not start with \'..\'']],
    ['projected sources with the same path', pod({ volumes: [{ name: 'v', projected: { sources: [{ configMap: { name: 'a', items: [{ key: 'k', path: 'p' }] } }, { secret: { name: 'b', items: [{ key: 'k', path: 'p' }] } }] } }] }), ['spec.volumes[0].projected: Invalid value: "b": conflicting duplicate paths']],
    ['a nameserver that is no IP', pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['8.8.8.8\nsearch evil'] } }), [`spec.dnsConfig.nameservers[0]: Invalid value: "8.8.8.8\\nsearch evil": ${IP_MSG}`]],
    ['dnsPolicy None without nameservers', pod({ dnsPolicy: 'None' }), ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']],
    ['a toleration with a bad operator', pod({ tolerations: [{ key: 'k', operator: 'Maybe' }] }), ['spec.tolerations[0].operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"']],
    ['a toleration seconds without NoExecute', pod({ tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }] }), ["spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"]],
    ['a node affinity without terms', pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } }), ['spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term']],
    ['a pod affinity weight of 0', pod({ affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: 'zone' } }] } } }), ['spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100']],
    ['a spread constraint with maxSkew 0', pod({ topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }] }), ['spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero']],
    ['a node selector value with a space', pod({ nodeSelector: { disk: 'fast ssd' } }), ["spec.nodeSelector: Invalid value: \"fast ssd\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]],
    ['a run-as user out of range', podWith({ securityContext: { runAsUser: -1 } }), ['spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive']],
    ['an activeDeadlineSeconds of 0', pod({ activeDeadlineSeconds: 0 }), ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive']],
    ['ephemeral containers on create', pod({ ephemeralContainers: [{ name: 'e', image: 'busybox' }] }), ['spec.ephemeralContainers: Forbidden: cannot be set on create']],
  ])('%s', (_w, obj, want) => expect(causes(K.pods, obj)).toEqual(want));

  it('lists every wrong field of one pod at once', () => {
    const bad = pod({ restartPolicy: 'Sometimes', hostAliases: [{ ip: 'x' }], containers: [ctr({ name: 'Bad', image: '', ports: [{ containerPort: 99999 }] })] });
    expect(causes(K.pods, bad).map((c) => c.split(':')[0])).toEqual([
      'spec.restartPolicy', 'spec.containers[0].name', 'spec.containers[0].image', 'spec.containers[0].ports[0].containerPort', 'spec.hostAliases[0].ip',
    ]);
  });

  it('checks the addresses a kubelet writes to /status', () => {
    const cur: Obj = clone(pod());
    prepareForCreate(K.pods, cur, 'default');
    const next = clone(cur);
    next.status = { phase: 'Running', podIP: '10.0.0.1 x', podIPs: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] };
    expect(validateStatusUpdate(K.pods, next, cur).map((c) => `${c.field}: ${c.message}`)).toEqual([
      `status.podIP: Invalid value: "10.0.0.1 x": ${IP_MSG}`,
      'status.podIPs: Invalid value: [{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}]: may specify no more than one IP for each IP family',
    ]);
  });
});

describe('Nodes', () => {
  it.each<[string, Obj, string[]]>([
    ['a valid one', node({ podCIDR: '10.244.1.0/24', taints: [{ key: 'k', effect: 'NoSchedule' }] }, { addresses: [{ type: 'InternalIP', address: '10.0.0.5' }], capacity: { cpu: '2', pods: '110' } }), []],
    ['a pod CIDR with host bits', node({ podCIDRs: ['10.244.1.1/24'] }), ['spec.podCIDRs[0]: Invalid value: "10.244.1.1/24": must not have bits set beyond the prefix length']],
    ['two CIDRs of one family', node({ podCIDRs: ['10.244.1.0/24', '10.244.2.0/24'] }), ['spec.podCIDRs: Invalid value: ["10.244.1.0/24","10.244.2.0/24"]: may specify no more than one CIDR for each IP family']],
    ['a taint without effect', node({ taints: [{ key: 'k' }] }), ['spec.taints[0].effect: Required value']],
    ['duplicate taints', node({ taints: [{ key: 'k', effect: 'NoSchedule' }, { key: 'k', value: 'v', effect: 'NoSchedule' }] }), ['spec.taints[1]: Duplicate value: {"key":"k","value":"v","effect":"NoSchedule"}: taints must be unique by key and effect pair']],
    ['an InternalIP that is no IP', node({}, { addresses: [{ type: 'InternalIP', address: '10.0.0.5 dev eth0' }] }), [`status.addresses[0].address: Invalid value: "10.0.0.5 dev eth0": ${IP_MSG}`]],
    ['an absurd capacity', node({}, { capacity: { memory: '1e30000000' } }), ['status.capacity[memory]: Invalid value: "1e30000000": quantity "1e30000000" is too large: the maximum is 9223372036854775807 (2^63-1)']],
  ])('%s', (_w, obj, want) => expect(causes(K.nodes, obj)).toEqual(want));

  it('keeps a pod CIDR once set', () => {
    const old = clone(node({ podCIDR: '10.244.1.0/24' }));
    prepareForCreate(K.nodes, old, undefined);
    const next = prepareForUpdate(K.nodes, clone({ ...old, spec: { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] } }), old);
    expect(validateObjectUpdate(K.nodes, next, old).map((c) => c.message)).toEqual(['Forbidden: node updates may not change podCIDR except from "" to valid']);
  });
});

describe('workloads', () => {
  it.each<[string, ServedResource, Obj, string[]]>([
    ['a valid Deployment', K.deployments, deploy({}), []],
    ['an empty selector', K.deployments, deploy({ selector: {} }), ['spec.selector: Invalid value: {}: empty selector is invalid for deployment']],
    ['a selector that misses the template', K.deployments, deploy({ selector: { matchLabels: { app: 'b' } } }), ['spec.template.metadata.labels: Invalid value: {"app":"a"}: `selector` does not match template `labels`']],
    ['negative replicas', K.deployments, deploy({ replicas: -1 }), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    ['a surge over 100% is fine, unavailability is not', K.deployments, deploy({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '200%', maxUnavailable: '101%' } } }), ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "101%": must not be greater than 100%']],
    ['both 0', K.deployments, deploy({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }), ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0']],
    ['a template that would never restart', K.replicasets, deploy({ template: template({ restartPolicy: 'Never' }) }), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']],
    ['a bad selector operator', K.daemonsets, deploy({ selector: { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'k', operator: 'Near' }] } }), ['spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator']],
    ['a StatefulSet policy', K.statefulsets, deploy({ podManagementPolicy: 'Random' }), ["spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"]],
    ['an RC selector that misses', K.replicationcontrollers, { metadata: meta('rc'), spec: { selector: { app: 'b' }, template: template() } }, ['spec.template.metadata.labels: Invalid value: {"app":"a"}: `selector` does not match template `labels`']],
    ['a Job restarting Always', K.jobs, { metadata: meta('j'), spec: { template: template({ restartPolicy: 'Always' }) } }, ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']],
    ['a negative backoffLimit', K.jobs, { metadata: meta('j'), spec: { backoffLimit: -1, template: template({ restartPolicy: 'Never' }) } }, ['spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0']],
    ['a ControllerRevision without data', K.controllerrevisions, { metadata: meta('cr'), revision: 1 }, ['data: Required value: data is mandatory']],
  ])('%s', (_w, r, obj, want) => expect(causes(r, obj)).toEqual(want));
});

describe('CronJobs', () => {
  const cj = (spec: Obj, name = 'cj') => ({ metadata: meta(name), spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template({ restartPolicy: 'OnFailure' }) } }, ...spec } });
  it.each<[string, Obj, string[]]>([
    ['a valid one', cj({ timeZone: 'Europe/Berlin' }), []],
    ['a schedule with 6 fields', cj({ schedule: '* * * * * *' }), ['spec.schedule: Invalid value: "* * * * * *": expected exactly 5 fields, found 6: [* * * * * *]']],
    ['a minute out of range', cj({ schedule: '61 * * * *' }), ['spec.schedule: Invalid value: "61 * * * *": Constraint error, got value 61 expected range 0-59']],
    ['TZ in the schedule', cj({ schedule: 'TZ=UTC 0 * * * *' }), ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    ['an unknown time zone', cj({ timeZone: 'Mars/Olympus' }), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']],
    ['a path as a time zone', cj({ timeZone: '../../etc/passwd' }), ['spec.timeZone: Invalid value: "../../etc/passwd": unknown time zone ../../etc/passwd']],
    ['a bad concurrency policy', cj({ concurrencyPolicy: 'Sometimes' }), ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']],
    ['a name too long for its Jobs', cj({}, 'a'.repeat(53)), [`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`]],
  ])('%s', (_w, obj, want) => expect(causes(K.cronjobs, obj)).toEqual(want));
});

describe('config, policy and the rest', () => {
  it.each<[string, ServedResource, Obj, string[]]>([
    ['a ConfigMap key with a slash', K.configmaps, { metadata: meta('cm'), data: { 'a/b': 'x' } }, ["data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"]],
    ['a ConfigMap key ..', K.configmaps, { metadata: meta('cm'), data: { '..': 'x' } }, ["data[..]: Invalid value: \"..\": must not be '..'"]],
    ['a ConfigMap over 1 MiB', K.configmaps, { metadata: meta('cm'), data: { a: 'x'.repeat(600_000), b: 'y'.repeat(600_000) } }, [': Too long: may not be more than 1048576 bytes']],
    ['a key in both maps', K.configmaps, { metadata: meta('cm'), data: { a: 'x' }, binaryData: { a: 'eA==' } }, ['binaryData[a]: Invalid value: "a": duplicate of key present in data']],
    ['Secret data that is not base64', K.secrets, { metadata: meta('s'), data: { a: 'not base64!' } }, ['data[a]: Invalid value: "<value omitted>": must be base64 encoded bytes']],
    ['a TLS Secret without a key', K.secrets, { metadata: meta('s'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } }, ['data[tls.key]: Required value']],
    ['an Event in another namespace than its object', K.events, { metadata: meta('e.1'), involvedObject: { kind: 'Pod', name: 'p', namespace: 'other' } }, ['involvedObject.namespace: Invalid value: "other": does not match event.namespace']],
    ['an HPA with maxReplicas 0', K.hpas, { metadata: meta('h'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 0 } }, ['spec.maxReplicas: Invalid value: 0: must be greater than 0', 'spec.maxReplicas: Invalid value: 0: must be greater than or equal to `minReplicas`']],
    ['an HPA target of 1e30000000', K.hpas, { metadata: meta('h'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1e30000000' } } }] } }, [
      'spec.metrics[0].resource.target.averageValue: Invalid value: "1e30000000": quantity "1e30000000" is too large: the maximum is 9223372036854775807 (2^63-1)',
    ]],
    ['an HPA target ref with a slash', K.hpas, { metadata: meta('h'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'a/b' }, maxReplicas: 2 } }, ['spec.scaleTargetRef.name: Invalid value: "a/b": may not contain \'/\'']],
    ['an HPA policy period over 30 minutes', K.hpas, { metadata: meta('h'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 2, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] } } } }, ['spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800']],
    ['a PDB with both bounds', K.pdbs, { metadata: meta('p'), spec: { minAvailable: 1, maxUnavailable: 1 } }, ['spec: Invalid value: {"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set']],
    ['a Lease of 0 seconds', K.leases, { metadata: meta('l'), spec: { leaseDurationSeconds: 0 } }, ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']],
    ['a namespace finalizer without a domain', K.namespaces, { metadata: { name: 'ns1' }, spec: { finalizers: ['custom'] } }, ['spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified']],
    ['an owner reference without uid', K.serviceaccounts, { metadata: { ...meta('sa'), ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p' }] } }, ['metadata.ownerReferences[0].uid: Invalid value: "": must not be empty']],
  ])('%s', (_w, r, obj, want) => expect(causes(r, obj)).toEqual(want));
});

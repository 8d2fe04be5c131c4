// Network-namespace sandboxes for kube-proxy / DNS integration tests (modelled on
// ../shared/tools/netns-proxy-rig). Everything lives in namespaces created here; the root
// namespace's routes and iptables are never touched. Every node namespace routes the Service CIDR
// and the pod CIDR to an ifb sink, so a virtual IP without a rule is dropped, never sent anywhere.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startComponent, startEtcd, startProcess, tempDir, type Proc } from './procs';

export const SERVICE_CIDR = '10.96.0.0/12';
export const CLUSTER_CIDR = '10.244.0.0/16';

export function sh(argv: string[], input?: string): string {
  return execFileSync(argv[0], argv.slice(1), { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

export function nsx(ns: string, argv: string[], input?: string): string {
  return sh(['ip', 'netns', 'exec', ns, ...argv], input);
}

/** Run in a namespace and return code/stdout/stderr instead of throwing. */
export function nsTry(ns: string, argv: string[], timeoutMs = 10_000): { code: number; out: string; err: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
}

export interface Pod {
  name: string;
  ns: string;
  ip: string;
}

export interface NodeSandbox {
  /** The node's network namespace (bridge cbr0, sink svc0, eth0 to the ext namespace). */
  node: string;
  /** Off-node client namespace on the node's "LAN". */
  ext: string;
  nodeIP: string;
  bridgeIP: string;
  pods: Pod[];
  namespaces: string[];
  procs: Proc[];
  /** HTTP GET from a namespace with curl; body, or "FAIL: <stderr>". */
  get(ns: string, url: string, timeoutS?: number): string;
  destroy(): Promise<void>;
}

const WHO = `#!/bin/busybox sh
printf 'Content-Type: text/plain\\r\\n\\r\\n'
echo "served-by=$POD client=$REMOTE_ADDR"
`;

/**
 * A node namespace with pods on a bridge (hairpin on), busybox httpd on :8080 in the server pods
 * (GET /cgi-bin/who answers "served-by=<pod> client=<peer>"), the rig's simulated foreign rules
 * (FORWARD policy DROP, CNI-FORWARD, FAKE-DOCKER), and a sink for the Service and pod CIDRs.
 * tag: 2-5 lowercase letters/digits, unique per test file; the pods get 10.244.<subnet>.0/24.
 */
export async function createNodeSandbox(tag: string, servers: string[], clients: string[], subnet = 1): Promise<NodeSandbox> {
  const node = `mk${tag}-node`;
  const ext = `mk${tag}-ext`;
  const namespaces = [node, ext];
  const bridgeIP = `10.244.${subnet}.1`;
  const nodeIP = '192.168.77.10';
  const pods: Pod[] = [];
  const procs: Proc[] = [];
  const root = tempDir('minik8s-netns-');
  const add = (ns: string) => {
    sh(['ip', 'netns', 'add', ns]);
    namespaces.push(ns);
    nsx(ns, ['ip', 'link', 'set', 'lo', 'up']);
  };
  for (const ns of [node, ext]) {
    sh(['ip', 'netns', 'add', ns]);
    nsx(ns, ['ip', 'link', 'set', 'lo', 'up']);
  }
  nsx(node, ['ip', 'link', 'add', 'cbr0', 'type', 'bridge']);
  nsx(node, ['ip', 'addr', 'add', `${bridgeIP}/24`, 'dev', 'cbr0']);
  nsx(node, ['ip', 'link', 'set', 'cbr0', 'up']);
  nsx(node, ['ip', 'link', 'add', 'svc0', 'type', 'ifb']);
  nsx(node, ['ip', 'link', 'set', 'svc0', 'up']);
  nsx(node, ['ip', 'route', 'add', SERVICE_CIDR, 'dev', 'svc0']);
  nsx(node, ['ip', 'route', 'add', CLUSTER_CIDR, 'dev', 'svc0']);
  sh(['ip', 'link', 'add', 'eth0', 'netns', node, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ext]);
  nsx(node, ['ip', 'addr', 'add', `${nodeIP}/24`, 'dev', 'eth0']);
  nsx(node, ['ip', 'link', 'set', 'eth0', 'up']);
  nsx(ext, ['ip', 'addr', 'add', '192.168.77.20/24', 'dev', 'eth0']);
  nsx(ext, ['ip', 'link', 'set', 'eth0', 'up']);
  nsx(node, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  nsx(node, ['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1']);
  [...servers, ...clients].forEach((name, i) => {
    const ns = `mk${tag}-${name}`;
    const ip = `10.244.${subnet}.${i + 2}`;
    add(ns);
    const hif = `v${tag}${i}`;
    sh(['ip', 'link', 'add', hif, 'netns', node, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    nsx(node, ['ip', 'link', 'set', hif, 'master', 'cbr0']);
    nsx(node, ['ip', 'link', 'set', hif, 'up']);
    nsx(node, ['bridge', 'link', 'set', 'dev', hif, 'hairpin', 'on']);
    nsx(ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    nsx(ns, ['ip', 'link', 'set', 'eth0', 'up']);
    nsx(ns, ['ip', 'route', 'add', 'default', 'via', bridgeIP]);
    pods.push({ name, ns, ip });
  });
  nsx(node, ['iptables-restore', '--noflush'], FOREIGN_RULES);
  for (const name of servers) {
    const dir = join(root, name);
    mkdirSync(join(dir, 'cgi-bin'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), `${name}\n`);
    writeFileSync(join(dir, 'cgi-bin', 'who'), WHO);
    chmodSync(join(dir, 'cgi-bin', 'who'), 0o755);
    procs.push(startProcess(`httpd-${name}`, 'ip', ['netns', 'exec', `mk${tag}-${name}`, 'env', `POD=${name}`, '/bin/busybox', 'httpd', '-f', '-p', '0.0.0.0:8080', '-h', dir]));
  }
  const get = (ns: string, url: string, timeoutS = 3) => {
    // curl, not busybox wget: the static busybox wget segfaults here after connecting
    const r = nsTry(ns, ['curl', '--noproxy', '*', '-s', '-S', '-m', String(timeoutS), url], (timeoutS + 5) * 1000);
    return r.code === 0 ? r.out.trim() : `FAIL: ${r.err.trim()}`;
  };
  const sandbox: NodeSandbox = {
    node, ext, nodeIP, bridgeIP, pods, namespaces, procs, get,
    destroy: async () => {
      await Promise.all(procs.map((p) => p.kill()));
      for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns]);
    },
  };
  return sandbox;
}

/** Rules "other tools" own in the node (as in the rig): they must survive every kube-proxy sync. */
export const FOREIGN_RULES = `*filter
:FORWARD DROP [0:0]
:CNI-FORWARD - [0:0]
-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD
-A CNI-FORWARD -s 10.244.0.0/16 -j ACCEPT
-A CNI-FORWARD -d 10.244.0.0/16 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
*nat
:FAKE-DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j FAKE-DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j FAKE-DOCKER
-A POSTROUTING -s 172.31.0.0/16 ! -o cbr0 -j MASQUERADE
-A FAKE-DOCKER -i cbr0 -j RETURN
COMMIT
`;

/** The foreign rules as iptables-save prints them (no counters), to compare after syncs. */
export function foreignRules(ns: string): string[] {
  return nsx(ns, ['iptables-save'])
    .split('\n')
    .filter((l) => /FAKE-DOCKER|CNI-FORWARD|172\.31\.0\.0|^:FORWARD DROP/.test(l))
    .map((l) => l.replace(/\[\d+:\d+\]/, ''));
}

/** Names of KUBE-* chains in a namespace (all tables). */
export function kubeChains(ns: string): string[] {
  return nsx(ns, ['iptables-save'])
    .split('\n')
    .filter((l) => /^:KUBE-/.test(l))
    .map((l) => l.slice(1, l.indexOf(' ')));
}

/**
 * A point-to-point veth between the root namespace and `ns` on a link-local /30, so a process in
 * `ns` can reach an apiserver bound to rootIP. `ns` gets only the connected /30 route over it; no
 * forwarding or NAT is set up, and deleting `ns` removes the pair.
 */
export function linkToRoot(ns: string, rootIf: string, rootIP = '169.254.77.1', nsIP = '169.254.77.2', apiIP?: string): { rootIP: string; nsIP: string } {
  sh(['ip', 'link', 'add', rootIf, 'type', 'veth', 'peer', 'name', 'api0', 'netns', ns]);
  sh(['ip', 'addr', 'add', `${rootIP}/30`, 'dev', rootIf]);
  sh(['ip', 'link', 'set', rootIf, 'up']);
  nsx(ns, ['ip', 'addr', 'add', `${nsIP}/30`, 'dev', 'api0']);
  nsx(ns, ['ip', 'link', 'set', 'api0', 'up']);
  // a second node reaches the apiserver bound on the first link's root address
  if (apiIP) nsx(ns, ['ip', 'route', 'add', `${apiIP}/32`, 'via', rootIP, 'dev', 'api0']);
  return { rootIP, nsIP };
}

/** A "LAN" veth between two node namespaces: nodes' InternalIPs 192.168.78.1 and .2. */
export function connectNodes(a: string, b: string): [string, string] {
  sh(['ip', 'link', 'add', 'lan0', 'netns', a, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', b]);
  nsx(a, ['ip', 'addr', 'add', '192.168.78.1/24', 'dev', 'lan0']);
  nsx(b, ['ip', 'addr', 'add', '192.168.78.2/24', 'dev', 'lan0']);
  nsx(a, ['ip', 'link', 'set', 'lan0', 'up']);
  nsx(b, ['ip', 'link', 'set', 'lan0', 'up']);
  return ['192.168.78.1', '192.168.78.2'];
}

/** etcd on loopback plus an apiserver bound to `host` (e.g. the root end of linkToRoot). */
export async function startApiserverOn(host: string, extraArgs: string[] = []): Promise<{ url: string; procs: Proc[]; etcd: string }> {
  const etcd = await startEtcd();
  const port = await freePort();
  const url = `http://${host}:${port}`;
  const api = await startComponent('apiserver', ['--etcd-servers', etcd.endpoint, '--bind-address', host, '--secure-port', String(port), ...extraArgs], `${url}/healthz`);
  return { url, procs: [etcd, api], etcd: etcd.endpoint };
}

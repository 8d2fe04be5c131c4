// Command-line flags, named as upstream's kubelet where one exists. `--flag=value` or `--flag value`.
export interface KubeletFlags {
  kubeconfig?: string;
  master?: string;
  hostnameOverride?: string;
  nodeIP?: string;
  address: string;
  port: number;
  containerRuntimeEndpoint: string;
  podInfraContainerImage: string;
  rootDir: string;
  clusterDNS: string[];
  clusterDomain: string;
  maxPods: number;
  systemReserved?: string;
  kubeReserved?: string;
  capacity?: string;
  podCIDR?: string;
  requirePodCIDR: boolean;
  podNetwork: string;
  nodeLabels?: string;
  hollow: boolean;
  preferLocalImages: boolean;
  syncFrequencySeconds: number;
  nodeStatusUpdateFrequencySeconds: number;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  certDir: string;
  clientCaFile?: string;
  anonymousAuth: boolean;
  authenticationTokenWebhook: boolean;
  authorizationMode: 'AlwaysAllow' | 'Webhook';
  healthzPort: number;
  healthzBindAddress: string;
}

const BOOL = new Set(['hollow', 'prefer-local-images', 'require-pod-cidr', 'anonymous-auth', 'authentication-token-webhook']);

function bool(k: string, v: string | undefined, d: boolean): boolean {
  if (v === undefined) return d;
  if (['true', '1', 't', 'T', 'TRUE', 'True'].includes(v)) return true;
  if (['false', '0', 'f', 'F', 'FALSE', 'False'].includes(v)) return false;
  throw new Error(`invalid value "${v}" for --${k}: want true or false`);
}

export const USAGE = `Usage: node kubelet/dist/main.js [flags]
  --kubeconfig FILE                    kubeconfig for the apiserver (or KUBECONFIG)
  --master URL                         apiserver URL (overrides the kubeconfig server)
  --hostname-override NAME             node name (default: the hostname)
  --node-ip IP                         InternalIP of the node (default 127.0.0.1)
  --address IP                         kubelet API bind address (default 0.0.0.0)
  --port N                             kubelet API port (default 10250)
  --container-runtime-endpoint URL     Docker socket (default unix:///var/run/docker.sock)
  --pod-infra-container-image REF      pause image (default minik8s/pause:3.10)
  --root-dir DIR                       pod volumes and files (default /var/lib/kubelet)
  --cluster-dns IP[,IP]                nameservers for dnsPolicy ClusterFirst pods
  --cluster-domain DOMAIN              cluster domain (default cluster.local)
  --max-pods N                         pods capacity (default 110)
  --system-reserved / --kube-reserved  e.g. cpu=100m,memory=100Mi (subtracted from allocatable)
  --capacity cpu=4,memory=8Gi          override the host's capacity (test and hollow nodes)
  --pod-cidr CIDR                      pod subnet when the node object has no spec.podCIDR
  --require-pod-cidr                   pod network not ready (node NotReady, no pod sandboxes) until the
                                       node has a podCIDR (set it where node-ipam allocates them)
  --pod-network NAME                   Docker network for pods without a podCIDR (default bridge)
  --node-labels k=v,k2=v2              extra node labels
  --prefer-local-images                imagePullPolicy Always uses a local image without pulling
  --sync-frequency SECONDS             pod resync period (default 10)
  --node-status-update-frequency SECONDS (default 10)
  --hollow                             kubemark: the pod workers over an in-memory runtime, no containers
  --tls-cert-file FILE / --tls-private-key-file FILE
                                       serving certificate of the kubelet API (default: self-signed in --cert-dir)
  --cert-dir DIR                       where the self-signed one is kept (default <root-dir>/pki)
  --client-ca-file FILE                accept client certificates signed by this CA (CN = user, O = groups)
  --anonymous-auth                     serve requests without credentials as system:anonymous (default false)
  --authentication-token-webhook       check bearer tokens with a TokenReview (default true)
  --authorization-mode MODE            AlwaysAllow (default) or Webhook (SubjectAccessReview per request)
  --healthz-port N                     plain-HTTP /healthz (default 10248; 0 disables)
  --healthz-bind-address IP            (default 127.0.0.1)
  --v N                                log verbosity`;

export function parseFlags(argv: string[]): KubeletFlags {
  const raw = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) throw new Error(`unexpected argument "${a}"`);
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    if (eq >= 0) raw.set(body.slice(0, eq), body.slice(eq + 1));
    else if (BOOL.has(body) || body === 'help' || body === 'h') raw.set(body, 'true');
    else {
      if (i + 1 >= argv.length) throw new Error(`flag --${body} needs a value`);
      raw.set(body, argv[++i]);
    }
  }
  const known = new Set([
    'kubeconfig',
    'master',
    'hostname-override',
    'node-ip',
    'address',
    'port',
    'container-runtime-endpoint',
    'pod-infra-container-image',
    'root-dir',
    'cluster-dns',
    'cluster-domain',
    'max-pods',
    'system-reserved',
    'kube-reserved',
    'capacity',
    'pod-cidr',
    'require-pod-cidr',
    'pod-network',
    'node-labels',
    'hollow',
    'prefer-local-images',
    'sync-frequency',
    'node-status-update-frequency',
    'v',
    'help',
    'h',
    'tls-cert-file',
    'tls-private-key-file',
    'cert-dir',
    'client-ca-file',
    'anonymous-auth',
    'authentication-token-webhook',
    'authorization-mode',
    'healthz-port',
    'healthz-bind-address',
  ]);
  for (const k of raw.keys()) if (!known.has(k)) throw new Error(`unknown flag: --${k}`);
  const num = (k: string, d: number) => {
    const v = raw.get(k);
    if (v === undefined) return d;
    const n = Number(v.replace(/s$/, ''));
    if (!Number.isFinite(n) || n < 0) throw new Error(`invalid value "${v}" for --${k}`);
    return n;
  };
  const mode = raw.get('authorization-mode') ?? 'AlwaysAllow';
  if (mode !== 'AlwaysAllow' && mode !== 'Webhook')
    throw new Error(`invalid value "${mode}" for --authorization-mode: want AlwaysAllow or Webhook`);
  if (!!raw.get('tls-cert-file') !== !!raw.get('tls-private-key-file'))
    throw new Error('--tls-cert-file and --tls-private-key-file go together');
  const rootDir = raw.get('root-dir') ?? '/var/lib/kubelet';
  const healthzPort = num('healthz-port', 10248);
  if (!Number.isInteger(healthzPort) || healthzPort > 65535)
    throw new Error(`invalid value "${raw.get('healthz-port')}" for --healthz-port`);
  return {
    kubeconfig: raw.get('kubeconfig'),
    master: raw.get('master'),
    hostnameOverride: raw.get('hostname-override'),
    nodeIP: raw.get('node-ip'),
    address: raw.get('address') ?? '0.0.0.0',
    port: num('port', 10250),
    containerRuntimeEndpoint: raw.get('container-runtime-endpoint') ?? 'unix:///var/run/docker.sock',
    podInfraContainerImage: raw.get('pod-infra-container-image') ?? 'minik8s/pause:3.10',
    rootDir,
    clusterDNS: (raw.get('cluster-dns') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    clusterDomain: raw.get('cluster-domain') ?? 'cluster.local',
    maxPods: num('max-pods', 110),
    systemReserved: raw.get('system-reserved'),
    kubeReserved: raw.get('kube-reserved'),
    capacity: raw.get('capacity'),
    podCIDR: raw.get('pod-cidr'),
    requirePodCIDR: raw.get('require-pod-cidr') === 'true',
    podNetwork: raw.get('pod-network') ?? 'bridge',
    nodeLabels: raw.get('node-labels'),
    hollow: raw.get('hollow') === 'true',
    preferLocalImages: raw.get('prefer-local-images') === 'true',
    syncFrequencySeconds: num('sync-frequency', 10),
    nodeStatusUpdateFrequencySeconds: num('node-status-update-frequency', 10),
    tlsCertFile: raw.get('tls-cert-file'),
    tlsPrivateKeyFile: raw.get('tls-private-key-file'),
    certDir: raw.get('cert-dir') ?? `${rootDir}/pki`,
    clientCaFile: raw.get('client-ca-file'),
    anonymousAuth: bool('anonymous-auth', raw.get('anonymous-auth'), false),
    authenticationTokenWebhook: bool('authentication-token-webhook', raw.get('authentication-token-webhook'), true),
    authorizationMode: mode,
    healthzPort,
    healthzBindAddress: raw.get('healthz-bind-address') ?? '127.0.0.1',
  };
}

/** "k=v,k2=v2" → record. */
export function parseLabels(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`invalid label "${kv}": want key=value`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

// Command-line flags, named as ingress-nginx's controller names them where it has them.
import { isIP } from 'node:net';

export interface Flags {
  kubeconfig?: string;
  master?: string;
  /** spec.controller of the IngressClasses served. */
  controllerClass: string;
  watchIngressWithoutClass: boolean;
  httpPort: number;
  httpsPort: number;
  statusPort: number;
  healthzPort: number;
  healthzHost: string;
  bindAddress: string;
  /** IPs or host names written to status.loadBalancer.ingress (empty: the node's IP, from the controller's own pod). */
  publishStatusAddress: string[];
  nginxBinary: string;
  confDir: string;
  workerProcesses: string;
  accessLog: string;
}

const VALUE = new Set([
  'kubeconfig', 'master', 'controller-class', 'watch-ingress-without-class', 'http-port', 'https-port', 'status-port', 'healthz-port', 'healthz-host',
  'bind-address', 'publish-status-address', 'nginx-binary', 'conf-dir', 'worker-processes', 'access-log', 'v',
]);
const BOOL = new Set(['watch-ingress-without-class']);
const HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class FlagError extends Error {}

export const USAGE = `usage: node ingress-controller/dist/main.js [--kubeconfig FILE | --master URL]
  [--controller-class minik8s.io/ingress-nginx] [--watch-ingress-without-class=false]
  [--http-port 80] [--https-port 443] [--bind-address ADDR] [--status-port 10246]
  [--healthz-port 10254] [--healthz-host 0.0.0.0] [--publish-status-address IP[,IP...]]
  [--nginx-binary nginx] [--conf-dir /etc/nginx] [--worker-processes auto] [--access-log /dev/stdout|off]`;

export function parseFlags(argv: string[]): Flags {
  const v = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new FlagError(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (!VALUE.has(name)) throw new FlagError(`unknown flag --${name}`);
    const val = eq >= 0 ? a.slice(eq + 1) : BOOL.has(name) ? 'true' : argv[++i];
    if (val === undefined) throw new FlagError(`flag --${name} needs a value`);
    v.set(name, val);
  }
  const int = (n: string, def: number, min: number, max: number) => {
    const s = v.get(n);
    if (s === undefined) return def;
    const x = Number(s);
    if (!/^\d+$/.test(s) || x < min || x > max) throw new FlagError(`--${n}: want an integer in ${min}..${max}, got "${s}"`);
    return x;
  };
  const bool = (n: string) => {
    const s = v.get(n) ?? 'false';
    if (s !== 'true' && s !== 'false') throw new FlagError(`--${n}: want true or false, got "${s}"`);
    return s === 'true';
  };
  const controllerClass = v.get('controller-class') ?? 'minik8s.io/ingress-nginx';
  if (!/^[a-z0-9.-]+\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(controllerClass)) throw new FlagError(`--controller-class: want a domain-prefixed path such as "minik8s.io/ingress-nginx", got "${controllerClass}"`);
  const bindAddress = v.get('bind-address') ?? '';
  if (bindAddress && isIP(bindAddress) !== 4) throw new FlagError(`--bind-address: want an IPv4 address, got "${bindAddress}"`);
  const healthzHost = v.get('healthz-host') ?? '0.0.0.0';
  if (!isIP(healthzHost)) throw new FlagError(`--healthz-host: want an IP address, got "${healthzHost}"`);
  const publish = (v.get('publish-status-address') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of publish) if (!isIP(p) && !HOSTNAME.test(p)) throw new FlagError(`--publish-status-address: "${p}" is neither an IP address nor a DNS name`);
  const workerProcesses = v.get('worker-processes') ?? 'auto';
  if (workerProcesses !== 'auto' && !/^[1-9]\d{0,2}$/.test(workerProcesses)) throw new FlagError(`--worker-processes: want "auto" or a count, got "${workerProcesses}"`);
  const accessLog = v.get('access-log') ?? '/dev/stdout';
  if (accessLog !== 'off' && !/^\/[A-Za-z0-9._\-/]+$/.test(accessLog)) throw new FlagError(`--access-log: want an absolute file path or "off", got "${accessLog}"`);
  const confDir = v.get('conf-dir') ?? '/etc/nginx';
  if (!/^\/[A-Za-z0-9._\-/]+$/.test(confDir)) throw new FlagError(`--conf-dir: want an absolute directory path, got "${confDir}"`);
  const flags: Flags = {
    kubeconfig: v.get('kubeconfig'),
    master: v.get('master'),
    controllerClass,
    watchIngressWithoutClass: bool('watch-ingress-without-class'),
    httpPort: int('http-port', 80, 1, 65535),
    httpsPort: int('https-port', 443, 1, 65535),
    statusPort: int('status-port', 10246, 1, 65535),
    healthzPort: int('healthz-port', 10254, 0, 65535),
    healthzHost,
    bindAddress,
    publishStatusAddress: publish,
    nginxBinary: v.get('nginx-binary') ?? 'nginx',
    confDir,
    workerProcesses,
    accessLog,
  };
  const ports = [flags.httpPort, flags.httpsPort, flags.statusPort];
  if (new Set(ports).size !== ports.length) throw new FlagError(`--http-port, --https-port and --status-port must differ (${ports.join(', ')})`);
  return flags;
}

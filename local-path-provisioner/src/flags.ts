// Command-line flags of the local-path provisioner.
import { isAbsolute, normalize } from 'node:path';
import { qualifiedNameErrors } from '@minik8s/shared';

export interface Flags {
  kubeconfig?: string;
  master?: string;
  /** The node this instance serves (a DaemonSet pod gets it from spec.nodeName). */
  nodeName: string;
  /** The directory volumes are made in, the same path inside the pod and on the node. */
  root: string;
  provisionerName: string;
  bindAddress: string;
  healthPort: number;
}

const VALUE = new Set(['kubeconfig', 'master', 'node-name', 'root', 'provisioner-name', 'bind-address', 'health-port', 'v']);

export class FlagError extends Error {}

export const DEFAULT_ROOT = '/var/lib/minik8s/local-path';
export const DEFAULT_PROVISIONER = 'minik8s.io/local-path';

export function parseFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): Flags {
  const v = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new FlagError(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (!VALUE.has(name)) throw new FlagError(`unknown flag --${name}`);
    const val = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (val === undefined) throw new FlagError(`flag --${name} needs a value`);
    v.set(name, val);
  }
  const nodeName = v.get('node-name') ?? env.NODE_NAME ?? '';
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(nodeName) || nodeName.length > 253)
    throw new FlagError(nodeName ? `--node-name: "${nodeName}" is not a node name` : '--node-name (or NODE_NAME) is required: the node this provisioner makes volumes on');
  const root = v.get('root') ?? DEFAULT_ROOT;
  if (!isAbsolute(root) || normalize(root) !== root || root.endsWith('/') || root.includes('\0')) throw new FlagError(`--root: want an absolute, clean directory other than /, got "${root}"`);
  const provisionerName = v.get('provisioner-name') ?? DEFAULT_PROVISIONER;
  const bad = qualifiedNameErrors(provisionerName);
  if (bad.length) throw new FlagError(`--provisioner-name: ${bad.join('; ')}`);
  const port = v.get('health-port') ?? '8080';
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw new FlagError(`--health-port: want an integer in 0..65535, got "${port}"`);
  return { kubeconfig: v.get('kubeconfig'), master: v.get('master'), nodeName, root, provisionerName, bindAddress: v.get('bind-address') ?? '0.0.0.0', healthPort: Number(port) };
}

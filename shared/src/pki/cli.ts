// `node shared/dist/pki/cli.js --dir DIR --server URL [--node NAME[=IP,...]]... [--apiserver-name N]...
// [--apiserver-ip IP]... [--etcd-name N]... [--etcd-ip IP]... [--admin-kubeconfig FILE [--admin-server URL]]`:
// make or complete a cluster PKI (see cluster.ts) from a shell, e.g. a container's entrypoint or the
// README's by-hand cluster. Prints one line: what was issued and kept.
import { writeFileSync } from 'node:fs';
import { adminCredentials, ensureClusterPki, type PkiNode } from './cluster';
import { kubeconfigText } from './kubeconfig';

const USAGE =
  'usage: cli.js --dir DIR --server URL [--node NAME[=IP,...]]... [--apiserver-name NAME]... [--apiserver-ip IP]... [--etcd-name NAME]... [--etcd-ip IP]... [--admin-kubeconfig FILE [--admin-server URL]]';

export function parseArgs(argv: string[]): {
  dir: string;
  server: string;
  nodes: PkiNode[];
  apiserverNames: string[];
  apiserverIPs: string[];
  etcdNames: string[];
  etcdIPs: string[];
  adminKubeconfig?: string;
  adminServer?: string;
} {
  const many: Record<string, string[]> = { node: [], 'apiserver-name': [], 'apiserver-ip': [], 'etcd-name': [], 'etcd-ip': [] };
  const one: Record<string, string | undefined> = {
    dir: undefined,
    server: undefined,
    'admin-kubeconfig': undefined,
    'admin-server': undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument ${JSON.stringify(argv[i])}\n${USAGE}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`flag --${m[1]} needs a value`);
    if (m[1] in many) many[m[1]].push(value);
    else if (m[1] in one) one[m[1]] = value;
    else throw new Error(`unknown flag --${m[1]}\n${USAGE}`);
  }
  if (!one.dir || !one.server) throw new Error(`--dir and --server are required\n${USAGE}`);
  const nodes = many.node.map((n) => {
    const [name, ips] = n.split('=', 2);
    return { name, ips: ips ? ips.split(',').filter(Boolean) : [] };
  });
  return {
    dir: one.dir,
    server: one.server,
    nodes,
    apiserverNames: many['apiserver-name'],
    apiserverIPs: many['apiserver-ip'],
    etcdNames: many['etcd-name'],
    etcdIPs: many['etcd-ip'],
    adminKubeconfig: one['admin-kubeconfig'],
    adminServer: one['admin-server'],
  };
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const r = await ensureClusterPki(a);
  if (a.adminKubeconfig) {
    const c = adminCredentials(a.dir);
    writeFileSync(a.adminKubeconfig, kubeconfigText({ server: a.adminServer ?? a.server, ...c, user: 'admin' }), { mode: 0o600 });
  }
  console.log(`pki ${r.dir}: ${r.issued.length} issued${r.issued.length ? ` (${r.issued.join(', ')})` : ''}, ${r.kept} kept`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`pki: ${(e as Error).message}`);
    process.exit(1);
  });
}

// Thin I/O around the iptables binaries (nf_tables backend). Arguments are always arrays, never a
// shell string. An optional command prefix (e.g. ["ip","netns","exec","node1"]) lets tests and the
// benchmark drive a network namespace from outside it.
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(argv: string[], input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => resolve({ code: 127, stdout: '', stderr: String(e) }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** A jump from a built-in chain to one of ours (upstream iptablesJumpChains). */
export interface Jump {
  table: 'filter' | 'nat';
  from: string;
  to: string;
  comment?: string;
  extra?: string[];
}

export function jumpArgs(j: Jump): string[] {
  return [...(j.extra ?? []), ...(j.comment ? ['-m', 'comment', '--comment', j.comment] : []), '-j', j.to];
}

export class Iptables {
  constructor(private readonly prefix: string[] = []) {}

  exec(cmd: string, args: string[], input?: string): Promise<RunResult> {
    return run([...this.prefix, cmd, ...args], input);
  }

  /** One transaction per table; --noflush keeps every chain the payload does not declare. */
  async restore(payload: string): Promise<void> {
    const r = await this.exec('iptables-restore', ['-w', '5', '-W', '100000', '--noflush', '--counters'], payload);
    if (r.code !== 0) throw new RestoreError(r.stderr.trim(), payload);
  }

  async save(table?: string): Promise<string> {
    const r = await this.exec('iptables-save', table ? ['-t', table] : []);
    if (r.code !== 0) throw new Error(`iptables-save: ${r.stderr.trim()}`);
    return r.stdout;
  }

  private ipt(table: string, args: string[]): Promise<RunResult> {
    return this.exec('iptables', ['-w', '5', '-t', table, ...args]);
  }

  /** Put a chain's jumps at its top, in order (upstream's EnsureRule(Prepend) for each, from scratch). */
  async prependJumps(group: Jump[]): Promise<void> {
    for (const j of group) {
      await this.ensureChain(j.table, j.to);
      await this.deleteJump(j);
    }
    for (const j of group) {
      const i = await this.ipt(j.table, ['-I', j.from, ...jumpArgs(j)]);
      if (i.code !== 0) throw new Error(`iptables -t ${j.table} -I ${j.from} -j ${j.to}: ${i.stderr.trim()}`);
    }
  }

  /** The `-A` lines of one chain (iptables -S prints them as iptables-save does). */
  async listChain(table: string, chain: string): Promise<string[]> {
    const r = await this.ipt(table, ['-S', chain]);
    if (r.code !== 0) throw new Error(`iptables -t ${table} -S ${chain}: ${r.stderr.trim()}`);
    return r.stdout.split('\n').filter((l) => l.startsWith('-A '));
  }

  /** -N, tolerating "exists". */
  async ensureChain(table: string, chain: string): Promise<void> {
    const n = await this.ipt(table, ['-N', chain]);
    if (n.code !== 0 && !/exists/i.test(n.stderr)) throw new Error(`iptables -t ${table} -N ${chain}: ${n.stderr.trim()}`);
  }

  async chainExists(table: string, chain: string): Promise<boolean> {
    return (await this.ipt(table, ['-S', chain])).code === 0;
  }

  /** Delete every copy of a jump (same args as it was inserted with). */
  async deleteJump(j: Jump): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const r = await this.ipt(j.table, ['-D', j.from, ...jumpArgs(j)]);
      if (r.code !== 0) return;
    }
  }
}

export class RestoreError extends Error {
  constructor(stderr: string, payload: string) {
    const m = /line:? (\d+)/.exec(stderr);
    let context = '';
    if (m) {
      const lines = payload.split('\n');
      const n = Number(m[1]);
      context = lines
        .slice(Math.max(0, n - 4), n + 3)
        .map((l, i) => `${Math.max(1, n - 3) + i}: ${l}`)
        .join('\n');
    }
    super(`iptables-restore failed: ${stderr}${context ? `\n${context}` : ''}`);
  }
}

/** Chain names declared in iptables-save output, per table. */
export function parseSaveChains(save: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let table = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      out.set(table, []);
    } else if (line.startsWith(':')) {
      out.get(table)?.push(line.slice(1, line.indexOf(' ')));
    }
  }
  return out;
}

/** Whether a rule line (iptables-save / iptables -S format, which normalise the order of matches) is this jump. */
function isJump(line: string, j: Jump): boolean {
  const quoted = j.comment ? (j.comment.includes(' ') ? `--comment "${j.comment}"` : `--comment ${j.comment}`) : '';
  return line.startsWith(`-A ${j.from} `) && line.endsWith(`-j ${j.to}`) && (!quoted || line.includes(quoted));
}

/** The `-A` lines of one chain in iptables-save output. */
export function chainRules(save: string, table: string, chain: string): string[] {
  const start = save.indexOf(`*${table}\n`);
  if (start < 0) return [];
  const end = save.indexOf('\nCOMMIT', start);
  return save
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((l) => l.startsWith(`-A ${chain} `));
}

/**
 * Groups of jumps (one group per built-in chain, in `jumps` order) that must be (re)prepended because
 * the chain does not start with all of them in their order: one is missing, or another rule comes first. Upstream
 * prepends its jumps; here Docker inserts its own rules at the top of FORWARD (accepting everything
 * from the pod bridge) and POSTROUTING (masquerading the bridge subnet) when the kubelet creates the
 * pod network after kube-proxy started, which would hide REJECTs and masquerade pod-to-pod traffic.
 */
export function misplacedJumps(rulesOf: (table: string, chain: string) => string[], jumps: Jump[]): Jump[][] {
  const groups = new Map<string, Jump[]>();
  for (const j of jumps) {
    const key = `${j.table} ${j.from}`;
    groups.set(key, [...(groups.get(key) ?? []), j]);
  }
  const out: Jump[][] = [];
  for (const group of groups.values()) {
    // prepending them one by one leaves the last one on top
    const head = rulesOf(group[0].table, group[0].from).slice(0, group.length);
    if (head.length < group.length || !head.every((l, i) => isJump(l, group[group.length - 1 - i]))) out.push(group);
  }
  return out;
}

// How port-forward reaches a port of a pod. Upstream dials localhost inside the pod's network namespace
// (dockershim ran `nsenter -t PID -n socat - TCP4:localhost:PORT` per connection). We start one small
// Node helper per port-forward session in the pod's network namespace (nsenter), listening on a Unix
// socket: a path-bound Unix socket belongs to no network namespace, so the kubelet reaches it from its
// own, and each connection costs a Unix connect instead of a process. Without the rights for nsenter (not
// root, or no nsenter) the kubelet dials the pod IP instead: servers on 0.0.0.0 or the pod IP only.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';

/** One connection to the pod's port: bytes in and out, and `done` once it is over, with the reason if it failed. */
export interface PodConnection {
  input: Writable;
  output: Readable;
  done: Promise<string | undefined>;
  close(): void;
}

export type Dial = (port: number) => PodConnection;

export function dialPodIp(ip: string): Dial {
  return (port) => {
    const s = connect({ host: ip, port, noDelay: true });
    let failure: string | undefined;
    s.once('error', (e) => (failure = e.message));
    return { input: s, output: s, done: new Promise((ok) => s.once('close', () => ok(failure))), close: () => s.destroy() };
  };
}

// The helper, run in the pod's network namespace. Each connection on its Unix socket sends "PORT\n"
// and gets one byte back: 0, then bytes both ways with 127.0.0.1:PORT (half-closes passed on); or 1,
// then why the dial failed. When the kubelet closes its stdin (or dies) it removes its socket's folder and exits.
const HELPER = `const net = require('net');
net.createServer({ allowHalfOpen: true }, (c) => {
  let head = Buffer.alloc(0);
  const onData = (d) => {
    head = Buffer.concat([head, d]);
    const nl = head.indexOf(10);
    if (nl < 0) return;
    c.off('data', onData);
    c.pause();
    const s = net.connect({ host: '127.0.0.1', port: Number(head.subarray(0, nl)), noDelay: true });
    s.on('connect', () => {
      c.write(Buffer.from([0]));
      s.write(head.subarray(nl + 1));
      c.pipe(s);
      s.pipe(c);
    });
    let connected = false;
    s.on('connect', () => (connected = true));
    // A failed dial half-closes: the kubelet reads the reason before it closes, so its writes never meet EPIPE.
    s.on('error', (e) => {
      if (connected) return;
      c.resume();
      c.end(Buffer.concat([Buffer.from([1]), Buffer.from(e.message)]));
    });
    s.on('close', () => connected && c.destroySoon());
    c.on('error', () => s.destroy());
    c.on('close', () => s.destroy());
  };
  c.on('data', onData);
}).listen(process.argv[1], () => process.stdout.write('ready\\n'));
process.stdin.on('end', () => {
  require('fs').rmSync(require('path').dirname(process.argv[1]), { recursive: true, force: true });
  process.exit(0);
}).resume();`;

function dialHelper(path: string): Dial {
  return (port) => {
    const sock = connect({ path });
    sock.write(`${port}\n`);
    const output = new PassThrough();
    let failure: string | undefined;
    sock.once('data', (d: Buffer) => {
      sock.pause();
      if (d[0] === 0) {
        output.write(d.subarray(1));
        sock.pipe(output);
        return;
      }
      failure = d.subarray(1).toString();
      sock.on('data', (more: Buffer) => (failure += more.toString()));
      sock.resume();
      output.end();
    });
    sock.once('error', (e) => {
      failure ??= `port-forward helper: ${e.message}`;
      output.end();
    });
    return { input: sock, output, done: new Promise((ok) => sock.once('close', () => ok(failure))), close: () => sock.destroy() };
  };
}

export interface NetnsHelper {
  dial: Dial;
  stop(): void;
}

/** Start the helper in the network namespace of process `pid` (the pod's sandbox); resolves once it listens. */
export function startNetnsHelper(pid: number): Promise<NetnsHelper> {
  const dir = mkdtempSync(join(tmpdir(), 'minik8s-portforward-'));
  const path = join(dir, 'pod.sock');
  const child = spawn('nsenter', ['-t', String(pid), '-n', process.execPath, '-e', HELPER, path], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stop = () => {
    child.stdin.end();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => undefined);
  return new Promise((ok, fail) => {
    child.stdout.once('data', () => ok({ dial: dialHelper(path), stop }));
    child.once('error', (e) => fail(e));
    child.once('exit', (code) => {
      stop();
      fail(new Error(`the port-forward helper exited (${code}): ${stderr.trim()}`));
    });
  });
}

let nsenterUsable: boolean | undefined;

/** Whether this process may enter other network namespaces (root, and nsenter installed). */
export function canEnterNetns(): boolean {
  nsenterUsable ??= process.getuid?.() === 0 && spawnSync('nsenter', ['--version']).status === 0;
  return nsenterUsable;
}

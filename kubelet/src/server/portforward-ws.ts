// pods/portforward over a plain WebSocket with the channel protocol, as upstream's kubelet serves it
// (pkg/kubelet/cri/streaming/portforward/websocket.go) to clients that do not tunnel SPDY, such as the
// JavaScript and Python Kubernetes clients: the ports come as ?port= query parameters (one connection
// each); channel 2i carries port i's data both ways and channel 2i+1 its errors, and the first message
// on each of them is the port, 2 bytes little-endian. Subprotocol v4.channel.k8s.io (binary messages:
// channel byte + data), v4.base64.channel.k8s.io (text: channel digit + base64), or none (binary).
import type { WebSocket } from 'ws';
import type { Logger } from '@minik8s/shared';
import type { PortForwardTarget } from './portforward';

export const WS_CHANNEL_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

/** The ports of the ?port= values (each may list several, comma-separated), or upstream's error. */
export function wsPorts(values: string[]): number[] | { error: string } {
  if (values.length === 0) return { error: 'query parameter "port" is required' };
  const ports: number[] = [];
  for (const v of values) {
    if (v === '') return { error: 'query parameter "port" cannot be empty' };
    for (const p of v.split(',')) {
      if (!/^\d{1,5}$/.test(p) || Number(p) > 65535) return { error: `unable to parse "${v}" as a port` };
      if (Number(p) < 1) return { error: `port "${v}" must be > 0` };
      ports.push(Number(p));
    }
  }
  return ports;
}

/** One message of the channel protocol. */
export function encodeFrame(channel: number, data: Buffer, base64: boolean): Buffer | string {
  return base64 ? `${channel}${data.toString('base64')}` : Buffer.concat([Buffer.from([channel]), data]);
}

export function decodeFrame(msg: Buffer, isBinary: boolean, base64: boolean): { channel: number; data: Buffer } | undefined {
  if (msg.length === 0) return undefined;
  if (!base64) return isBinary ? { channel: msg[0], data: msg.subarray(1) } : undefined;
  const channel = msg[0] - 0x30;
  if (channel < 0 || channel > 9) return undefined;
  return { channel, data: Buffer.from(msg.subarray(1).toString(), 'base64') };
}

const portBytes = (port: number) => Buffer.from([port & 0xff, port >> 8]);

export function serveWsPortForward(ws: WebSocket, ports: number[], t: PortForwardTarget, log: Logger): void {
  const base64 = ws.protocol === 'v4.base64.channel.k8s.io';
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(encodeFrame(channel, data, base64), { binary: !base64 });
  };
  const conns = ports.map((port, i) => {
    send(2 * i, portBytes(port));
    send(2 * i + 1, portBytes(port));
    const conn = t.dial(port);
    conn.output.on('data', (d: Buffer) => send(2 * i, d));
    const drained = new Promise<void>((ok) => {
      conn.output.once('end', ok);
      conn.output.once('close', ok);
    });
    const done = Promise.all([conn.done, drained]).then(([failure]) => {
      if (failure) send(2 * i + 1, Buffer.from(`error forwarding port ${port} to pod ${t.pod}, uid ${t.uid}: ${failure}`));
    });
    return { conn, done };
  });
  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    const f = decodeFrame(msg, isBinary, base64);
    // data for a port on its even channel; anything else (the error channels are the server's) is ignored
    if (!f || f.channel % 2 !== 0 || f.channel / 2 >= conns.length) return;
    conns[f.channel / 2].conn.input.write(f.data);
  });
  ws.on('close', () => conns.forEach((c) => c.conn.close()));
  ws.on('error', (e) => log.debug({ pod: t.pod, err: e.message }, 'port-forward websocket error'));
  // As upstream: the session ends once every port's connection is over.
  void Promise.all(conns.map((c) => c.done)).then(() => ws.close(1000));
}

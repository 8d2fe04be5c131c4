// pods/portforward on the kubelet (portforward.k8s.io over SPDY/3.1, as upstream's
// pkg/kubelet/cri/streaming/portforward/httpstream.go serves it): per forwarded connection the client
// opens an error stream and a data stream sharing a requestID; once both are here the kubelet dials the
// pod (pod-dial.ts) and pipes the data stream, and writes on the error stream when that fails.
import { RstStatus, type Logger, type SpdySession, type SpdyStream } from '@minik8s/shared';
import type { Dial } from './pod-dial';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol of SPDY tunnelled in binary messages (kubectl ≥ 1.30). */
export const PORT_FORWARD_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

export interface PortForwardTarget {
  /** name_namespace, as the kubelet names pods in these messages. */
  pod: string;
  uid: string;
  dial: Dial;
}

/** The stream's port, or why its headers are refused (upstream's messages). */
export function streamPort(headers: Record<string, string>): { port: number } | { error: string } {
  const type = headers.streamtype;
  if (type !== 'error' && type !== 'data') return { error: `invalid stream type "${type ?? ''}"` };
  const raw = headers.port;
  if (raw === undefined || raw === '') return { error: '"port" header is required' };
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) return { error: `unable to parse "${raw}" as a port` };
  if (Number(raw) === 0) return { error: `port "${raw}" must be > 0` };
  return { port: Number(raw) };
}

/** Pairs of streams per requestID; requests without one (old clients) pair error stream N with data stream N+2. */
function requestId(s: SpdyStream): string {
  const id = s.headers.requestid;
  if (id !== undefined) return id;
  return String(s.headers.streamtype === 'data' ? s.id - 2 : s.id);
}

/** How long the second stream of a pair may take (upstream's DefaultStreamCreationTimeout). */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer?: NodeJS.Timeout;
}

export function servePortForward(
  session: SpdySession,
  t: PortForwardTarget,
  log: Logger,
  creationTimeoutMs = STREAM_CREATION_TIMEOUT_MS,
): void {
  const pairs = new Map<string, Pair>();
  // A pair left incomplete is given up as upstream does: the message on its error stream, the rest reset.
  const expire = (id: string) => {
    const pair = pairs.get(id);
    pairs.delete(id);
    if (pair?.error && !pair.error.destroyed) pair.error.end(`timed out waiting for streams of request ${id}`);
    pair?.data?.reset();
  };
  session.on('close', () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
  });
  session.on('stream', (s) => {
    const p = streamPort(s.headers);
    if ('error' in p) {
      log.debug({ pod: t.pod, headers: s.headers }, `port-forward stream refused: ${p.error}`);
      s.reset(RstStatus.protocolError);
      return;
    }
    const id = requestId(s);
    let pair = pairs.get(id);
    if (!pair) {
      pair = { timer: setTimeout(() => expire(id), creationTimeoutMs) };
      pairs.set(id, pair);
    }
    pair[s.headers.streamtype as 'error' | 'data'] = s;
    void s.reply().catch(() => undefined);
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(id);
      forward(pair.error, pair.data, p.port, t);
    }
  });
}

function forward(errorStream: SpdyStream, data: SpdyStream, port: number, t: PortForwardTarget): void {
  errorStream.resume(); // the client sends nothing here but its FIN
  const finish = () => {
    if (!data.writableEnded && !data.destroyed) data.end();
    if (!errorStream.writableEnded && !errorStream.destroyed) errorStream.end();
  };
  const conn = t.dial(port);
  data.pipe(conn.input);
  conn.output.pipe(data, { end: false });
  const drained = new Promise<void>((ok) => {
    conn.output.once('end', ok);
    conn.output.once('close', ok);
  });
  // The pod's side is over (or never opened) and all it sent is passed on: the data stream ends, then the
  // error stream, with the reason first if the dial failed.
  void Promise.all([conn.done, drained]).then(([failure]) => {
    if (failure && !errorStream.writableEnded && !errorStream.destroyed)
      errorStream.write(`error forwarding port ${port} to pod ${t.pod}, uid ${t.uid}: ${failure}`);
    finish();
  });
  data.once('close', () => conn.close());
}

// exec and attach over WebSocket, subprotocol v5.channel.k8s.io (as kubectl and the apiserver speak it):
// binary frames whose first byte is the channel: 0 stdin, 1 stdout, 2 stderr, 3 error/exit Status,
// 4 resize {"Width","Height"}, 255 close ([255, channel] half-closes that stream).
import { Writable } from 'node:stream';
import type { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import type Docker from 'dockerode';

export const CH = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The exit Status written on channel 3, exactly as the kubelet/apiserver write it. */
export function exitStatus(exitCode: number, cmd: string[]): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export function failureStatus(message: string): Record<string, unknown> {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

function frame(ch: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([ch]), body]);
}

function channelWriter(ws: WebSocket, ch: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb();
      ws.send(frame(ch, chunk), { binary: true }, () => cb());
    },
  });
}

/**
 * Wire a hijacked Docker stream (exec or attach) to the WebSocket. `finish` gives the Status to send
 * on channel 3 once the process output ends; then the socket closes with 1000. When the client closes
 * stdin, the process gets EOF only with `closeStdin` (an exec, or an attach to a stdinOnce container):
 * otherwise its stdin stays open, as upstream's attach leaves it, and the Docker stream is not half-closed
 * since Docker then ends the attach's output too, losing what the process prints after its input.
 */
export function pipeDockerStream(
  ws: WebSocket,
  docker: Docker,
  stream: Duplex,
  o: StreamOptions,
  resize: (w: number, h: number) => Promise<unknown>,
  finish: () => Promise<Record<string, unknown>>,
  closeStdin = true,
): void {
  const out = channelWriter(ws, CH.stdout);
  const err = o.tty ? out : channelWriter(ws, CH.stderr);
  if (o.tty) stream.on('data', (d: Buffer) => out.write(d));
  else docker.modem.demuxStream(stream, out, err);
  let ended = false;
  const end = async () => {
    if (ended) return;
    ended = true;
    let st: Record<string, unknown>;
    try {
      st = await finish();
    } catch (e) {
      st = failureStatus((e as Error).message);
    }
    // Let queued output frames go first.
    await new Promise<void>((ok) => out.write(Buffer.alloc(0), () => err.write(Buffer.alloc(0), () => ok())));
    if (ws.readyState === ws.OPEN) {
      ws.send(frame(CH.error, JSON.stringify(st)), { binary: true });
      ws.close(1000);
    }
  };
  stream.on('end', () => void end());
  stream.on('close', () => void end());
  stream.on('error', () => void end());
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as unknown as ArrayBuffer);
    if (!isBinary || buf.length === 0) return;
    const ch = buf[0];
    const payload = buf.subarray(1);
    if (ch === CH.stdin && o.stdin) stream.write(payload);
    else if (ch === CH.resize && o.tty) {
      try {
        const { Width, Height } = JSON.parse(payload.toString()) as { Width: number; Height: number };
        if (Width > 0 && Height > 0) resize(Width, Height).catch(() => undefined);
      } catch {
        // a bad resize message is ignored, as upstream
      }
    } else if (ch === CH.close && payload[0] === CH.stdin && closeStdin) {
      stream.end();
    }
  });
  ws.on('close', () => {
    if (!ended) stream.destroy();
  });
}

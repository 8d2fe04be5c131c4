// A SPDY/3.1 session on any Duplex (a TCP socket after an HTTP upgrade, or a WebSocket tunnel), as far
// as port-forward needs it, interoperable with Go's spdystream (kubectl, upstream kubelets): streams
// opened with headers and answered by SYN_REPLY, data with FIN half-close, RST_STREAM, PING echo,
// GOAWAY. No flow control: spdystream neither sends WINDOW_UPDATE nor honours it, so both are ignored.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { constants as zc, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary';
import {
  FLAG_FIN, FrameType, MAX_DATA, RstStatus, controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, headerBlockOffset, splitFrames,
  synStreamBody, twoWords, type Frame, type Headers,
} from './frames';

/** The largest header block inflated (a peer's few bytes of zlib must not become megabytes here). */
export const MAX_HEADER_BLOCK = 256 * 1024;
/** The largest control frame taken (their bodies are a few words and a compressed header block). */
export const MAX_CONTROL_FRAME = 64 * 1024;
/** Streams one session may have open; more are refused (RST_STREAM REFUSED_STREAM). */
export const MAX_STREAMS = 1000;

/**
 * One zlib stream per direction for the whole session (header compression state carries over from frame
 * to frame), each block sync-flushed so it stands alone on the wire. Output beyond `limit` is an error
 * (the session is then torn down: the zlib state is lost).
 */
class ZStream {
  private out: Buffer[] = [];
  private size = 0;
  private failure?: (e: Error) => void;
  constructor(private z: Deflate | Inflate, private limit = Infinity) {
    z.on('data', (c: Buffer) => {
      this.size += c.length;
      if (this.size > this.limit) {
        this.failure?.(new Error(`SPDY header block inflates beyond ${this.limit} bytes`));
        this.z.destroy();
        return;
      }
      this.out.push(c);
    });
    z.on('error', () => undefined); // reported through the pending run()
  }

  run(input: Buffer): Promise<Buffer> {
    return new Promise((ok, fail) => {
      this.failure = fail;
      const onError = (e: Error) => fail(e);
      this.z.once('error', onError);
      this.z.write(input, () => {
        this.z.off('error', onError);
        const res = Buffer.concat(this.out);
        this.out = [];
        this.size = 0;
        ok(res);
      });
    });
  }

  close(): void {
    this.z.close();
  }
}

export class SpdyStream extends Duplex {
  constructor(private session: SpdySession, readonly id: number, readonly headers: Headers) {
    super({ allowHalfOpen: true });
  }

  override _read(): void {
    // data is pushed as frames arrive; a reader asking for more lets a paused session read again
    this.session.resumeReading();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.session.sendData(this.id, false, chunk).then(() => cb(), cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.session.sendData(this.id, true, Buffer.alloc(0)).then(() => cb(), cb);
  }

  /** Accept a stream the peer opened (SYN_REPLY with no headers). */
  reply(): Promise<void> {
    return this.session.sendReply(this.id);
  }

  /** Tear the stream down on both sides (RST_STREAM CANCEL), dropping unsent data. */
  reset(status: number = RstStatus.cancel): void {
    if (this.destroyed) return;
    void this.session.sendReset(this.id, status);
    this.destroy();
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  close: [];
}

export class SpdySession extends EventEmitter<SpdySessionEvents> {
  private streams = new Map<number, SpdyStream>();
  private opening = new Map<number, { ok: (s: SpdyStream) => void; fail: (e: Error) => void }>();
  private nextId: number;
  private pending = Buffer.alloc(0);
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private compressor = new ZStream(createDeflate({ dictionary: SPDY3_DICTIONARY, flush: zc.Z_SYNC_FLUSH }));
  private decompressor = new ZStream(createInflate({ dictionary: SPDY3_DICTIONARY, flush: zc.Z_SYNC_FLUSH }), MAX_HEADER_BLOCK);
  private goneAway = false;
  private closed = false;

  constructor(private socket: Duplex, private role: 'client' | 'server') {
    super();
    this.nextId = role === 'client' ? 1 : 2;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.teardown());
    socket.on('close', () => this.teardown());
    socket.on('error', () => this.teardown());
  }

  /** Open a stream with these headers; resolves when the peer replies, rejects when it resets. */
  open(headers: Headers): Promise<SpdyStream> {
    if (this.closed || this.goneAway) return Promise.reject(new Error('the SPDY session is closed'));
    const id = this.nextId;
    this.nextId += 2;
    const stream = this.track(new SpdyStream(this, id, headers));
    return new Promise((ok, fail) => {
      this.opening.set(id, { ok, fail });
      this.send(async () => controlFrame(FrameType.synStream, 0, synStreamBody(id, await this.compressor.run(encodeHeaderBlock(headers))))).catch((e: Error) => {
        this.opening.delete(id);
        stream.destroy();
        fail(e);
      });
    });
  }

  /** Say GOAWAY and close the connection. */
  close(): void {
    if (this.closed) return;
    const last = [...this.streams.keys()].filter((id) => id % 2 !== this.nextId % 2).reduce((a, b) => Math.max(a, b), 0);
    this.send(() => controlFrame(FrameType.goAway, 0, twoWords(last, 0)))
      .finally(() => this.socket.end())
      .catch(() => undefined);
    this.goneAway = true;
  }

  sendData(id: number, fin: boolean, data: Buffer): Promise<void> {
    const frames: Buffer[] = [];
    for (let off = 0; off < data.length; off += MAX_DATA) frames.push(dataFrame(id, false, data.subarray(off, off + MAX_DATA)));
    if (fin) frames.push(dataFrame(id, true, Buffer.alloc(0)));
    return this.send(() => Buffer.concat(frames));
  }

  sendReply(id: number): Promise<void> {
    return this.send(async () => {
      const block = await this.compressor.run(encodeHeaderBlock({}));
      const body = Buffer.concat([twoWords(id, 0).subarray(0, 4), block]);
      return controlFrame(FrameType.synReply, 0, body);
    });
  }

  sendReset(id: number, status: number): Promise<void> {
    return this.send(() => controlFrame(FrameType.rstStream, 0, twoWords(id, status))).catch(() => undefined);
  }

  /** Frames go out in the order asked, each after the one before is handed to the socket. */
  private send(build: () => Buffer | Promise<Buffer>): Promise<void> {
    const next = this.outbound.then(async () => {
      const buf = await build();
      if (this.closed || !this.socket.writable) throw new Error('the SPDY session is closed');
      await new Promise<void>((ok, fail) => this.socket.write(buf, (e) => (e ? fail(e) : ok())));
    });
    this.outbound = next.catch(() => undefined);
    return next;
  }

  /** Backpressure: reading from the socket stops while a stream's reader is behind, and starts when it asks again. */
  resumeReading(): void {
    if (this.socket.isPaused()) this.socket.resume();
  }

  private track(stream: SpdyStream): SpdyStream {
    this.streams.set(stream.id, stream);
    stream.once('close', () => this.streams.delete(stream.id));
    stream.on('error', () => undefined); // a write racing a reset: the stream is gone either way
    return stream;
  }

  private receive(chunk: Buffer): void {
    let frames: Frame[];
    try {
      const split = splitFrames(this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk);
      frames = split.frames;
      this.pending = Buffer.from(split.rest);
      // a control frame announcing more than any legitimate one: protocol error
      if (this.pending.length >= 8 && this.pending[0] & 0x80 && (this.pending.readUInt32BE(4) & 0xffffff) > MAX_CONTROL_FRAME) throw new Error('control frame too large');
      if (frames.some((f) => f.kind === 'control' && f.body.length > MAX_CONTROL_FRAME)) throw new Error('control frame too large');
    } catch {
      this.socket.destroy();
      return;
    }
    for (const f of frames) {
      this.inbound = this.inbound.then(() => this.handle(f)).catch(() => {
        this.socket.destroy();
      });
    }
  }

  private async handle(f: Frame): Promise<void> {
    if (f.kind === 'data') {
      const s = this.streams.get(f.streamId);
      if (!s || s.destroyed) return;
      if (f.data.length && !s.push(Buffer.from(f.data))) this.socket.pause();
      if (f.fin) s.push(null);
      return;
    }
    const id = f.body.length >= 4 ? f.body.readUInt32BE(0) & 0x7fffffff : 0;
    switch (f.type) {
      case FrameType.synStream: {
        // Inflate every header block, even of streams we refuse: the zlib state must follow the peer's.
        const headers = decodeHeaderBlock(await this.decompressor.run(f.body.subarray(headerBlockOffset(f.type))));
        if (this.goneAway || id % 2 === this.nextId % 2 || this.streams.has(id) || this.listenerCount('stream') === 0 || this.streams.size >= MAX_STREAMS) {
          void this.sendReset(id, RstStatus.refusedStream);
          return;
        }
        const s = this.track(new SpdyStream(this, id, headers));
        if (f.flags & FLAG_FIN) s.push(null);
        this.emit('stream', s);
        return;
      }
      case FrameType.synReply:
      case FrameType.headers: {
        await this.decompressor.run(f.body.subarray(headerBlockOffset(f.type)));
        const waiting = f.type === FrameType.synReply ? this.opening.get(id) : undefined;
        if (!waiting) return;
        this.opening.delete(id);
        const s = this.streams.get(id);
        if (!s) return waiting.fail(new Error(`stream ${id} is gone`));
        if (f.flags & FLAG_FIN) s.push(null);
        waiting.ok(s);
        return;
      }
      case FrameType.rstStream: {
        const waiting = this.opening.get(id);
        this.opening.delete(id);
        waiting?.fail(new Error(`stream ${id} was reset by the peer (status ${f.body.length >= 8 ? f.body.readUInt32BE(4) : 0})`));
        const s = this.streams.get(id);
        if (s && !s.destroyed) {
          s.push(null);
          s.destroy();
        }
        return;
      }
      case FrameType.ping:
        // Echo the peer's pings (their ids have the other parity); we send none of our own.
        if (id % 2 !== (this.role === 'client' ? 1 : 0)) await this.send(() => controlFrame(FrameType.ping, 0, Buffer.from(f.body))).catch(() => undefined);
        return;
      case FrameType.goAway:
        this.goneAway = true;
        return;
      default:
        // SETTINGS, WINDOW_UPDATE: nothing to do without flow control.
        return;
    }
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.opening.values()) w.fail(new Error('the SPDY session closed'));
    this.opening.clear();
    for (const s of this.streams.values()) {
      if (!s.destroyed) {
        s.push(null);
        s.destroy();
      }
    }
    this.compressor.close();
    this.decompressor.close();
    this.socket.destroy();
    this.emit('close');
  }
}

// SPDY/3.1 framing (the part kubectl's and the kubelet's spdystream speak): an 8-byte frame header, then
// the body. Control frames: 1 bit set, version 3, type, flags, 24-bit length. Data frames: 31-bit stream
// id, flags, 24-bit length. Header blocks are a count and length-prefixed lowercase names and values,
// compressed by the session (session.ts); this file only packs and unpacks bytes.

export const FrameType = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9 } as const;
export const FLAG_FIN = 0x01;
export const RstStatus = { protocolError: 1, refusedStream: 3, cancel: 5 } as const;
/** Largest data frame payload (24-bit length). */
export const MAX_DATA = 0xffffff;

export type Headers = Record<string, string>;

export type Frame =
  { kind: 'data'; streamId: number; fin: boolean; data: Buffer } | { kind: 'control'; type: number; flags: number; body: Buffer };

/** The complete frames at the front of `buf`, and the bytes of an incomplete one that follows. */
export function splitFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const len = buf.readUInt32BE(off + 4) & 0xffffff;
    if (buf.length - off < 8 + len) break;
    const flags = buf[off + 4];
    const body = buf.subarray(off + 8, off + 8 + len);
    if (buf[off] & 0x80) {
      const version = buf.readUInt16BE(off) & 0x7fff;
      if (version !== 3) throw new Error(`unsupported SPDY version ${version}`);
      frames.push({ kind: 'control', type: buf.readUInt16BE(off + 2), flags, body });
    } else {
      frames.push({ kind: 'data', streamId: buf.readUInt32BE(off) & 0x7fffffff, fin: (flags & FLAG_FIN) !== 0, data: body });
    }
    off += 8 + len;
  }
  return { frames, rest: buf.subarray(off) };
}

export function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE((((flags & 0xff) << 24) | body.length) >>> 0, 4);
  return Buffer.concat([head, body]);
}

export function dataFrame(streamId: number, fin: boolean, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE((((fin ? FLAG_FIN : 0) << 24) | data.length) >>> 0, 4);
  return Buffer.concat([head, data]);
}

/** Two 32-bit words: stream id and status (RST_STREAM), or last good stream id and status (GOAWAY), or a WINDOW_UPDATE. */
export function twoWords(a: number, b: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt32BE(a & 0x7fffffff, 0);
  body.writeUInt32BE(b, 4);
  return body;
}

/** SYN_STREAM body: stream id, no associated stream, priority 0, slot 0, then the compressed headers. */
export function synStreamBody(streamId: number, compressedHeaders: Buffer): Buffer {
  const head = Buffer.alloc(10);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  return Buffer.concat([head, compressedHeaders]);
}

/** Where the header block starts in a frame body: SYN_STREAM after 10 bytes, SYN_REPLY and HEADERS after the stream id. */
export function headerBlockOffset(type: number): number {
  return type === FrameType.synStream ? 10 : 4;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/** An uncompressed header block; names lowercased as SPDY requires. */
export function encodeHeaderBlock(h: Headers): Buffer {
  const parts = [u32(Object.keys(h).length)];
  for (const [k, v] of Object.entries(h)) {
    const name = Buffer.from(k.toLowerCase());
    const value = Buffer.from(v);
    parts.push(u32(name.length), name, u32(value.length), value);
  }
  return Buffer.concat(parts);
}

/** Parse an uncompressed header block; several values of one name (NUL-separated) are kept joined by ", ". */
export function decodeHeaderBlock(b: Buffer): Headers {
  const out: Headers = {};
  const need = (off: number, n: number) => {
    if (off + n > b.length) throw new Error('SPDY header block is truncated');
  };
  need(0, 4);
  const count = b.readUInt32BE(0);
  let off = 4;
  for (let i = 0; i < count; i++) {
    need(off, 4);
    const nl = b.readUInt32BE(off);
    need(off + 4, nl + 4);
    const name = b.subarray(off + 4, off + 4 + nl).toString();
    off += 4 + nl;
    const vl = b.readUInt32BE(off);
    need(off + 4, vl);
    out[name] = b
      .subarray(off + 4, off + 4 + vl)
      .toString()
      .split('\0')
      .join(', ');
    off += 4 + vl;
  }
  return out;
}

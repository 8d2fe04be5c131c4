import { createHash } from 'node:crypto';
import { createServer, connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SPDY3_DICTIONARY } from '../src/spdy/dictionary';
import { FrameType, controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, splitFrames } from '../src/spdy/frames';
import { MAX_CONTROL_FRAME, MAX_HEADER_BLOCK, SpdySession, type SpdyStream } from '../src/spdy/session';
import { constants as zc, deflateSync } from 'node:zlib';
import { synStreamBody } from '../src/spdy/frames';

describe('SPDY/3 framing', () => {
  it('the header dictionary is the one of the SPDY/3 draft (same bytes as Go and spdy-transport)', () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex')).toBe('51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
  });

  it.each([
    [{}],
    [{ streamtype: 'error', port: '8080', requestid: '0' }],
    [{ StreamType: 'data' }],
    [{ 'x-long': 'v'.repeat(70_000) }],
  ])('header block round trip %#', (h) => {
    const lowered = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
    expect(decodeHeaderBlock(encodeHeaderBlock(h))).toEqual(lowered);
  });

  it('several values of one header (NUL-separated) read back joined', () => {
    const b = encodeHeaderBlock({ a: 'x\0y' });
    expect(decodeHeaderBlock(b)).toEqual({ a: 'x, y' });
  });

  it('a truncated header block is an error', () => {
    const b = encodeHeaderBlock({ port: '80' });
    expect(() => decodeHeaderBlock(b.subarray(0, b.length - 1))).toThrow(/truncated/);
  });

  it.each([
    ['data', dataFrame(5, true, Buffer.from('hi')), { kind: 'data', streamId: 5, fin: true, data: Buffer.from('hi') }],
    ['empty data', dataFrame(2, false, Buffer.alloc(0)), { kind: 'data', streamId: 2, fin: false, data: Buffer.alloc(0) }],
    ['ping', controlFrame(FrameType.ping, 0, Buffer.from([0, 0, 0, 1])), { kind: 'control', type: FrameType.ping, flags: 0, body: Buffer.from([0, 0, 0, 1]) }],
    ['fin flag', controlFrame(FrameType.synReply, 1, Buffer.alloc(4)), { kind: 'control', type: FrameType.synReply, flags: 1, body: Buffer.alloc(4) }],
  ])('frame %s round trip, whole and cut anywhere', (_name, bytes, frame) => {
    expect(splitFrames(bytes)).toEqual({ frames: [frame], rest: Buffer.alloc(0) });
    for (let cut = 0; cut < bytes.length; cut++) {
      const first = splitFrames(bytes.subarray(0, cut));
      expect(first.frames).toEqual([]);
      expect(splitFrames(Buffer.concat([first.rest, bytes.subarray(cut)])).frames).toEqual([frame]);
    }
  });

  it('a control frame of another SPDY version is refused', () => {
    const f = controlFrame(FrameType.ping, 0, Buffer.alloc(4));
    f.writeUInt16BE(0x8002, 0);
    expect(() => splitFrames(f)).toThrow(/version 2/);
  });
});

async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const accepted = new Promise<Socket>((ok) => server.once('connection', ok));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  const s = await accepted;
  server.close();
  return [client, s];
}

function readAll(s: SpdyStream): Promise<string> {
  return new Promise((ok) => {
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.on('end', () => ok(text));
  });
}

describe('SPDY session', () => {
  it('streams with headers, data both ways, half-close, reset, and headers compressed across many streams', async () => {
    const [a, b] = await socketPair();
    const client = new SpdySession(a, 'client');
    const server = new SpdySession(b, 'server');
    const seen: Record<string, string>[] = [];
    server.on('stream', (s) => {
      seen.push(s.headers);
      if (s.headers.reject) return s.reset();
      void s.reply();
      // echo upper-cased, then end our side once the client ended its side
      s.on('data', (d: Buffer) => s.write(d.toString().toUpperCase()));
      s.on('end', () => s.end());
    });
    for (let i = 0; i < 5; i++) {
      const s = await client.open({ streamType: 'data', requestID: String(i) });
      expect(s.id).toBe(1 + 2 * i);
      const got = readAll(s);
      s.end(`hello-${i}`);
      expect(await got).toBe(`HELLO-${i}`);
    }
    expect(seen.map((h) => h.requestid)).toEqual(['0', '1', '2', '3', '4']);
    await expect(client.open({ reject: 'yes' })).rejects.toThrow(/reset by the peer/);
    const closed = new Promise<void>((ok) => server.once('close', ok));
    client.close();
    await closed;
    await expect(client.open({ a: 'b' })).rejects.toThrow(/closed/);
  });

  // A few KiB of zlib that inflate to megabytes, or a control frame announcing 16 MiB: the session is torn
  // down at once instead of buffering what the peer asks for.
  it.each([
    ['a header block that inflates beyond the cap', () => controlFrame(FrameType.synStream, 0, synStreamBody(1, deflateSync(encodeHeaderBlock({ bomb: 'a'.repeat(8 * MAX_HEADER_BLOCK) }), { dictionary: SPDY3_DICTIONARY, flush: zc.Z_SYNC_FLUSH })))],
    ['a control frame longer than any legitimate one', () => controlFrame(FrameType.synStream, 0, Buffer.alloc(MAX_CONTROL_FRAME + 1))],
    ['a control frame header announcing 16 MiB', () => controlFrame(FrameType.synStream, 0, Buffer.alloc(MAX_CONTROL_FRAME + 1)).subarray(0, 64)],
  ])('%s closes the session', async (_what, frame) => {
    const [a, b] = await socketPair();
    const server = new SpdySession(b, 'server');
    let opened = 0;
    server.on('stream', () => opened++);
    const closed = new Promise<void>((ok) => server.once('close', ok));
    const bytes = frame();
    expect(bytes.length).toBeLessThan(MAX_HEADER_BLOCK);
    a.write(bytes);
    await closed;
    expect(opened).toBe(0);
    a.destroy();
  });
});

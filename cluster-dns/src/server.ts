// The wire side: decode a DNS query (dns-packet), answer it from the current index, encode the
// response; served over UDP and TCP (RFC 1035 length-prefixed) on the same port.
import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { answer, type DnsConfig, type DnsIndex } from './records';

const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const UDP_MAX = 512;

export interface QueryStats {
  rcode: keyof typeof RCODES;
  proto: 'udp' | 'tcp';
}

/** One query message in, one response message out (pure given the index). */
export function respond(msg: Buffer, index: DnsIndex, cfg: DnsConfig, maxSize = Infinity): { buf: Buffer; rcode: keyof typeof RCODES } {
  let q: dnsPacket.DecodedPacket;
  try {
    q = dnsPacket.decode(msg);
  } catch {
    if (msg.length < 2) return { buf: Buffer.alloc(0), rcode: 'FORMERR' };
    return { buf: dnsPacket.encode({ type: 'response', id: msg.readUInt16BE(0), flags: RCODES.FORMERR }), rcode: 'FORMERR' };
  }
  const rd = q.flag_rd ? dnsPacket.RECURSION_DESIRED : 0;
  const question = q.questions?.[0];
  if (q.type !== 'query' || (q as { opcode?: string }).opcode !== 'QUERY' || !question || q.questions!.length !== 1) {
    return { buf: dnsPacket.encode({ type: 'response', id: q.id, flags: rd | RCODES.NOTIMP, questions: q.questions }), rcode: 'NOTIMP' };
  }
  const a = answer(question.name, question.type, index, cfg);
  const flags = rd | (a.aa ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | RCODES[a.rcode];
  const res: dnsPacket.Packet = {
    type: 'response',
    id: q.id,
    flags,
    questions: [question],
    answers: a.answers as dnsPacket.Answer[],
    authorities: a.authorities as dnsPacket.Answer[],
    additionals: a.additionals as dnsPacket.Answer[],
  };
  let buf = dnsPacket.encode(res);
  if (buf.length > maxSize) {
    buf = dnsPacket.encode({ type: 'response', id: q.id, flags: flags | dnsPacket.TRUNCATED_RESPONSE, questions: [question] });
  }
  return { buf, rcode: a.rcode };
}

export interface DnsServer {
  udpPort: number;
  tcpPort: number;
  close(): Promise<void>;
}

export async function startDnsServer(opts: {
  host: string;
  port: number;
  config: DnsConfig;
  index(): DnsIndex;
  onQuery?(s: QueryStats): void;
}): Promise<DnsServer> {
  const udp = dgram.createSocket(opts.host.includes(':') ? 'udp6' : 'udp4');
  udp.on('message', (msg, rinfo) => {
    const { buf, rcode } = respond(msg, opts.index(), opts.config, UDP_MAX);
    opts.onQuery?.({ rcode, proto: 'udp' });
    if (buf.length) udp.send(buf, rinfo.port, rinfo.address);
  });
  const tcp = net.createServer((sock) => {
    let pending = Buffer.alloc(0);
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        const { buf, rcode } = respond(msg, opts.index(), opts.config);
        opts.onQuery?.({ rcode, proto: 'tcp' });
        const out = Buffer.alloc(2 + buf.length);
        out.writeUInt16BE(buf.length, 0);
        buf.copy(out, 2);
        sock.write(out);
      }
    });
  });
  await new Promise<void>((ok, fail) => {
    udp.once('error', fail);
    udp.bind(opts.port, opts.host, () => {
      udp.off('error', fail);
      ok();
    });
  });
  const udpPort = udp.address().port;
  await new Promise<void>((ok, fail) => {
    tcp.once('error', fail);
    // same port as UDP (port 0 = let UDP pick, then use it for TCP too)
    tcp.listen(udpPort, opts.host, () => {
      tcp.off('error', fail);
      ok();
    });
  });
  return {
    udpPort,
    tcpPort: (tcp.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((ok) => {
        udp.close();
        tcp.close(() => ok());
      }),
  };
}

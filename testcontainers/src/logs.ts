// The last lines of a file in a container, running or stopped (the Docker archive API works on both,
// exec does not): how a failed start shows what the component in charge logged last.
import type Dockerode from 'dockerode';
import { PassThrough, Readable } from 'node:stream';
import { extract } from 'tar-stream';

const KEEP_BYTES = 64 * 1024;

/** The last `lines` lines of `path` in the container; '' when it does not exist. */
export async function tailFile(container: Dockerode.Container, path: string, lines = 25): Promise<string> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return '';
    throw e;
  }
  const text = await new Promise<string>((resolve, reject) => {
    const x = extract();
    let kept = Buffer.alloc(0);
    x.on('entry', (header, stream, next) => {
      stream.on('data', (d) => {
        if (header.type === 'file') kept = Buffer.concat([kept, d as Buffer]).subarray(-KEEP_BYTES);
      });
      stream.on('end', next);
      stream.resume();
    });
    x.on('finish', () => resolve(kept.toString('utf8')));
    x.on('error', reject);
    archive.on('error', reject);
    archive.pipe(x);
  });
  return lastLines(text, lines);
}

export function lastLines(text: string, n: number): string {
  const all = text.trimEnd().split('\n');
  return all.slice(Math.max(0, all.length - n)).join('\n');
}

/** The container's own output (the supervisor's lines), last `lines` of them. */
export async function containerOutput(container: Dockerode.Container, lines = 25): Promise<string> {
  const raw = (await container.logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
  // Docker's multiplexed frames (no TTY), taken apart by docker-modem
  const source = Readable.from([raw]);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (d: Buffer) => chunks.push(d));
  container.modem.demuxStream(source, out, out);
  await new Promise((ok) => source.once('end', ok));
  return lastLines(Buffer.concat(chunks).toString('utf8'), lines);
}

// cp [NS/]POD:PATH LOCAL and cp LOCAL [NS/]POD:PATH, as kubectl does it: a tar stream over exec — `tar cf -
// PATH` in the container unpacked here (entries that would leave the destination are refused, symlinks
// skipped with a warning), or a tar made here unpacked by `tar -xmf - -C DIR` in the container.
import { createReadStream, lstatSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix, resolve, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import { getObject } from '../api';
import { builtinType } from '../args';
import type { Ctx } from '../context';
import { CliError } from '../errors';
import { resolvePod, streamSession, type Pod, type SessionIO } from './pods';

export interface FileSpec {
  namespace?: string;
  pod?: string;
  path: string;
}

/** kubectl's extractFileSpec: `[ns/]pod:path` is remote, anything without a colon local. */
export function parseFileSpec(arg: string): FileSpec {
  const i = arg.indexOf(':');
  if (i === 0) throw new CliError('filespec must match the canonical format: [[namespace/]pod:]file/path');
  if (i < 0) return { path: arg };
  const pieces = arg.slice(0, i).split('/');
  if (pieces.length > 2) throw new CliError('filespec must match the canonical format: [[namespace/]pod:]file/path');
  return pieces.length === 2 ? { namespace: pieces[0], pod: pieces[1], path: arg.slice(i + 1) } : { pod: pieces[0], path: arg.slice(i + 1) };
}

/** Where a tar entry from `tar cf - SRC` lands under `dest`, or undefined when it would leave it. */
export function extractTarget(entry: string, src: string, dest: string): string | undefined {
  const prefix = posix.normalize(src.replace(/^\/+/, '')).replace(/\/$/, '');
  const name = entry.replace(/^\/+/, '').replace(/\/$/, '');
  if (name !== prefix && !name.startsWith(`${prefix}/`)) return undefined;
  const target = resolve(dest, name.slice(prefix.length).replace(/^\//, ''));
  const root = resolve(dest);
  return target === root || target.startsWith(root + sep) ? target : undefined;
}

export async function cp(ctx: Ctx, args: string[], o: { container?: string; noPreserve?: boolean }): Promise<number> {
  if (args.length !== 2) throw new CliError(`source and destination are required\nSee 'mkctl cp -h' for help and examples`);
  const src = parseFileSpec(args[0]);
  const dest = parseFileSpec(args[1]);
  if (src.pod && dest.pod) throw new CliError('one of src or dest must be a local file specification');
  if (!src.path || !dest.path) throw new CliError('filepath can not be empty');
  if (src.pod) return fromPod(ctx, src, dest.path, o.container);
  if (dest.pod) return toPod(ctx, src.path, dest, o);
  throw new CliError('one of src or dest must be a remote file specification');
}

async function podFor(ctx: Ctx, spec: FileSpec): Promise<Pod> {
  return spec.namespace ? getObject<Pod>(ctx, builtinType('pods'), spec.namespace, spec.pod!) : resolvePod(ctx, spec.pod!);
}

async function fromPod(ctx: Ctx, src: FileSpec, dest: string, container?: string): Promise<number> {
  const pod = await podFor(ctx, src);
  const { extract } = await import('tar-stream');
  const tarOut = new PassThrough();
  const ex = extract();
  const written = new Promise<void>((ok, fail) => {
    ex.on('entry', (header, stream, next) => {
      const target = extractTarget(header.name, src.path, dest);
      const skip = () => {
        stream.on('end', next);
        stream.resume();
      };
      if (!target) {
        process.stderr.write(`warning: file "${header.name}" is outside target destination, skipping\n`);
        return skip();
      }
      if (header.type === 'symlink' || header.type === 'link') {
        process.stderr.write(`warning: skipping symlink: "${target}" -> "${header.linkname}"\n`);
        return skip();
      }
      if (header.type === 'directory') {
        mkdirSync(target, { recursive: true });
        return skip();
      }
      if (header.type !== 'file') return skip();
      mkdirSync(dirname(target), { recursive: true });
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        writeFileSync(target, Buffer.concat(chunks), { mode: (header.mode ?? 0o644) & 0o777 });
        next();
      });
    });
    ex.on('finish', ok);
    ex.on('error', fail);
  });
  tarOut.pipe(ex);
  // tar's own messages ("removing leading '/'") go to stdout, where kubectl's tar pipe sends them.
  const io: SessionIO = { in: process.stdin, out: tarOut, err: process.stdout };
  const { code } = await streamSession(ctx, pod, 'exec', { command: ['tar', 'cf', '-', src.path], container }, false, false, undefined, io);
  tarOut.end();
  await written;
  if (code !== 0) throw new CliError(`command terminated with exit code ${code}`, 1);
  return 0;
}

/** The tar of a local file or directory, its entries named under `destBase`. */
async function packLocal(local: string, destBase: string): Promise<NodeJS.ReadableStream> {
  const { pack } = await import('tar-stream');
  const p = pack();
  const add = async (path: string, name: string): Promise<void> => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return; // kubectl's tar follows none either
    if (st.isDirectory()) {
      p.entry({ name: `${name}/`, type: 'directory', mode: st.mode & 0o777, mtime: st.mtime });
      for (const e of readdirSync(path).sort()) await add(join(path, e), `${name}/${e}`);
      return;
    }
    if (!st.isFile()) return;
    await new Promise<void>((ok, fail) => {
      const entry = p.entry({ name, size: st.size, mode: st.mode & 0o777, mtime: st.mtime }, (err) => (err ? fail(err) : ok()));
      createReadStream(path).pipe(entry);
    });
  };
  void add(local, destBase)
    .then(() => p.finalize())
    .catch((e) => p.destroy(e));
  return p as unknown as NodeJS.ReadableStream;
}

async function toPod(ctx: Ctx, local: string, dest: FileSpec, o: { container?: string; noPreserve?: boolean }): Promise<number> {
  try {
    statSync(local);
  } catch {
    throw new CliError(`${local} doesn't exist in local filesystem`);
  }
  const pod = await podFor(ctx, dest);
  let target = dest.path;
  // As kubectl: into the destination when it is a directory in the container.
  const quiet: SessionIO = { in: process.stdin, out: new PassThrough().resume(), err: new PassThrough().resume() };
  const isDir = await streamSession(ctx, pod, 'exec', { command: ['test', '-d', dest.path], container: o.container }, false, false, undefined, quiet);
  if (isDir.code === 0) target = posix.join(dest.path, basename(local));
  const dir = posix.dirname(target);
  const tar = await packLocal(local, posix.basename(target));
  const command = [...(o.noPreserve ? ['tar', '--no-same-permissions', '--no-same-owner', '-xmf', '-'] : ['tar', '-xmf', '-']), ...(dir ? ['-C', dir] : [])];
  const io: SessionIO = { in: tar, out: process.stdout, err: process.stderr };
  const { code } = await streamSession(ctx, pod, 'exec', { command, container: o.container }, true, false, undefined, io);
  if (code !== 0) throw new CliError(`command terminated with exit code ${code}`, 1);
  return 0;
}

// Reading `-f` sources as kubectl does: files, directories (.yaml/.yml/.json; -R recurses), `-` for
// stdin, multi-document YAML and `kind: List`. Errors name the file and, for YAML, the line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import type { Ctx } from './context';
import { CliError } from './errors';
import type { KubeObject, ResourceType } from './shared';

export interface Manifest {
  /** Where it came from, as kubectl names it in messages ("deploy.yaml", "STDIN"). */
  source: string;
  obj: KubeObject;
  rt: ResourceType;
}

const EXTENSIONS = /\.(ya?ml|json)$/i;

function filesOf(path: string, recursive: boolean): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new CliError(`the path "${path}" does not exist`);
  }
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  for (const e of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(path, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...filesOf(p, true).filter((f) => EXTENSIONS.test(f)));
    } else if (EXTENSIONS.test(e.name)) out.push(p);
  }
  return out;
}

/** Parse one file's text into objects (documents, List items; `raw`: the documents as they are); throws CliError naming the line. */
export function parseManifests(text: string, source: string, raw = false): KubeObject[] {
  const docs = YAML.parseAllDocuments(text, { version: '1.1' });
  const out: KubeObject[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line;
      const msg = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      throw new CliError(`error parsing ${source}: error converting YAML to JSON: yaml: ${line ? `line ${line}: ` : ''}${msg}`);
    }
    const v = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (v === null || v === undefined) continue;
    if (raw) {
      out.push(v as KubeObject);
      continue;
    }
    if (typeof v !== 'object' || Array.isArray(v)) throw new CliError(`error parsing ${source}: a document must be a mapping (an API object), got ${Array.isArray(v) ? 'a list' : typeof v}`);
    const o = v as KubeObject & { items?: KubeObject[] };
    if (o.kind === 'List' || (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items))) out.push(...(o.items ?? []));
    else out.push(o);
  }
  return out;
}

/** Objects from every -f source, each resolved to its resource type through discovery. */
export async function readManifests(ctx: Ctx, paths: string[], recursive: boolean): Promise<Manifest[]> {
  if (paths.length === 0) throw new CliError('must specify one of -f and -k');
  const out: Manifest[] = [];
  for (const p of paths) {
    const files = p === '-' ? ['-'] : filesOf(p, recursive);
    for (const f of files) {
      const source = f === '-' ? 'STDIN' : f;
      let text: string;
      try {
        text = readFileSync(f === '-' ? 0 : f, 'utf8');
      } catch (e) {
        throw new CliError(`unable to read ${source}: ${(e as Error).message}`);
      }
      for (const obj of parseManifests(text, source)) out.push({ source, obj, rt: await resolveKind(ctx, obj, source) });
    }
  }
  if (out.length === 0) throw new CliError('no objects passed to apply');
  return out;
}

export async function resolveKind(ctx: Ctx, obj: KubeObject, source: string): Promise<ResourceType> {
  const missing = [!obj.apiVersion && 'apiVersion not set', !obj.kind && 'kind not set'].filter(Boolean);
  if (missing.length) {
    throw new CliError(`error validating "${source}": error validating data: [${missing.join(', ')}]; if you choose to ignore these errors, turn validation off with --validate=false`);
  }
  if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
  const rt = await ctx.discovery.forKind(String(obj.apiVersion), String(obj.kind));
  if (!rt) {
    throw new CliError(
      `resource mapping not found for name: "${obj.metadata.name ?? ''}" namespace: "${obj.metadata.namespace ?? ''}" from "${source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"\nensure CRDs are installed first`,
    );
  }
  return rt;
}

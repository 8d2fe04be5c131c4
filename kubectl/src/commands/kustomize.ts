// kustomize DIR, apply -k DIR, diff -k DIR: the kustomization built by src/kustomize/build.ts from the local
// files, each object resolved to its resource through discovery.
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Ctx } from '../context';
import { CliError } from '../errors';
import { Builder, type Files } from '../kustomize/build';
import { parseManifests, readManifests, resolveKind, type Manifest } from '../manifests';
import { toYaml } from '../print/yaml';
import type { KubeObject } from '../shared';

const localFiles: Files = {
  read: (p) => {
    try {
      return readFileSync(p);
    } catch (e) {
      throw new CliError(`open ${p}: no such file or directory`, 1, { cause: e });
    }
  },
  isDir: (p) => statSync(p).isDirectory(),
  exists: (p) => existsSync(p),
};

export function buildKustomization(dir: string): KubeObject[] {
  if (!existsSync(dir)) throw new CliError(`must build at directory: not a valid directory: evalsymlink failure on '${dir}' : lstat ${dir}: no such file or directory`);
  return new Builder(localFiles, (text, source) => parseManifests(text, source, true), (line) => process.stderr.write(line + '\n')).build(dir);
}

/** The manifests of -f or -k (exactly one of them), as apply and diff take them. */
export async function manifestsFrom(ctx: Ctx, o: { filename?: string[]; recursive?: boolean; kustomize?: string }): Promise<Manifest[]> {
  if (o.kustomize && o.filename?.length) throw new CliError('only one of -f or -k can be specified');
  if (!o.kustomize) return readManifests(ctx, o.filename ?? [], !!o.recursive);
  const out: Manifest[] = [];
  for (const obj of buildKustomization(o.kustomize)) out.push({ source: o.kustomize, obj, rt: await resolveKind(ctx, obj, o.kustomize) });
  return out;
}

/** `kustomize DIR`: the built objects as one YAML stream. */
export async function kustomize(_ctx: Ctx, dir: string | undefined): Promise<number> {
  const objs = buildKustomization(dir ?? '.');
  process.stdout.write(objs.map((o) => toYaml(o)).join('---\n'));
  return 0;
}

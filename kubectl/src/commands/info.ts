// version, api-resources, cluster-info, and the config subcommands.
import { readFileSync, writeFileSync } from 'node:fs';
import YAML from 'yaml';
import type { Ctx } from '../context';
import { CliError } from '../errors';
import { formatColumns } from '../print/tabwriter';
import { toJson, toYaml } from '../print/yaml';
import { apiVersionOf, kubeconfigFiles, type KubeList, type KubeObject } from '../shared';

export async function apiResources(ctx: Ctx, o: { output?: string; namespaced?: string; noHeaders?: boolean }): Promise<number> {
  // As kubectl: always fresh from the server (the disk cache is rewritten), the preferred version of each group.
  await ctx.discovery.refresh();
  const all = await ctx.discovery.preferred();
  const groups = [...new Set(all.map((r) => r.group))].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  const rows: string[][] = [];
  const wide = o.output === 'wide';
  if (!o.noHeaders) rows.push(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', ...(wide ? ['VERBS', 'CATEGORIES'] : [])]);
  for (const g of groups) {
    const rs = all.filter((r) => r.group === g).sort((a, b) => a.resource.localeCompare(b.resource));
    for (const r of rs) {
      if (o.namespaced !== undefined && String(r.namespaced) !== o.namespaced) continue;
      if (o.output === 'name') {
        process.stdout.write(r.group ? `${r.resource}.${r.group}\n` : `${r.resource}\n`);
        continue;
      }
      rows.push([r.resource, r.shortNames.join(','), apiVersionOf(r), String(r.namespaced), r.kind, ...(wide ? [[...r.verbs].sort().join(','), r.categories.join(',')] : [])]);
    }
  }
  if (o.output !== 'name') process.stdout.write(formatColumns(rows));
  return 0;
}

export async function clusterInfo(ctx: Ctx): Promise<number> {
  const list = await ctx.client.request<KubeList>('GET', '/api/v1/namespaces/kube-system/services', { query: { labelSelector: 'kubernetes.io/cluster-service=true' } });
  let out = `Kubernetes control plane is running at ${ctx.client.server}\n`;
  for (const s of list.items ?? []) {
    const name = (s.metadata.labels?.['kubernetes.io/name'] as string | undefined) ?? s.metadata.name;
    out += `${name} is running at ${ctx.client.server}/api/v1/namespaces/kube-system/services/${s.metadata.name}/proxy\n`;
  }
  process.stdout.write(`${out}\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// config

interface KubeconfigDoc {
  'current-context'?: string;
  contexts?: { name: string; context?: { cluster?: string; user?: string; namespace?: string } }[];
  clusters?: KubeObject[];
  users?: { name: string; user?: Record<string, unknown> }[];
  [k: string]: unknown;
}

function configFile(ctx: Ctx): string {
  const files = kubeconfigFiles({ path: ctx.globals.kubeconfig });
  if (files.length === 0) throw new CliError('no kubeconfig file found: pass --kubeconfig or set KUBECONFIG');
  return files[0];
}

function readConfig(file: string): KubeconfigDoc {
  try {
    return (YAML.parse(readFileSync(file, 'utf8')) ?? {}) as KubeconfigDoc;
  } catch (e) {
    throw new CliError(`error loading config file "${file}": ${(e as Error).message}`);
  }
}

const REDACTED = ['client-key-data', 'client-certificate-data', 'token'];

export async function configView(ctx: Ctx, o: { output?: string; minify?: boolean; raw?: boolean }): Promise<number> {
  const doc = readConfig(configFile(ctx));
  const out: KubeconfigDoc = {
    apiVersion: 'v1',
    clusters: doc.clusters ?? null,
    contexts: doc.contexts ?? null,
    'current-context': doc['current-context'] ?? '',
    kind: 'Config',
    preferences: doc.preferences ?? {},
    users: doc.users ?? null,
  } as KubeconfigDoc;
  if (!o.raw) {
    for (const u of out.users ?? []) for (const k of REDACTED) if (u.user && k in u.user) u.user[k] = k === 'token' ? 'REDACTED' : 'DATA+OMITTED';
  }
  if (o.minify) {
    const cur = out['current-context'];
    out.contexts = (out.contexts ?? []).filter((c) => c.name === cur);
    const c = out.contexts[0]?.context;
    out.clusters = (out.clusters ?? []).filter((x) => x.name === c?.cluster);
    out.users = (out.users ?? []).filter((x) => x.name === c?.user);
  }
  process.stdout.write(o.output === 'json' ? toJson(out) : toYaml(out));
  return 0;
}

export async function currentContext(ctx: Ctx): Promise<number> {
  const cur = readConfig(configFile(ctx))['current-context'];
  if (!cur) throw new CliError('current-context is not set');
  process.stdout.write(cur + '\n');
  return 0;
}

export async function useContext(ctx: Ctx, name: string): Promise<number> {
  const file = configFile(ctx);
  const text = readFileSync(file, 'utf8');
  const doc = YAML.parseDocument(text);
  const contexts = (doc.toJS() as KubeconfigDoc).contexts ?? [];
  if (!contexts.some((c) => c.name === name)) throw new CliError(`no context exists with the name: "${name}"`);
  doc.set('current-context', name);
  writeFileSync(file, doc.toString());
  process.stdout.write(`Switched to context "${name}".\n`);
  return 0;
}

export async function getContexts(ctx: Ctx, names: string[], o: { output?: string; noHeaders?: boolean }): Promise<number> {
  const doc = readConfig(configFile(ctx));
  const cur = ctx.globals.context ?? doc['current-context'];
  const all = doc.contexts ?? [];
  const chosen = names.length ? all.filter((c) => names.includes(c.name)) : all;
  for (const n of names) if (!all.some((c) => c.name === n)) throw new CliError(`context ${n} not found`);
  if (o.output === 'name') {
    for (const c of chosen) process.stdout.write(c.name + '\n');
    return 0;
  }
  const rows = o.noHeaders ? [] : [['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE']];
  for (const c of [...chosen].sort((a, b) => a.name.localeCompare(b.name))) {
    rows.push([c.name === cur ? '*' : '', c.name, c.context?.cluster ?? '', c.context?.user ?? '', c.context?.namespace ?? '']);
  }
  process.stdout.write(formatColumns(rows));
  return 0;
}

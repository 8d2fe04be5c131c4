// --admission-control-config-file: upstream's AdmissionConfiguration (apiserver.config.k8s.io/v1), a list of
// plugins with their configuration inline (`configuration`) or in a file of its own (`path`, relative to
// this one). Only PodSecurity takes a configuration here; naming another plugin is an error, not a silent
// no-op.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import YAML from 'yaml';
import { podSecurityConfig, UPSTREAM_POD_SECURITY, type PodSecurityConfig } from '@minik8s/shared';

export interface AdmissionConfig {
  podSecurity: PodSecurityConfig;
}

function readYaml(what: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${what}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  try {
    return YAML.parse(text);
  } catch (e) {
    throw new Error(`${what}: ${path} is not valid YAML: ${(e as Error).message}`, { cause: e });
  }
}

/** The admission configuration in `file`, or upstream's defaults without one. Throws what is wrong in it. */
export function loadAdmissionConfig(file: string | undefined): AdmissionConfig {
  if (!file) return { podSecurity: UPSTREAM_POD_SECURITY };
  const what = '--admission-control-config-file';
  const raw = readYaml(what, file) as { apiVersion?: unknown; kind?: unknown; plugins?: unknown } | null;
  if (
    raw?.kind !== 'AdmissionConfiguration' ||
    typeof raw.apiVersion !== 'string' ||
    !raw.apiVersion.startsWith('apiserver.config.k8s.io/')
  )
    throw new Error(`${what}: ${file}: want kind AdmissionConfiguration, apiVersion apiserver.config.k8s.io/v1`);
  if (raw.plugins !== undefined && !Array.isArray(raw.plugins)) throw new Error(`${what}: ${file}: plugins must be a list`);
  let podSecurity = UPSTREAM_POD_SECURITY;
  for (const [i, p] of ((raw.plugins ?? []) as { name?: unknown; path?: unknown; configuration?: unknown }[]).entries()) {
    if (p?.name !== 'PodSecurity')
      throw new Error(
        `${what}: ${file}: plugins[${i}].name: ${JSON.stringify(p?.name)} takes no configuration here (only PodSecurity does)`,
      );
    const conf = typeof p.path === 'string' ? readYaml(`${what} plugins[${i}].path`, resolve(dirname(file), p.path)) : p.configuration;
    const { config, errors } = podSecurityConfig(conf);
    if (errors.length) throw new Error(`${what}: ${file}: PodSecurity: ${errors.join('; ')}`);
    podSecurity = config;
  }
  return { podSecurity };
}

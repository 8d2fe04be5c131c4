// Container environment, as upstream kubelet_pods.go makeEnvironmentVariables: Service links first,
// then envFrom, then env (later entries win); $(VAR) references expand against what came before.
import type { core } from '@minik8s/shared';

export interface EnvSources {
  /** ConfigMap data by name (pod namespace). */
  configMaps: Map<string, Record<string, string>>;
  /** Secret data by name, already base64-decoded. */
  secrets: Map<string, Record<string, string>>;
  /** Services visible to the pod (its namespace, plus default/kubernetes). */
  services: core.Service[];
  podIP?: string;
  hostIP?: string;
  nodeName: string;
}

export class EnvError extends Error {}

/** {SVC}_SERVICE_HOST, {SVC}_SERVICE_PORT[_NAME], {SVC}_PORT, {SVC}_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]. */
export function serviceEnv(services: core.Service[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const sorted = [...services].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const s of sorted) {
    const ip = s.spec?.clusterIP;
    const ports = s.spec?.ports ?? [];
    if (!ip || ip === 'None' || ports.length === 0) continue;
    const name = (s.metadata?.name ?? '').toUpperCase().replace(/-/g, '_');
    out.push([`${name}_SERVICE_HOST`, ip], [`${name}_SERVICE_PORT`, String(ports[0].port)]);
    for (const p of ports) if (p.name) out.push([`${name}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`, String(p.port)]);
    const first = ports[0];
    out.push([`${name}_PORT`, `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`]);
    for (const p of ports) {
      const proto = p.protocol ?? 'TCP';
      const prefix = `${name}_PORT_${p.port}_${proto}`;
      out.push(
        [prefix, `${proto.toLowerCase()}://${ip}:${p.port}`],
        [`${prefix}_PROTO`, proto.toLowerCase()],
        [`${prefix}_PORT`, String(p.port)],
        [`${prefix}_ADDR`, ip],
      );
    }
  }
  return out;
}

/** Expand $(VAR) from vars; $$ escapes; unknown references stay as written (upstream expansion). */
export function expand(input: string, vars: Map<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const nx = input[i + 1];
    if (nx === '$') {
      out += '$';
      i++;
    } else if (nx === '(') {
      const end = input.indexOf(')', i + 2);
      if (end < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, end);
      out += vars.has(name) ? vars.get(name) : `$(${name})`;
      i = end;
    } else {
      out += ch;
    }
  }
  return out;
}

function fieldRef(pod: core.Pod, path: string, src: EnvSources): string {
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? src.nodeName;
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
      return src.podIP ?? '';
    case 'status.hostIP':
      return src.hostIP ?? '';
  }
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]] ?? '';
  throw new EnvError(`unsupported fieldRef fieldPath "${path}"`);
}

/** The container's environment as Docker "K=V" strings; throws EnvError (→ CreateContainerConfigError). */
export function buildEnv(pod: core.Pod, c: core.Container, src: EnvSources): string[] {
  const vars = new Map<string, string>();
  if (pod.spec?.enableServiceLinks !== false) for (const [k, v] of serviceEnv(src.services)) vars.set(k, v);
  else
    for (const [k, v] of serviceEnv(src.services.filter((s) => s.metadata?.name === 'kubernetes' && s.metadata?.namespace === 'default')))
      vars.set(k, v);
  for (const ef of c.envFrom ?? []) {
    const prefix = ef.prefix ?? '';
    if (ef.configMapRef) {
      const data = src.configMaps.get(ef.configMapRef.name ?? '');
      if (!data) {
        if (ef.configMapRef.optional) continue;
        throw new EnvError(`configmap "${ef.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(data)) vars.set(prefix + k, v);
    } else if (ef.secretRef) {
      const data = src.secrets.get(ef.secretRef.name ?? '');
      if (!data) {
        if (ef.secretRef.optional) continue;
        throw new EnvError(`secret "${ef.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(data)) vars.set(prefix + k, v);
    }
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom === undefined) {
      vars.set(e.name, expand(e.value ?? '', vars));
      continue;
    }
    const vf = e.valueFrom;
    if (vf.fieldRef) {
      vars.set(e.name, fieldRef(pod, vf.fieldRef.fieldPath, src));
    } else if (vf.configMapKeyRef) {
      const ref = vf.configMapKeyRef;
      const v = src.configMaps.get(ref.name ?? '')?.[ref.key];
      if (v === undefined) {
        if (ref.optional) continue;
        throw new EnvError(
          src.configMaps.has(ref.name ?? '')
            ? `couldn't find key ${ref.key} in ConfigMap ${pod.metadata?.namespace}/${ref.name}`
            : `configmap "${ref.name}" not found`,
        );
      }
      vars.set(e.name, v);
    } else if (vf.secretKeyRef) {
      const ref = vf.secretKeyRef;
      const v = src.secrets.get(ref.name ?? '')?.[ref.key];
      if (v === undefined) {
        if (ref.optional) continue;
        throw new EnvError(
          src.secrets.has(ref.name ?? '')
            ? `couldn't find key ${ref.key} in Secret ${pod.metadata?.namespace}/${ref.name}`
            : `secret "${ref.name}" not found`,
        );
      }
      vars.set(e.name, v);
    } else if (vf.resourceFieldRef) {
      vars.set(e.name, resourceField(c, vf.resourceFieldRef.resource));
    }
  }
  return [...vars].map(([k, v]) => `${k}=${v}`);
}

function resourceField(c: core.Container, resource: string): string {
  const [kind, res] = resource.split('.');
  const v = (kind === 'limits' ? c.resources?.limits : c.resources?.requests)?.[res];
  return v === undefined ? '0' : String(v);
}

/** command/args with $(VAR) expanded from the container's environment. */
export function expandCommand(words: string[] | undefined, env: string[]): string[] | undefined {
  if (!words) return undefined;
  const vars = new Map(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]));
  return words.map((w) => expand(w, vars));
}

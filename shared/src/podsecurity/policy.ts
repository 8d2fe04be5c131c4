// A namespace's Pod Security policy (upstream's k8s.io/pod-security-admission/api): the
// pod-security.kubernetes.io/<mode>[-version] labels over the cluster defaults (the admission
// configuration), the messages the admission sends, and the PodSecurityConfiguration it is configured by.
import { evaluatePod, type CheckResult, type Level, type LevelVersion } from './checks';
import type { core } from '../api/types';

export const POD_SECURITY_LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];
export const MODES = ['enforce', 'audit', 'warn'] as const;
export type Mode = (typeof MODES)[number];

export type Policy = Record<Mode, LevelVersion>;

/** The cluster defaults and exemptions (PodSecurityConfiguration, pod-security.admission.config.k8s.io/v1). */
export interface PodSecurityConfig {
  defaults: Record<Mode, string> & Record<`${Mode}-version`, string>;
  exemptions: { usernames: string[]; runtimeClasses: string[]; namespaces: string[] };
}

/** Upstream's defaults: privileged everywhere, no exemptions. */
export const UPSTREAM_POD_SECURITY: PodSecurityConfig = {
  defaults: {
    enforce: 'privileged',
    'enforce-version': 'latest',
    audit: 'privileged',
    'audit-version': 'latest',
    warn: 'privileged',
    'warn-version': 'latest',
  },
  exemptions: { usernames: [], runtimeClasses: [], namespaces: [] },
};

export interface PolicyError {
  field: string;
  value: string;
  /** The supported values (a bad level), else `detail` says what is wrong. */
  supported?: readonly string[];
  detail?: string;
}

/** "latest" → Infinity, "v1.25" → 25; undefined when malformed. */
export function parseVersion(v: string): number | undefined {
  if (v === 'latest') return Infinity;
  const m = /^v1\.(0|[1-9][0-9]{0,3})$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

export const VERSION_FORMAT = `must be "latest" or "v1.<minor>"`;

/** "baseline:latest", "restricted:v1.25" (upstream's LevelVersion.String). */
export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${lv.version === Infinity ? 'latest' : `v1.${lv.version}`}`;
}

/**
 * The policy a namespace's labels ask for, unset labels taken from `defaults` (upstream's
 * PolicyToEvaluate): a label that cannot be parsed counts as "restricted" / "latest" and is an error.
 */
export function policyFor(
  labels: Record<string, string> | undefined,
  defaults: PodSecurityConfig['defaults'],
): { policy: Policy; errors: PolicyError[] } {
  const errors: PolicyError[] = [];
  const policy = {} as Policy;
  for (const mode of MODES) {
    const levelKey = POD_SECURITY_LABEL_PREFIX + mode;
    const versionKey = `${levelKey}-version`;
    const levelStr = labels?.[levelKey] ?? defaults[mode];
    const versionStr = labels?.[versionKey] ?? defaults[`${mode}-version`];
    let level: Level = 'restricted';
    if ((LEVELS as readonly string[]).includes(levelStr)) level = levelStr as Level;
    else errors.push({ field: `metadata.labels[${levelKey}]`, value: levelStr, supported: LEVELS });
    let version = parseVersion(versionStr);
    if (version === undefined) {
      errors.push({ field: `metadata.labels[${versionKey}]`, value: versionStr, detail: VERSION_FORMAT });
      version = Infinity;
    }
    policy[mode] = { level, version };
  }
  return { policy, errors };
}

/** "reason (detail), reason2 (detail2)": the violations as the admission words them. */
export function violationsText(results: readonly CheckResult[], withDetail = true): string {
  return results.map((r) => (withDetail && r.detail ? `${r.reason} (${r.detail})` : r.reason)).join(', ');
}

/** The enforce refusal's text: `violates PodSecurity "baseline:latest": privileged (...)`. */
export function violatesMessage(lv: LevelVersion, results: readonly CheckResult[]): string {
  return `violates PodSecurity ${JSON.stringify(levelVersionString(lv))}: ${violationsText(results)}`;
}

/** The warn mode's warning: `would violate PodSecurity "restricted:latest": ...`. */
export function wouldViolateMessage(lv: LevelVersion, results: readonly CheckResult[]): string {
  return `would violate PodSecurity ${JSON.stringify(levelVersionString(lv))}: ${violationsText(results)}`;
}

export interface PodSecuritySubject {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: core.PodSpec;
}

/**
 * The warnings for a namespace whose enforce level is changing (upstream's namespace evaluation): which
 * existing pods would violate the new level, pods with the same violations grouped under the first one.
 */
export function namespaceWarnings(namespace: string, lv: LevelVersion, pods: readonly PodSecuritySubject[], limit = 10): string[] {
  const groups = new Map<string, string[]>();
  for (const pod of pods) {
    const results = evaluatePod(lv, pod.metadata ?? {}, pod.spec ?? { containers: [] });
    if (!results.length) continue;
    const key = violationsText(results, false);
    const names = groups.get(key) ?? [];
    names.push(pod.metadata?.name ?? '');
    groups.set(key, names);
  }
  if (!groups.size) return [];
  const out = [
    `existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(lv))}`,
  ];
  for (const [violations, names] of [...groups].slice(0, limit)) {
    const who = names.length === 1 ? names[0] : `${names[0]} (and ${names.length - 1} other ${names.length === 2 ? 'pod' : 'pods'})`;
    out.push(`${who}: ${violations}`);
  }
  return out;
}

/** A PodSecurityConfiguration (already decoded from YAML/JSON) checked and merged over upstream's defaults. */
export function podSecurityConfig(raw: unknown): { config: PodSecurityConfig; errors: string[] } {
  const errors: string[] = [];
  const config: PodSecurityConfig = structuredClone(UPSTREAM_POD_SECURITY);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { config, errors: ['the configuration must be an object'] };
  const r = raw as { apiVersion?: unknown; kind?: unknown; defaults?: Record<string, unknown>; exemptions?: Record<string, unknown> };
  if (r.kind !== 'PodSecurityConfiguration') errors.push(`kind: must be "PodSecurityConfiguration", got ${JSON.stringify(r.kind)}`);
  if (typeof r.apiVersion !== 'string' || !r.apiVersion.startsWith('pod-security.admission.config.k8s.io/'))
    errors.push(`apiVersion: must be pod-security.admission.config.k8s.io/v1, got ${JSON.stringify(r.apiVersion)}`);
  for (const [k, v] of Object.entries(r.defaults ?? {})) {
    if (!(k in config.defaults)) {
      errors.push(`defaults.${k}: unknown field`);
      continue;
    }
    if (typeof v !== 'string') {
      errors.push(`defaults.${k}: must be a string`);
      continue;
    }
    const ok = k.endsWith('-version') ? parseVersion(v) !== undefined : (LEVELS as readonly string[]).includes(v);
    if (!ok)
      errors.push(`defaults.${k}: ${JSON.stringify(v)} ${k.endsWith('-version') ? VERSION_FORMAT : `must be one of ${LEVELS.join(', ')}`}`);
    else (config.defaults as Record<string, string>)[k] = v;
  }
  for (const [k, v] of Object.entries(r.exemptions ?? {})) {
    if (!(k in config.exemptions)) {
      errors.push(`exemptions.${k}: unknown field`);
      continue;
    }
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x)) {
      errors.push(`exemptions.${k}: must be a list of non-empty strings`);
      continue;
    }
    config.exemptions[k as keyof PodSecurityConfig['exemptions']] = [...v];
  }
  return { config, errors };
}

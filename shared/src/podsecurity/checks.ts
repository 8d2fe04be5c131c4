// The Pod Security Standards checks (upstream's k8s.io/pod-security-admission/policy), as data and pure
// functions: each check names its level, the first policy version it applies to, and returns a reason and
// detail worded as upstream when a pod violates it. `evaluatePod` runs the checks of a level and version
// in upstream's order: the baseline checks, then either the overlapping baseline checks (baseline) or
// the restricted ones (restricted), which replace them.
import type { core } from '../api/types';

export type Level = 'privileged' | 'baseline' | 'restricted';

export interface CheckResult {
  reason: string;
  detail: string;
}

interface PodMeta {
  annotations?: Record<string, string>;
}

export interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** A baseline check that the restricted level replaces with a stricter one. */
  overlap?: boolean;
  /** The first minor version (1.x) of the policy the check belongs to. */
  since: number;
  check(meta: PodMeta, spec: core.PodSpec, version: number): CheckResult | undefined;
}

type AnyContainer = core.Container | core.EphemeralContainer;

/** Init containers, containers, then ephemeral containers (upstream's visitContainers). */
function containers(spec: core.PodSpec): AnyContainer[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

const joinQuote = (items: readonly string[]) => (items.length ? `"${items.join('", "')}"` : '');
const pluralize = (one: string, many: string, n: number) => (n === 1 ? one : many);
const sorted = (s: Set<string>) => [...s].sort();
const named = (names: string[]) => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

/** The names of the containers `bad` picks. */
function badContainers(spec: core.PodSpec, bad: (c: AnyContainer) => boolean): string[] {
  return containers(spec)
    .filter(bad)
    .map((c) => c.name);
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

/** Allowed sysctls and the policy version that allowed each. */
const SAFE_SYSCTLS: [string, number][] = [
  ['kernel.shm_rmid_forced', 0],
  ['net.ipv4.ip_local_port_range', 0],
  ['net.ipv4.tcp_syncookies', 0],
  ['net.ipv4.ping_group_range', 0],
  ['net.ipv4.ip_unprivileged_port_start', 0],
  ['net.ipv4.ip_local_reserved_ports', 27],
  ['net.ipv4.tcp_keepalive_time', 29],
  ['net.ipv4.tcp_fin_timeout', 29],
  ['net.ipv4.tcp_keepalive_intvl', 29],
  ['net.ipv4.tcp_keepalive_probes', 29],
];

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const RESTRICTED_VOLUME_SOURCES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const validSeccomp = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';

/** "pod and containers "a", "b"" — the pod (when it is one) and the named containers. */
function setters(pod: boolean, names: string[]): string {
  return [...(pod ? ['pod'] : []), ...(names.length ? [named(names)] : [])].join(' and ');
}

function seccomp(spec: core.PodSpec, restricted: boolean): CheckResult | undefined {
  const badValues = new Set<string>();
  const podType = spec.securityContext?.seccompProfile?.type;
  const podBad = spec.securityContext?.seccompProfile !== undefined && !validSeccomp(podType);
  if (podBad) badValues.add(podType ?? '');
  const podSet = spec.securityContext?.seccompProfile !== undefined && !podBad;
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containers(spec)) {
    const p = c.securityContext?.seccompProfile;
    if (p) {
      if (!validSeccomp(p.type)) {
        explicit.push(c.name);
        badValues.add(p.type ?? '');
      }
    } else if (!podSet) implicit.push(c.name);
  }
  if (podBad || explicit.length)
    return {
      reason: 'seccompProfile',
      detail: `${setters(podBad, explicit)} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(badValues))}`,
    };
  if (restricted && implicit.length)
    return {
      reason: 'seccompProfile',
      detail: `pod or ${named(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    };
  return undefined;
}

/** Every check, in upstream's registration order. */
export const CHECKS: readonly Check[] = [
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    since: 8,
    check: (_m, spec) => {
      const bad = badContainers(spec, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
      return bad.length
        ? { reason: 'allowPrivilegeEscalation != false', detail: `${named(bad)} must set securityContext.allowPrivilegeEscalation=false` }
        : undefined;
    },
  },
  {
    id: 'appArmorProfile',
    level: 'baseline',
    since: 0,
    check: (meta, spec) => {
      const allowedAnnotation = (v: string) => v === '' || v === 'runtime/default' || v.startsWith('localhost/');
      const forbidden = Object.entries(meta.annotations ?? {})
        .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAnnotation(v))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      const unconfined = (t: string | undefined) => t === 'Unconfined';
      if (unconfined(spec.securityContext?.appArmorProfile?.type)) forbidden.push('pod securityContext.appArmorProfile.type="Unconfined"');
      for (const c of containers(spec))
        if (unconfined(c.securityContext?.appArmorProfile?.type))
          forbidden.push(`container ${JSON.stringify(c.name)} securityContext.appArmorProfile.type="Unconfined"`);
      if (!forbidden.length) return undefined;
      forbidden.sort();
      return {
        reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', forbidden.length),
        detail: forbidden.join(', '),
      };
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    overlap: true,
    since: 0,
    check: (_m, spec) => {
      const caps = new Set<string>();
      const bad = badContainers(spec, (c) => {
        const extra = (c.securityContext?.capabilities?.add ?? []).filter((a) => !BASELINE_CAPABILITIES.has(a));
        extra.forEach((a) => caps.add(a));
        return extra.length > 0;
      });
      return bad.length
        ? {
            reason: 'non-default capabilities',
            detail: `${named(bad)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`,
          }
        : undefined;
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    since: 22,
    check: (_m, spec) => {
      const missingDrop: string[] = [];
      const adding: string[] = [];
      const caps = new Set<string>();
      for (const c of containers(spec)) {
        const k = c.securityContext?.capabilities;
        if (!k?.drop?.includes('ALL')) missingDrop.push(c.name);
        const extra = (k?.add ?? []).filter((a) => a !== 'NET_BIND_SERVICE');
        extra.forEach((a) => caps.add(a));
        if (extra.length) adding.push(c.name);
      }
      const details = [
        ...(missingDrop.length ? [`${named(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`] : []),
        ...(adding.length ? [`${named(adding)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`] : []),
      ];
      return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    since: 0,
    check: (_m, spec) => {
      const ns = [spec.hostIPC && 'hostIPC', spec.hostNetwork && 'hostNetwork', spec.hostPID && 'hostPID'].filter(Boolean) as string[];
      return ns.length ? { reason: 'host namespaces', detail: ns.join(', ') } : undefined;
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    overlap: true,
    since: 0,
    check: (_m, spec) => {
      const vols = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
      return vols.length
        ? { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', vols.length)} ${joinQuote(vols)}` }
        : undefined;
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    since: 0,
    check: (_m, spec) => {
      const ports = new Set<string>();
      const bad = badContainers(spec, (c) => {
        const hp = (c.ports ?? []).filter((p) => p.hostPort).map((p) => String(p.hostPort));
        hp.forEach((p) => ports.add(p));
        return hp.length > 0;
      });
      if (!bad.length) return undefined;
      return {
        reason: 'hostPort',
        detail: `${named(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', ports.size)} ${sorted(ports).join(', ')}`,
      };
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    since: 0,
    check: (_m, spec) => {
      const bad = badContainers(spec, (c) => c.securityContext?.privileged === true);
      return bad.length ? { reason: 'privileged', detail: `${named(bad)} must not set securityContext.privileged=true` } : undefined;
    },
  },
  {
    id: 'procMount',
    level: 'baseline',
    since: 0,
    check: (_m, spec) => {
      const types = new Set<string>();
      const bad = badContainers(spec, (c) => {
        const p = c.securityContext?.procMount;
        if (p === undefined || p === 'Default') return false;
        types.add(p);
        return true;
      });
      return bad.length
        ? { reason: 'procMount', detail: `${named(bad)} must not set securityContext.procMount to ${joinQuote(sorted(types))}` }
        : undefined;
    },
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    since: 0,
    check: (_m, spec) => {
      const names: string[] = [];
      const types = new Set<string>();
      for (const v of spec.volumes ?? []) {
        const source = Object.keys(v).find((k) => k !== 'name' && (v as unknown as Record<string, unknown>)[k] != null);
        if (source && RESTRICTED_VOLUME_SOURCES.has(source)) continue;
        names.push(v.name);
        types.add(source ?? '');
      }
      if (!names.length) return undefined;
      return {
        reason: 'restricted volume types',
        detail: `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('restricted volume type', 'restricted volume types', types.size)} ${joinQuote(sorted(types))}`,
      };
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    since: 0,
    check: (_m, spec) => {
      const podValue = spec.securityContext?.runAsNonRoot;
      const explicit: string[] = [];
      const implicit: string[] = [];
      for (const c of containers(spec)) {
        const v = c.securityContext?.runAsNonRoot;
        if (v === false) explicit.push(c.name);
        else if (v === undefined && podValue !== true) implicit.push(c.name);
      }
      if (podValue === false || explicit.length)
        return {
          reason: 'runAsNonRoot != true',
          detail: `${setters(podValue === false, explicit)} must not set securityContext.runAsNonRoot=false`,
        };
      if (implicit.length)
        return { reason: 'runAsNonRoot != true', detail: `pod or ${named(implicit)} must set securityContext.runAsNonRoot=true` };
      return undefined;
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    since: 23,
    check: (_m, spec) => {
      const pod = spec.securityContext?.runAsUser === 0;
      const bad = badContainers(spec, (c) => c.securityContext?.runAsUser === 0);
      return pod || bad.length ? { reason: 'runAsUser=0', detail: `${setters(pod, bad)} must not set runAsUser=0` } : undefined;
    },
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    since: 0,
    check: (_m, spec) => {
      const types = new Set<string>();
      let user = false;
      let role = false;
      const valid = (o: core.SELinuxOptions) => {
        let ok = true;
        if (!SELINUX_TYPES.has(o.type ?? '')) {
          types.add(o.type ?? '');
          ok = false;
        }
        if (o.user) {
          user = true;
          ok = false;
        }
        if (o.role) {
          role = true;
          ok = false;
        }
        return ok;
      };
      const podOpts = spec.securityContext?.seLinuxOptions;
      const podBad = !!podOpts && !valid(podOpts);
      const bad = badContainers(spec, (c) => !!c.securityContext?.seLinuxOptions && !valid(c.securityContext.seLinuxOptions));
      if (!podBad && !bad.length) return undefined;
      const data = [
        ...(types.size ? [`${pluralize('type', 'types', types.size)} ${joinQuote(sorted(types))}`] : []),
        ...(user ? ['user may not be set'] : []),
        ...(role ? ['role may not be set'] : []),
      ];
      return {
        reason: 'seLinuxOptions',
        detail: `${setters(podBad, bad)} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
      };
    },
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    overlap: true,
    since: 19,
    check: (_m, spec) => seccomp(spec, false),
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    since: 19,
    check: (_m, spec) => seccomp(spec, true),
  },
  {
    id: 'sysctls',
    level: 'baseline',
    since: 0,
    check: (_m, spec, version) => {
      // the allowed set grew with the policy versions
      const safe = (n: string) => SAFE_SYSCTLS.some(([name, since]) => name === n && since <= version);
      const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !safe(n));
      return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
    },
  },
  {
    id: 'windowsHostProcess',
    level: 'baseline',
    since: 0,
    check: (_m, spec) => {
      const pod = spec.securityContext?.windowsOptions?.hostProcess === true;
      const bad = badContainers(spec, (c) => c.securityContext?.windowsOptions?.hostProcess === true);
      return pod || bad.length
        ? { reason: 'hostProcess', detail: `${setters(pod, bad)} must not set securityContext.windowsOptions.hostProcess=true` }
        : undefined;
    },
  },
];

/** A policy level at a version (minor of 1.x; Infinity for "latest"). */
export interface LevelVersion {
  level: Level;
  version: number;
}

/** The violations of `pod` against the level at its version, in upstream's order. */
export function evaluatePod(lv: LevelVersion, meta: PodMeta, spec: core.PodSpec): CheckResult[] {
  if (lv.level === 'privileged') return [];
  const applies = (c: Check) =>
    c.since <= lv.version && (c.level === 'baseline' ? !c.overlap || lv.level === 'baseline' : lv.level === 'restricted');
  const order = (c: Check) => (c.level === 'baseline' && !c.overlap ? 0 : 1);
  const out: CheckResult[] = [];
  for (const c of [...CHECKS].filter(applies).sort((a, b) => order(a) - order(b))) {
    const r = c.check(meta, spec, lv.version);
    if (r) out.push(r);
  }
  return out;
}

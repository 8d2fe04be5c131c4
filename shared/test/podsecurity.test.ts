// The Pod Security Standards checks and policy, in table form: each case a pod and the exact violations
// (reason and detail as upstream words them) at baseline and restricted.
import { describe, expect, it } from 'vitest';
import {
  evaluatePod,
  levelVersionString,
  namespaceWarnings,
  podSecurityConfig,
  policyFor,
  UPSTREAM_POD_SECURITY,
  violatesMessage,
  wouldViolateMessage,
  type core,
  type LevelVersion,
} from '../src/index';

type Ctr = Partial<core.Container>;
const ctr = (name: string, extra: Ctr = {}): core.Container => ({ name, image: 'busybox', ...extra });
/** A pod that passes restricted; each case breaks it one way. */
const good = (): core.PodSpec => ({
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [ctr('c', { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } })],
});
const withCtr = (sc: core.SecurityContext, spec = good()): core.PodSpec => ({
  ...spec,
  containers: [{ ...spec.containers[0], securityContext: { ...spec.containers[0].securityContext, ...sc } }],
});
const baseline: LevelVersion = { level: 'baseline', version: Infinity };
const restricted: LevelVersion = { level: 'restricted', version: Infinity };
const check = (spec: core.PodSpec, lv = baseline, annotations?: Record<string, string>) =>
  evaluatePod(lv, { annotations }, spec).map((r) => `${r.reason} (${r.detail})`);

describe('Pod Security Standards: baseline', () => {
  it.each<[string, core.PodSpec, string[]]>([
    ['a restricted pod', good(), []],
    ['privileged', withCtr({ privileged: true }), ['privileged (container "c" must not set securityContext.privileged=true)']],
    [
      'two privileged containers',
      { ...withCtr({ privileged: true }), initContainers: [ctr('init', { securityContext: { privileged: true } })] },
      ['privileged (containers "init", "c" must not set securityContext.privileged=true)'],
    ],
    [
      'host namespaces',
      { ...good(), hostNetwork: true, hostPID: true, hostIPC: true },
      ['host namespaces (hostIPC, hostNetwork, hostPID)'],
    ],
    ['hostPath', { ...good(), volumes: [{ name: 'root', hostPath: { path: '/' } }] }, ['hostPath volumes (volume "root")']],
    [
      'added capabilities',
      withCtr({ capabilities: { add: ['NET_ADMIN', 'CHOWN', 'SYS_ADMIN'] } }),
      ['non-default capabilities (container "c" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)'],
    ],
    [
      'host ports',
      {
        ...good(),
        containers: [
          ctr('a', {
            ports: [
              { containerPort: 80, hostPort: 80 },
              { containerPort: 443, hostPort: 443 },
            ],
          }),
        ],
      },
      ['hostPort (container "a" uses hostPorts 443, 80)'],
    ],
    ['procMount', withCtr({ procMount: 'Unmasked' }), ['procMount (container "c" must not set securityContext.procMount to "Unmasked")']],
    [
      'seccomp Unconfined',
      { ...good(), securityContext: { seccompProfile: { type: 'Unconfined' } } },
      ['seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")'],
    ],
    [
      'unsafe sysctls',
      {
        ...good(),
        securityContext: {
          sysctls: [
            { name: 'kernel.msgmax', value: '1' },
            { name: 'net.ipv4.tcp_syncookies', value: '1' },
          ],
        },
      },
      ['forbidden sysctls (kernel.msgmax)'],
    ],
    [
      'SELinux user and type',
      withCtr({ seLinuxOptions: { type: 'spc_t', user: 'root' } }),
      ['seLinuxOptions (container "c" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)'],
    ],
    [
      'several at once, in upstream order',
      { ...withCtr({ privileged: true }), hostNetwork: true, volumes: [{ name: 'h', hostPath: { path: '/' } }] },
      [
        'host namespaces (hostNetwork)',
        'privileged (container "c" must not set securityContext.privileged=true)',
        'hostPath volumes (volume "h")',
      ],
    ],
  ])('%s', (_what, spec, want) => {
    expect(check(spec)).toEqual(want);
  });

  it('AppArmor: an unconfined annotation is forbidden, runtime/default and localhost/ profiles are not', () => {
    expect(check(good(), baseline, { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' })).toEqual([
      'forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/c="unconfined")',
    ]);
    expect(check(good(), baseline, { 'container.apparmor.security.beta.kubernetes.io/c': 'localhost/p' })).toEqual([]);
  });
});

describe('Pod Security Standards: restricted', () => {
  it.each<[string, core.PodSpec, string[]]>([
    ['a restricted pod', good(), []],
    [
      'a bare pod',
      { containers: [ctr('c')] },
      [
        'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)',
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"])',
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)',
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
      ],
    ],
    [
      'hostPath is a restricted volume type (and no baseline hostPath duplicate)',
      {
        ...good(),
        volumes: [
          { name: 'h', hostPath: { path: '/' } },
          { name: 'e', emptyDir: {} },
        ],
      },
      ['restricted volume types (volume "h" uses restricted volume type "hostPath")'],
    ],
    [
      'runAsUser 0',
      { ...good(), securityContext: { ...good().securityContext, runAsUser: 0 } },
      ['runAsUser=0 (pod must not set runAsUser=0)'],
    ],
    [
      'runAsNonRoot false on a container',
      withCtr({ runAsNonRoot: false }),
      ['runAsNonRoot != true (container "c" must not set securityContext.runAsNonRoot=false)'],
    ],
    [
      'adds beyond NET_BIND_SERVICE',
      withCtr({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'CHOWN'] } }),
      ['unrestricted capabilities (container "c" must not include "CHOWN" in securityContext.capabilities.add)'],
    ],
  ])('%s', (_what, spec, want) => {
    expect(check(spec, restricted)).toEqual(want);
  });

  it('older policy versions skip checks newer than them', () => {
    expect(
      check(
        { ...good(), securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, runAsUser: 0 } },
        { level: 'restricted', version: 22 },
      ),
    ).toEqual([]);
  });
});

describe('policy', () => {
  const defaults = { ...UPSTREAM_POD_SECURITY.defaults, enforce: 'baseline', warn: 'restricted' };
  it('labels over the defaults; bad labels count as restricted:latest and are reported', () => {
    const { policy, errors } = policyFor(
      { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.25' },
      defaults,
    );
    expect(levelVersionString(policy.enforce)).toBe('restricted:v1.25');
    expect(levelVersionString(policy.warn)).toBe('restricted:latest');
    expect(levelVersionString(policy.audit)).toBe('privileged:latest');
    expect(errors).toEqual([]);
    const bad = policyFor({ 'pod-security.kubernetes.io/warn': 'strict', 'pod-security.kubernetes.io/audit-version': '1.2' }, defaults);
    expect(levelVersionString(bad.policy.warn)).toBe('restricted:latest');
    expect(bad.errors.map((e) => e.field)).toEqual([
      'metadata.labels[pod-security.kubernetes.io/audit-version]',
      'metadata.labels[pod-security.kubernetes.io/warn]',
    ]);
  });

  it('messages', () => {
    const r = evaluatePod(baseline, {}, withCtr({ privileged: true }));
    expect(violatesMessage(baseline, r)).toBe(
      'violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
    );
    expect(
      wouldViolateMessage(
        restricted,
        evaluatePod(
          restricted,
          {},
          {
            containers: [ctr('c', { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } })],
            securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          },
        ),
      ),
    ).toBe(
      'would violate PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true)',
    );
  });

  it('namespace warnings group pods with the same violations', () => {
    const priv = (name: string) => ({ metadata: { name }, spec: withCtr({ privileged: true }) });
    expect(namespaceWarnings('ns', baseline, [priv('a'), priv('b'), priv('c'), { metadata: { name: 'ok' }, spec: good() }])).toEqual([
      'existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest"',
      'a (and 2 other pods): privileged',
    ]);
  });

  it('configuration: checked and merged over the defaults', () => {
    const { config, errors } = podSecurityConfig({
      apiVersion: 'pod-security.admission.config.k8s.io/v1',
      kind: 'PodSecurityConfiguration',
      defaults: { enforce: 'baseline', warn: 'restricted' },
      exemptions: { namespaces: ['kube-system'] },
    });
    expect(errors).toEqual([]);
    expect(config.defaults.enforce).toBe('baseline');
    expect(config.defaults['enforce-version']).toBe('latest');
    expect(config.exemptions.namespaces).toEqual(['kube-system']);
    expect(
      podSecurityConfig({
        apiVersion: 'pod-security.admission.config.k8s.io/v1',
        kind: 'PodSecurityConfiguration',
        defaults: { enforce: 'strict' },
      }).errors,
    ).toEqual(['defaults.enforce: "strict" must be one of privileged, baseline, restricted']);
  });
});

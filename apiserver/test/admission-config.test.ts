// --admission-control-config-file: the cluster's file loads; what is wrong in a file is named.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAdmissionConfig } from '../src/admission-config';

const dir = mkdtempSync(join(tmpdir(), 'minik8s-admission-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const head = 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\n';

describe('loadAdmissionConfig', () => {
  it("upstream's defaults without a file; the cluster's file: enforce baseline, warn restricted, kube-system exempt", () => {
    expect(loadAdmissionConfig(undefined).podSecurity.defaults.enforce).toBe('privileged');
    const c = loadAdmissionConfig(join(__dirname, '..', 'manifests', 'admission.yaml')).podSecurity;
    expect(c.defaults).toMatchObject({ enforce: 'baseline', warn: 'restricted', audit: 'restricted', 'enforce-version': 'latest' });
    expect(c.exemptions.namespaces).toEqual(['kube-system']);
  });

  it('a configuration in a file of its own (path, relative to the admission file)', () => {
    file(
      'psa.yaml',
      'apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults: { enforce: restricted }\n',
    );
    const p = file('with-path.yaml', `${head}plugins:\n  - name: PodSecurity\n    path: psa.yaml\n`);
    expect(loadAdmissionConfig(p).podSecurity.defaults.enforce).toBe('restricted');
  });

  it.each([
    ['missing.yaml', undefined, /cannot read .*missing\.yaml: ENOENT/],
    ['notyaml.yaml', 'a: [', /is not valid YAML/],
    ['wrongkind.yaml', 'apiVersion: v1\nkind: ConfigMap\n', /want kind AdmissionConfiguration/],
    ['otherplugin.yaml', `${head}plugins:\n  - name: EventRateLimit\n`, /"EventRateLimit" takes no configuration here/],
    [
      'badlevel.yaml',
      `${head}plugins:\n  - name: PodSecurity\n    configuration:\n      apiVersion: pod-security.admission.config.k8s.io/v1\n      kind: PodSecurityConfiguration\n      defaults: { enforce: strict, warn-version: "1.25" }\n`,
      /PodSecurity: defaults\.enforce: "strict" must be one of privileged, baseline, restricted; defaults\.warn-version: "1\.25" must be "latest" or "v1\.<minor>"/,
    ],
  ])('%s: refused, naming what is wrong', (name, text, want) => {
    const p = text === undefined ? join(dir, name) : file(name, text);
    expect(() => loadAdmissionConfig(p)).toThrow(want);
  });
});

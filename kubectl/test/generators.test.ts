// The create generators against the real kubectl: `kubectl create ... --dry-run=client -o json` (Go's field
// order) and `-o yaml` must equal what mkctl's generator builds. kubectl runs offline (-s to a closed port).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as gen from '../src/create/generators';
import { configMapHash, secretHash } from '../src/create/hash';
import { envFileEntries, fileEntries, parseLiteralSource } from '../src/create/sources';
import { goIndentJson, toYaml } from '../src/print/yaml';

const dir = mkdtempSync(join(tmpdir(), 'mkctl-gen-'));
const home = mkdtempSync(join(tmpdir(), 'mkctl-gen-home-'));
writeFileSync(join(dir, 'f.txt'), 'hello\n');
writeFileSync(join(dir, 'bin'), Buffer.from([0xff, 0xfe, 0x00, 0x01]));
writeFileSync(join(dir, 'env'), '# comment\nA=1\n  B=two words\n\nC=x=y\n');

function kubectl(args: string[], output: 'json' | 'yaml'): string {
  const dash = args.includes('--') ? args.indexOf('--') : args.length;
  return execFileSync('/usr/bin/kubectl', ['-s', 'http://127.0.0.1:1', ...args.slice(0, dash), '--dry-run=client', '-o', output, ...args.slice(dash)], { env: { ...process.env, HOME: home }, cwd: dir, encoding: 'utf8' });
}

const map: gen.ResourceMapper = () => undefined;
const pinned = () => 'abcde';

const CASES: [string[], () => object][] = [
  [['create', 'namespace', 'x'], () => gen.namespace('x')],
  [['create', 'serviceaccount', 'sa1'], () => gen.serviceAccount('sa1')],
  [['-n', 'other', 'create', 'sa', 'sa1'], () => gen.serviceAccount('sa1', 'other')],
  [['create', 'deployment', 'web', '--image=nginx'], () => gen.deployment('web', undefined, { images: ['nginx'], replicas: 1, port: -1, command: [] })],
  [['create', 'deployment', 'web', '--image=reg.io/a/nginx:1.25', '--replicas=3', '--port=80', '--', 'sleep', '10'], () => gen.deployment('web', undefined, { images: ['reg.io/a/nginx:1.25'], replicas: 3, port: 80, command: ['sleep', '10'] })],
  [['create', 'deployment', 'two', '--image=nginx', '--image=busybox@sha256:abc'], () => gen.deployment('two', undefined, { images: ['nginx', 'busybox@sha256:abc'], replicas: 1, port: -1, command: [] })],
  [['create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi'], () => gen.job('j', undefined, 'busybox', ['echo', 'hi'])],
  [['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'], () => gen.cronJob('cj', undefined, { image: 'busybox', schedule: '*/5 * * * *', command: ['date'] })],
  [['create', 'cronjob', 'cj', '--image=busybox', '--schedule=@hourly', '--restart=Never'], () => gen.cronJob('cj', undefined, { image: 'busybox', schedule: '@hourly', restart: 'Never', command: [] })],
  [['create', 'service', 'clusterip', 's', '--tcp=80:8080,443:https'], () => gen.service('s', undefined, { type: 'ClusterIP', tcp: ['80:8080', '443:https'] })],
  [['create', 'service', 'clusterip', 'h', '--clusterip=None'], () => gen.service('h', undefined, { type: 'ClusterIP', tcp: [], clusterIP: 'None' })],
  [['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30001'], () => gen.service('np', undefined, { type: 'NodePort', tcp: ['80:8080'], nodePort: 30001 })],
  [['create', 'service', 'loadbalancer', 'lb', '--tcp=5678:8080'], () => gen.service('lb', undefined, { type: 'LoadBalancer', tcp: ['5678:8080'] })],
  [['create', 'service', 'externalname', 'en', '--external-name=db.example.com'], () => gen.service('en', undefined, { type: 'ExternalName', tcp: [], externalName: 'db.example.com' })],
  [['create', 'configmap', 'c', '--from-literal=a=b', '--from-literal=x=1=2', '--from-file=f.txt', '--from-file=k2=f.txt', '--from-file=bin'], () =>
    gen.configMap('c', undefined, [...fileEntries([join(dir, 'f.txt'), `k2=${join(dir, 'f.txt')}`, join(dir, 'bin')]), parseLiteralSource('a=b'), parseLiteralSource('x=1=2')])],
  [['create', 'configmap', 'e', '--from-env-file=env', '--append-hash'], () => gen.configMap('e', undefined, envFileEntries([join(dir, 'env')], 'config'), true)],
  [['create', 'configmap', 'h', '--from-literal=a=<&>', '--append-hash'], () => gen.configMap('h', undefined, [parseLiteralSource('a=<&>')], true)],
  [['create', 'secret', 'generic', 's', '--from-literal=a=b', '--from-file=f.txt', '--type=foo', '--append-hash'], () => gen.secret('s', undefined, 'foo', [parseLiteralSource('a=b'), ...fileEntries([join(dir, 'f.txt')])], true)],
  [['create', 'secret', 'generic', 'empty'], () => gen.secret('empty', undefined, '', [])],
  [['create', 'secret', 'docker-registry', 'd', '--docker-server=r.io', '--docker-username=u', '--docker-password=p<&>', '--docker-email=e@x'], () =>
    gen.secret('d', undefined, 'kubernetes.io/dockerconfigjson', [{ key: '.dockerconfigjson', value: gen.dockerConfigJson('r.io', 'u', 'p<&>', 'e@x') }])],
  [['create', 'rolebinding', 'rb', '--role=r', '--user=u1', '--group=g1', '--serviceaccount=ns1:sa1'], () => gen.roleBinding('rb', undefined, { role: 'r', users: ['u1'], groups: ['g1'], serviceAccounts: ['ns1:sa1'] })],
  [['create', 'rolebinding', 'rb2', '--clusterrole=view'], () => gen.roleBinding('rb2', undefined, { clusterRole: 'view', users: [], groups: [], serviceAccounts: [] })],
  [['create', 'clusterrolebinding', 'crb', '--clusterrole=cr', '--user=u1,u2'], () => gen.clusterRoleBinding('crb', { clusterRole: 'cr', users: ['u1,u2'], groups: [], serviceAccounts: [] })],
  [['create', 'clusterrole', 'agg', '--aggregation-rule=a=b'], () => gen.clusterRole('agg', { verbs: [], refs: [], resourceNames: [], nonResourceURLs: [], aggregationRule: { a: 'b' } }, map, () => {})],
  [['create', 'clusterrole', 'logs', '--verb=get', '--non-resource-url=/logs/*'], () => gen.clusterRole('logs', { verbs: ['get'], refs: [], resourceNames: [], nonResourceURLs: ['/logs/*'], aggregationRule: {} }, map, () => {})],
  [['create', 'pdb', 'p', '--selector=app=a', '--min-available=1'], () => gen.podDisruptionBudget('p', undefined, { selector: 'app=a', minAvailable: '1' })],
  [['create', 'pdb', 'p2', '--selector=app in (a,b),!legacy', '--max-unavailable=50%'], () => gen.podDisruptionBudget('p2', undefined, { selector: 'app in (a,b),!legacy', maxUnavailable: '50%' })],
  [['create', 'quota', 'q', '--hard=cpu=1,memory=1G,pods=2', '--scopes=BestEffort,NotTerminating'], () => gen.resourceQuota('q', undefined, 'cpu=1,memory=1G,pods=2', 'BestEffort,NotTerminating')],
  [['create', 'priorityclass', 'pc', '--value=10'], () => gen.priorityClass('pc', { value: 10, globalDefault: false, description: '', preemptionPolicy: 'PreemptLowerPriority' })],
  [['create', 'priorityclass', 'pc2', '--value=5', '--global-default', '--description=d', '--preemption-policy=Never'], () => gen.priorityClass('pc2', { value: 5, globalDefault: true, description: 'd', preemptionPolicy: 'Never' })],
  [['create', 'ingress', 'i', '--rule=foo.com/bar=svc1:8080'], () => gen.ingress('i', undefined, { rules: ['foo.com/bar=svc1:8080'], annotations: [] })],
  [['create', 'ingress', 'i2', '--rule=foo.com/*=svc:http,tls=sec', '--rule=foo.com/x=svc2:80', '--rule=bar.com/=svc3:81,tls=sec', '--rule=/path=svc4:82,tls', '--class=nginx', '--annotation=a=b', '--default-backend=d:80'], () =>
    gen.ingress('i2', undefined, { rules: ['foo.com/*=svc:http,tls=sec', 'foo.com/x=svc2:80', 'bar.com/=svc3:81,tls=sec', '/path=svc4:82,tls'], className: 'nginx', annotations: ['a=b'], defaultBackend: 'd:80' })],
];

describe('create generators build what kubectl builds', () => {
  it.each(CASES.map(([args, build]) => [args.join(' '), args, build] as const))('%s', (_label, args, build) => {
    const obj = build();
    expect(goIndentJson(obj)).toBe(kubectl(args, 'json'));
    expect(toYaml(obj)).toBe(kubectl(args, 'yaml'));
  });

  it('deployment containers of images with _ or . get a random suffix, as kubectl', () => {
    const d = gen.deployment('w', undefined, { images: ['my_img.v2:1'], replicas: 1, port: -1, command: [], random: pinned });
    expect((d.spec.template.spec.containers as { name: string }[])[0].name).toBe('my-img-v2-abcde');
  });

  it('validation messages as kubectl words them', () => {
    expect(() => gen.deployment('w', undefined, { images: ['a', 'b'], replicas: 1, port: -1, command: ['x'] })).toThrow('cannot specify multiple --image options and command');
    expect(() => gen.service('s', undefined, { type: 'NodePort', tcp: [], clusterIP: 'None' })).toThrow('ClusterIP=None can only be used with ClusterIP service type');
    expect(() => gen.service('s', undefined, { type: 'ClusterIP', tcp: [] })).toThrow('at least one tcp port specifier must be provided');
    expect(() => gen.service('s', undefined, { type: 'ExternalName', tcp: [], externalName: 'Bad_Name' })).toThrow('invalid service external name Bad_Name');
    expect(() => gen.parsePortSpec('80:Bad')).toThrow(/alpha-numeric/);
    expect(() => gen.configMap('c', undefined, [parseLiteralSource('a=1'), parseLiteralSource('a=2')])).toThrow('cannot add key "a", another key by that name already exists in Data for ConfigMap "c"');
    expect(() => parseLiteralSource('=x')).toThrow('invalid literal source =x, expected key=value');
    expect(() => gen.roleBinding('r', undefined, { users: [], groups: [], serviceAccounts: [] })).toThrow('exactly one of clusterrole or role must be specified');
    expect(() => gen.roleBinding('r', undefined, { role: 'x', users: [], groups: [], serviceAccounts: ['nocolon'] })).toThrow('serviceaccount must be <namespace>:<name>');
    expect(() => gen.podDisruptionBudget('p', undefined, { selector: 'a=b', minAvailable: '1', maxUnavailable: '1' })).toThrow('min-available and max-unavailable cannot be both specified');
    expect(() => gen.podDisruptionBudget('p', undefined, { selector: 'a=b', minAvailable: 'x' })).toThrow('invalid format specified for min-available');
    expect(() => gen.ingress('i', undefined, { rules: ['nohost'], annotations: [] })).toThrow('rule nohost is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]');
    expect(() => gen.clusterRole('c', { verbs: ['post'], refs: [], resourceNames: [], nonResourceURLs: ['/x'], aggregationRule: {} }, map, () => {})).not.toThrow();
    expect(() => gen.clusterRole('c', { verbs: ['list'], refs: [], resourceNames: [], nonResourceURLs: ['/x'], aggregationRule: {} }, map, () => {})).toThrow("invalid verb: 'list' for nonResourceURL");
    expect(() => gen.tokenRequest({ durationSeconds: 0, audiences: [], boundName: 'x' })).toThrow('--bound-object-name can only be set if --bound-object-kind is provided');
  });

  it('role rules: one per group, resources mapped, special verbs checked', () => {
    const mapper: gen.ResourceMapper = (r) => ({ pods: { resource: 'pods', group: '' }, rs: { resource: 'replicasets', group: 'apps' }, deployments: { resource: 'deployments', group: 'apps' } })[r.resource];
    const refs = gen.parseResourceRefs(['pods', 'pods/status', 'rs.apps', 'deployments']);
    expect(gen.policyRules(['get', 'list'], refs, ['a'], [], mapper)).toEqual([
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/status'], resourceNames: ['a'] },
      { verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['replicasets', 'deployments'], resourceNames: ['a'] },
    ]);
    expect(() => gen.checkRoleRules(['bind'], gen.parseResourceRefs(['pods']), mapper, () => {})).toThrow("can not perform 'bind' on 'pods' in group ''");
    const warnings: string[] = [];
    gen.checkRoleRules(['frob'], gen.parseResourceRefs(['pods']), mapper, (l) => warnings.push(l));
    expect(warnings).toEqual(["Warning: 'frob' is not a standard resource verb"]);
    expect(gen.normalizeVerbs(['get', 'get', 'list'])).toEqual(['get', 'list']);
    expect(gen.normalizeVerbs(['get', '*'])).toEqual(['*']);
  });

  it('hashes as kubectl --append-hash (kustomize uses the same)', () => {
    expect(configMapHash('e', { A: '1' })).toMatch(/^[0-9a-z]{10}$/);
    expect(secretHash('s', 'Opaque', {})).not.toBe(secretHash('s', '', {}));
  });
});

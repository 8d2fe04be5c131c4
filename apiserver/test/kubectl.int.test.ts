// Acceptance: the REAL kubectl (/usr/bin/kubectl, v1.32) against etcd + the apiserver process.
// No controllers run here, so nothing waits on a rollout.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, realKubectl, type RealKubectl } from '../../testing/kubectl';
import { startApiserver, stopAll, waitFor, type Apiserver } from '../../testing/procs';

let api: Apiserver;
let k: RealKubectl;

const kubectl = (args: string[], extraEnv?: NodeJS.ProcessEnv) => k.run(args, extraEnv);
const ok = (...args: string[]) => k.ok(...args);
const file = (name: string, content: string) => k.file(name, content);

const deployment = (image: string, extraLabel = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web${extraLabel ? `\n    ${extraLabel}` : ''}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports:
        - containerPort: 80
        env:
        - name: A
          value: "1"
`;

const pod = (name: string, app: string, ns = 'default') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    app: ${app}
spec:
  containers:
  - name: c
    image: busybox:1.36
`;

beforeAll(async () => {
  api = await startApiserver();
  k = await realKubectl(api);
});

afterAll(async () => {
  await stopAll();
});

describe('real kubectl v1.32 against the apiserver', () => {
  it('version and api-resources', async () => {
    expect(await ok('version')).toMatch(/Server Version: v1\.32\./);
    const res = await ok('api-resources');
    expect(res).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(res).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(res).toMatch(/^nodes\s+no\s+v1\s+false\s+Node$/m);
    expect(res).toMatch(/^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler$/m);
  });

  it('apply: created → unchanged → configured, visible in -o yaml', async () => {
    const v1 = file('deploy-v1.yaml', deployment('nginx:1.24'));
    expect(await ok('apply', '-f', v1)).toMatch(/deployment\.apps\/web created/);
    expect(await ok('apply', '-f', v1)).toMatch(/deployment\.apps\/web unchanged/);
    const v2 = file('deploy-v2.yaml', deployment('nginx:1.25', 'tier: fe').replace('value: "1"', 'value: "2"'));
    expect(await ok('apply', '-f', v2)).toMatch(/deployment\.apps\/web configured/);
    const yaml = await ok('get', 'deployment', 'web', '-o', 'yaml');
    expect(yaml).toMatch(/image: nginx:1\.25/);
    expect(yaml).toMatch(/tier: fe/);
    expect(yaml).toMatch(/value: "2"/);
    expect(yaml).toMatch(/generation: 2/);
    expect(await ok('apply', '-f', v2)).toMatch(/deployment\.apps\/web unchanged/);
  });

  it('apply of the strategic-merge fixture pair (before → after)', async () => {
    const fixtures = join(__dirname, '..', '..', 'shared', 'test', 'fixtures', 'strategic-merge');
    expect(await ok('apply', '-f', join(fixtures, 'before.yaml'))).toMatch(/deployment\.apps\/smp created/);
    expect(await ok('apply', '-f', join(fixtures, 'after.yaml'))).toMatch(/deployment\.apps\/smp configured/);
    const d = JSON.parse(await ok('get', 'deploy', 'smp', '-o', 'json'));
    expect(d.metadata.labels).toEqual({ app: 'smp' });
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const containers = d.spec.template.spec.containers;
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({ name: 'a', args: ['y'], env: [{ name: 'B', value: '3' }], ports: [{ containerPort: 81 }] });
    expect(d.spec.template.spec.volumes).toHaveLength(1);
    expect(d.spec.template.spec.volumes[0]).toMatchObject({ name: 'v', configMap: { name: 'cm' } });
    expect(d.spec.template.spec.volumes[0].emptyDir).toBeUndefined();
    await ok('delete', 'deploy', 'smp');
  });

  it('get -o wide|json|name and the Table columns', async () => {
    const wide = await ok('get', 'deploy', '-o', 'wide');
    expect(wide.split('\n')[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/);
    expect(wide).toMatch(/^web\s+0\/2\s+0\s+0\s+\S+\s+nginx\s+nginx:1\.25\s+app=web$/m);
    const plain = await ok('get', 'deploy');
    expect(plain.split('\n')[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
    const obj = JSON.parse(await ok('get', 'deploy', 'web', '-o', 'json'));
    expect(obj).toMatchObject({ kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'web', namespace: 'default' } });
    expect((await ok('get', 'deploy', '-o', 'name')).trim()).toBe('deployment.apps/web');
  });

  it('pods: -A, -l set-based, --show-labels, --sort-by, -o wide', async () => {
    expect(await ok('create', 'namespace', 'other')).toMatch(/namespace\/other created/);
    await ok(
      'apply',
      '-f',
      file('pods.yaml', [pod('pod-c', 'c'), pod('pod-a', 'a'), pod('pod-b', 'b'), pod('pod-z', 'z', 'other')].join('---\n')),
    );
    const all = await ok('get', 'pods', '-A');
    expect(all.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(all).toMatch(/^other\s+pod-z\s+0\/1\s+Pending\s+0\s+/m);
    expect(all).toMatch(/^default\s+pod-a\s+0\/1\s+Pending\s+0\s+/m);
    const sel = await ok('get', 'pods', '-l', 'app in (a,b)', '-o', 'name');
    expect(sel.trim().split('\n').sort()).toEqual(['pod/pod-a', 'pod/pod-b']);
    const labels = await ok('get', 'pods', '--show-labels');
    expect(labels.split('\n')[0]).toMatch(/LABELS$/);
    expect(labels).toMatch(/^pod-a\s+.*app=a$/m);
    const sorted = await ok('get', 'pods', '--sort-by=.metadata.name', '--no-headers');
    expect(
      sorted
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['pod-a', 'pod-b', 'pod-c']);
    const wide = await ok('get', 'pod', 'pod-a', '-o', 'wide');
    expect(wide.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    expect(wide).toMatch(/^pod-a\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>\s+<none>\s+<none>$/m);
    const multi = await ok('get', 'po,deploy');
    expect(multi).toMatch(/^pod\/pod-a\s+/m);
    expect(multi).toMatch(/^deployment\.apps\/web\s+/m);
  });

  it('get -w sees a change', async () => {
    const watcher = spawn(KUBECTL, ['get', 'pods', '-w'], { env: { ...process.env, ...k.env } });
    let out = '';
    watcher.stdout.on('data', (d) => (out += String(d)));
    watcher.stderr.on('data', (d) => (out += String(d)));
    try {
      await waitFor('the initial list', () => /pod-c/.test(out), 30_000);
      await ok('label', 'pod', 'pod-b', 'watched=yes');
      await waitFor(`a second pod-b row in:\n${out}`, () => out.split('\n').filter((l) => l.startsWith('pod-b ')).length >= 2, 30_000);
      expect(out.split('\n').filter((l) => l.startsWith('NAME ')).length, out).toBe(1);
    } finally {
      watcher.kill();
    }
  });

  it('label, annotate, scale', async () => {
    expect(await ok('label', 'deploy', 'web', 'owner=me')).toMatch(/deployment\.apps\/web labeled/);
    expect(await ok('annotate', 'deploy', 'web', 'note=x')).toMatch(/deployment\.apps\/web annotated/);
    const r = await kubectl(['label', 'deploy', 'web', 'owner=you']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already has a value \(me\), and --overwrite is false/);
    expect(await ok('label', 'deploy', 'web', 'owner-')).toMatch(/unlabeled/);
    expect(await ok('scale', 'deploy', 'web', '--replicas=3')).toMatch(/deployment\.apps\/web scaled/);
    const meta = JSON.parse(await ok('get', 'deploy', 'web', '-o', 'json'));
    expect(meta.spec.replicas).toBe(3);
    expect(meta.metadata.labels).toEqual({ app: 'web', tier: 'fe' });
    expect(meta.metadata.annotations.note).toBe('x');
  });

  it('edit with KUBE_EDITOR', async () => {
    const editor = file('editor.sh', '#!/bin/sh\nsed -i "s/replicas: 3/replicas: 4/" "$1"\n');
    const r = await kubectl(['edit', 'deployment', 'web'], { KUBE_EDITOR: `sh ${editor}` });
    expect(r.stderr + r.stdout).toMatch(/deployment\.apps\/web edited/);
    expect(r.code).toBe(0);
    expect(await ok('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}')).toBe('4');
  });

  it('errors: AlreadyExists, NotFound, Conflict, Invalid', async () => {
    const exists = await kubectl(['create', '-f', join(k.dir, 'deploy-v1.yaml')]);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toMatch(/Error from server \(AlreadyExists\).*deployments\.apps "web" already exists/);

    const missing = await kubectl(['get', 'pod', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Error from server \(NotFound\): pods "nope" not found/);

    const live = JSON.parse(await ok('get', 'deploy', 'web', '-o', 'json'));
    await ok('annotate', 'deploy', 'web', 'bump=1');
    const stale = file('stale.json', JSON.stringify(live));
    const conflict = await kubectl(['replace', '-f', stale]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(
      /Error from server \(Conflict\).*Operation cannot be fulfilled on deployments\.apps "web": the object has been modified/,
    );

    const invalid = await kubectl([
      'create',
      '-f',
      file('invalid.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: invalid-one\nspec:\n  containers:\n  - name: c\n'),
    ]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/The Pod "invalid-one" is invalid: .*spec\.containers\[0\]\.image: Required value/);
  });

  it('explain from /openapi/v3 (the default), --recursive, --api-version, and from /openapi/v2 (protobuf)', async () => {
    const strategy = await ok('explain', 'deployment.spec.strategy');
    expect(strategy).toMatch(/^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n\nFIELD: strategy <DeploymentStrategy>/);
    expect(strategy).toMatch(/DeploymentStrategy describes how to replace existing pods with new ones\./);
    expect(strategy).toMatch(/^ {2}rollingUpdate\t<RollingUpdateDeployment>\n {4}Rolling update config params\./m);
    expect(strategy).toMatch(/^ {2}type\t<string>\n {4}Type of deployment\. Can be "Recreate" or "RollingUpdate"\./m);
    const recursive = await ok('explain', 'deployment.spec.strategy', '--recursive');
    expect(recursive).toMatch(
      /^ {2}rollingUpdate\t<RollingUpdateDeployment>\n {4}maxSurge\t<\w+>\n {4}maxUnavailable\t<\w+>\n {2}type\t<string>$/m,
    );
    const v1 = await ok('explain', 'hpa.spec', '--api-version=autoscaling/v1');
    expect(v1).toMatch(/^VERSION:\s+v1$/m);
    expect(v1).toMatch(/^ {2}targetCPUUtilizationPercentage\t<integer>$/m);
    expect(await ok('explain', 'hpa.spec')).not.toMatch(/targetCPUUtilizationPercentage/);
    const v2 = await ok('explain', 'deployment.spec.strategy', '--output=plaintext-openapiv2');
    expect(v2).toMatch(/^KIND:\s+Deployment\nVERSION:\s+apps\/v1\n\nRESOURCE: strategy <Object>/);
    expect(v2).toMatch(/^ {3}rollingUpdate\t<Object>$/m);
    const missing = await kubectl(['explain', 'deployment.spec.replcias']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/field "replcias" does not exist/);
  });

  it('unknown fields: rejected with the default validation (create and apply), warned with --validate=warn and dropped', async () => {
    const typo = file(
      'typo.yaml',
      deployment('nginx:1.25')
        .replace('name: web', 'name: typo')
        .replace('replicas: 2', 'replcias: 2')
        .replace('image: nginx:1.25', 'image: nginx:1.25\n        imagePullPolcy: Always'),
    );
    for (const args of [['apply'], ['create'], ['apply', '--validate=true']]) {
      const r = await kubectl([...args, '-f', typo]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain(
        'Error from server (BadRequest): error when creating "' +
          typo +
          '": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replcias", unknown field "spec.template.spec.containers[0].imagePullPolcy"',
      );
    }
    expect((await kubectl(['get', 'deploy', 'typo'])).stderr).toMatch(/NotFound/);

    const warned = await kubectl(['apply', '--validate=warn', '-f', typo]);
    expect(warned.code).toBe(0);
    // (then Pod Security's restricted warning about the pod template)
    expect(warned.stderr).toMatch(
      /^Warning: unknown field "spec\.replcias"\nWarning: unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolcy"\nWarning: would violate PodSecurity "restricted:latest": [^\n]+\n$/,
    );
    expect(warned.stdout).toMatch(/deployment\.apps\/typo created/);
    const stored = JSON.parse(await ok('get', 'deploy', 'typo', '-o', 'json'));
    expect(stored.spec.replicas).toBe(1);
    expect(stored.spec.replcias).toBeUndefined();
    expect(stored.spec.template.spec.containers[0].imagePullPolcy).toBeUndefined();

    // an unknown field in an apply that patches: 422 on the patch, as upstream
    const patched = await kubectl([
      'apply',
      '-f',
      file('typo2.yaml', deployment('nginx:1.25').replace('name: web', 'name: typo').replace('replicas: 2', 'replicas: 2\n  pasued: true')),
    ]);
    expect(patched.code).toBe(1);
    // the patch is printed as Go prints the map (cut after 256 characters, as every long bad value here)
    expect(patched.stderr).toMatch(
      /^The request is invalid: patch: Invalid value: "map\[metadata:map\[annotations:map\[kubectl\.kubernetes\.io\/last-applied-configuration:.*\.\.\.: strict decoding error: unknown field "spec\.pasued"$/m,
    );
    await ok('delete', 'deploy', 'typo');
  });

  it('kubectl create namespace|deployment|configmap|secret (protobuf bodies)', async () => {
    expect(await ok('create', 'namespace', 'team')).toMatch(/namespace\/team created/);
    expect(
      await ok('create', 'deployment', 'api', '--image=busybox:1.36', '--replicas=2', '--port=8080', '-n', 'team', '--', 'sleep', '3600'),
    ).toMatch(/deployment\.apps\/api created/);
    expect(await ok('create', 'configmap', 'cfg', '--from-literal=a=b', '-n', 'team')).toMatch(/configmap\/cfg created/);
    expect(await ok('create', 'secret', 'generic', 'sec', '--from-literal=k=v', '-n', 'team')).toMatch(/secret\/sec created/);
    const d = JSON.parse(await ok('get', 'deploy', 'api', '-n', 'team', '-o', 'json'));
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'api' } });
    expect(d.spec.template.spec.containers[0]).toMatchObject({
      name: 'busybox',
      image: 'busybox:1.36',
      command: ['sleep', '3600'],
      ports: [{ containerPort: 8080, protocol: 'TCP' }],
    });
    expect(d.spec.strategy.type).toBe('RollingUpdate');
    const cm = JSON.parse(await ok('get', 'cm', 'cfg', '-n', 'team', '-o', 'json'));
    expect(cm.data).toEqual({ a: 'b' });
    const s = JSON.parse(await ok('get', 'secret', 'sec', '-n', 'team', '-o', 'json'));
    expect(s.type).toBe('Opaque');
    expect(Buffer.from(s.data.k, 'base64').toString()).toBe('v');
    const table = await ok('get', 'cm,secret', '-n', 'team');
    expect(table).toMatch(/^configmap\/cfg\s+1\s+/m);
    expect(table).toMatch(/^secret\/sec\s+Opaque\s+1\s+/m);
    expect(await ok('create', 'service', 'clusterip', 'api', '--tcp=80:8080', '-n', 'team')).toMatch(/service\/api created/);
    expect(await ok('create', 'serviceaccount', 'robot', '-n', 'team')).toMatch(/serviceaccount\/robot created/);
    expect(await ok('create', 'job', 'once', '--image=busybox:1.36', '-n', 'team', '--', 'echo', 'hi')).toMatch(/job\.batch\/once created/);
    const svc = await ok('get', 'svc', 'api', '-n', 'team', '-o', 'wide');
    expect(svc).toMatch(/^api\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP\s+\S+\s+app=api$/m);
    const job = JSON.parse(await ok('get', 'job', 'once', '-n', 'team', '-o', 'json'));
    expect(job.spec.template.spec).toMatchObject({ restartPolicy: 'Never', containers: [{ name: 'once', command: ['echo', 'hi'] }] });
    const all = await ok('get', 'all', '-n', 'team');
    expect(all).toMatch(/^deployment\.apps\/api\s+0\/2\s+0\s+0\s+/m);
    expect(all).toMatch(/^job\.batch\/once\s+Running\s+0\/1\s+/m);
    const dup = await kubectl(['create', 'namespace', 'team']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/AlreadyExists/);
  });

  it('autoscale posts an autoscaling/v1 HorizontalPodAutoscaler (protobuf); get hpa shows it from the stored v2', async () => {
    await ok('create', 'deployment', 'scaled', '--image=busybox:1.36', '-n', 'team', '--', 'sleep', '3600');
    expect(await ok('autoscale', 'deployment', 'scaled', '--min=1', '--max=3', '--cpu-percent=50', '-n', 'team')).toMatch(
      /horizontalpodautoscaler\.autoscaling\/scaled autoscaled/,
    );
    const table = await ok('get', 'hpa', '-n', 'team');
    expect(table.split('\n')[0]).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE$/);
    expect(table).toMatch(/^scaled\s+Deployment\/scaled\s+cpu: <unknown>\/50%\s+1\s+3\s+0\s+/m);
    const v2 = JSON.parse(await ok('get', 'hpa', 'scaled', '-n', 'team', '-o', 'json'));
    expect(v2.apiVersion).toBe('autoscaling/v2');
    expect(v2.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    ]);
    const v1 = JSON.parse(await ok('get', 'horizontalpodautoscalers.v1.autoscaling', 'scaled', '-n', 'team', '-o', 'json'));
    expect(v1).toMatchObject({
      apiVersion: 'autoscaling/v1',
      spec: { minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50, scaleTargetRef: { kind: 'Deployment', name: 'scaled' } },
    });
  });

  it('create ingress (protobuf) takes the default IngressClass; get ingress,ingressclass columns', async () => {
    const cls = file(
      'class.yaml',
      'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: nginx\n  annotations:\n    ingressclass.kubernetes.io/is-default-class: "true"\nspec:\n  controller: minik8s.io/ingress-nginx\n',
    );
    expect(await ok('apply', '-f', cls)).toMatch(/ingressclass\.networking\.k8s\.io\/nginx created/);
    expect(
      await ok('create', 'ingress', 'shop', '--rule=shop.test/api*=api:http,tls=shop-tls', '--rule=www.shop.test/=web:80', '-n', 'team'),
    ).toMatch(/ingress\.networking\.k8s\.io\/shop created/);
    const ing = JSON.parse(await ok('get', 'ing', 'shop', '-n', 'team', '-o', 'json'));
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.rules[0]).toEqual({
      host: 'shop.test',
      http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } }] },
    });
    expect(ing.spec.rules[1].http.paths[0]).toMatchObject({ path: '/', pathType: 'Exact' });
    const table = await ok('get', 'ingress', '-n', 'team');
    expect(table.split('\n')[0]).toMatch(/^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE$/);
    expect(table).toMatch(/^shop\s+nginx\s+shop\.test,www\.shop\.test\s+80, 443\s+\S+$/m);
    expect((await ok('get', 'ingressclass')).split('\n')[0]).toMatch(/^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE$/);
    const bad = await kubectl(['create', 'ingress', 'bad', '--rule=shop.test/x=9svc:80', '-n', 'team']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/spec\.rules\[0\]\.http\.paths\[0\]\.backend\.service\.name: Invalid value: "9svc"/);
  });

  it('delete', async () => {
    expect(await ok('delete', 'deployment', 'web')).toMatch(/deployment\.apps "web" deleted/);
    const gone = await kubectl(['get', 'deployment', 'web']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/NotFound/);
    expect(await ok('delete', 'pod', '-l', 'app in (a,b)')).toMatch(/pod "pod-a" deleted/);
    expect((await ok('get', 'pods', '-o', 'name')).trim()).toBe('pod/pod-c');
  });
});

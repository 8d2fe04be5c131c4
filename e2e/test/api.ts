// Issue 14's acceptance where users meet it: the compose cluster driven with the real kubectl —
// `kubectl explain` on a built-in and on a custom resource, a typo'd field refused client-side,
// server-side apply (create, a conflict between two managers, --force-conflicts) — and the example
// operator (examples/sample-controller) run on the host against the cluster's kubeconfig, turning a Foo into
// a Deployment whose Pod runs on a node, its status written back, the Deployment collected with the Foo.
// Registered by cluster.int.test.ts so that it runs on that file's cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './compose';
import { waitFor } from '../../testing/procs';
import { namespacedKubectl, type SuiteEnv } from './services';

const MANIFESTS = join(REPO, 'examples', 'sample-controller', 'manifests');

export function apiSuite(env: () => SuiteEnv): void {
  describe("the API users' tools expect, on the compose cluster (issue 14)", () => {
    const ns = `e2e-api-${Date.now().toString(36)}`;
    let controller: ChildProcess | undefined;
    let controllerLog = '';
    const kubectl = namespacedKubectl(env, ns);
    const k = (args: string[], input?: string) => {
      const r = kubectl(args, input);
      expect(r.code, `kubectl ${args.join(' ')}: ${r.out}`).toBe(0);
      return r.stdout;
    };
    const json = (args: string[]) => JSON.parse(k([...args, '-o', 'json']));
    const configMap = (data: Record<string, string>) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owned\ndata:\n${Object.entries(data)
        .map(([key, v]) => `  ${key}: "${v}"\n`)
        .join('')}`;

    afterAll(async () => {
      if (controller && controller.exitCode === null) {
        const exited = new Promise((r) => controller!.once('exit', r));
        controller.kill('SIGTERM');
        await exited;
      }
      kubectl(['delete', 'namespace', ns, '--wait=false']);
      kubectl(['delete', '-f', join(MANIFESTS, 'crd.yaml'), '--wait=false']);
    });

    it("explains a built-in and a custom resource; refuses a typo'd field client-side", async () => {
      k(['create', 'namespace', ns]);
      expect(k(['explain', 'deployment.spec.strategy'])).toMatch(/GROUP:\s+apps[\s\S]*FIELD: strategy <DeploymentStrategy>/);
      k(['apply', '-f', join(MANIFESTS, 'crd.yaml')]);
      k(['wait', '--for=condition=Established', 'crd/foos.samplecontroller.k8s.io', '--timeout=60s']);
      await waitFor('foo in discovery', async () => kubectl(['explain', 'foo.spec']).code === 0 || undefined, 30_000);
      expect(k(['explain', 'foo.spec'])).toMatch(/deploymentName\s+<string>/);
      const typo = kubectl(['apply', '-f', '-'], configMap({ a: '1' }).replace('\ndata:', '\ndatta:'));
      expect(typo.code).toBe(1);
      expect(typo.stderr).toContain('unknown field "datta"');
    });

    it('applies server-side: creates, a second manager conflicts, --force-conflicts wins', () => {
      expect(k(['apply', '--server-side', '-f', '-'], configMap({ a: '1', b: '2' }))).toContain('configmap/owned serverside-applied');
      const conflict = kubectl(['apply', '--server-side', '--field-manager', 'other', '-f', '-'], configMap({ a: 'theirs' }));
      expect(conflict.code).toBe(1);
      expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .data.a');
      k(['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', '-'], configMap({ a: 'theirs' }));
      const cm = json(['get', 'configmap', 'owned', '--show-managed-fields']);
      expect(cm.data).toEqual({ a: 'theirs', b: '2' });
      expect(cm.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`).sort()).toEqual([
        'kubectl/Apply',
        'other/Apply',
      ]);
    });

    it('runs the example operator on the host: a Foo becomes a running Deployment, its status comes back, GC follows the Foo', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'minik8s-e2e-sample-'));
      controllerLog = join(dir, 'sample-controller.log');
      const out = createWriteStream(controllerLog);
      controller = spawn(
        process.execPath,
        [
          join(REPO, 'examples', 'sample-controller', 'dist', 'main.js'),
          '--kubeconfig',
          env().cluster.kubeconfig,
          '--image',
          'busybox:latest',
          '--command',
          'sleep',
          '--command',
          '3600',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      controller.stdout!.pipe(out);
      controller.stderr!.pipe(out);
      k(['apply', '-f', join(MANIFESTS, 'example-foo.yaml')]);
      const log = () => readFileSync(controllerLog, 'utf8').slice(-4000);
      await waitFor(
        'the Foo reports 1 available replica',
        async () => kubectl(['get', 'foo', 'example-foo', '-o', 'jsonpath={.status.availableReplicas}']).stdout === '1' || undefined,
        180_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${log()}`, { cause: e });
      });
      const foo = json(['get', 'foo', 'example-foo']);
      const d = json(['get', 'deployment', 'example-foo']);
      expect(d.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Foo', uid: foo.metadata.uid, controller: true })]);
      expect(k(['get', 'foos']).split('\n')[1]).toMatch(/^example-foo\s+example-foo\s+1\s+1\s+/);
      expect(k(['get', 'events', '--field-selector', 'involvedObject.kind=Foo,reason=Synced'])).toContain('Foo synced successfully');
      k(['delete', 'foo', 'example-foo']);
      await waitFor(
        'the Deployment garbage-collected',
        async () => kubectl(['get', 'deployment', 'example-foo']).code !== 0 || undefined,
        90_000,
      );
    });
  });
}

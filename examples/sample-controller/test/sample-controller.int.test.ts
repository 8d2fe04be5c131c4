// End to end: the sample-controller as its own process against the harness's real cluster (etcd,
// apiserver, controller-manager, scheduler and one kubelet on Docker), driven with the real kubectl: the
// Foo CRD applied, a Foo creating its owned Deployment whose Pod runs, the Foo's status written through
// /status, Events Synced and ErrResourceExists, scaling through the Foo, and the Deployment collected by
// the garbage collector when its Foo is deleted.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostCluster, type HostCluster } from '../../../testing/cluster';
import { ensureImage } from '../../../testing/images';
import { realKubectl, type RealKubectl } from '../../../testing/kubectl';
import { REPO, startProcess, stopAll, waitFor, type Proc } from '../../../testing/procs';

const MANIFESTS = join(REPO, 'examples', 'sample-controller', 'manifests');
let cluster: HostCluster;
let k: RealKubectl;
let controller: Proc;

const json = async (...args: string[]) => JSON.parse(await k.ok(...args, '-o', 'json'));
const foo = (name: string, deployment: string, replicas: number) =>
  `apiVersion: samplecontroller.k8s.io/v1alpha1\nkind: Foo\nmetadata:\n  name: ${name}\nspec:\n  deploymentName: ${deployment}\n  replicas: ${replicas}\n`;

async function events(name: string): Promise<{ type: string; reason: string; message: string; source?: { component?: string } }[]> {
  return (await json('get', 'events', '--field-selector', `involvedObject.name=${name},involvedObject.kind=Foo`)).items;
}

beforeAll(async () => {
  const image = await ensureImage('busybox');
  cluster = await startHostCluster({ nodes: 1, prefix: 'sample' });
  k = await realKubectl(cluster.api);
  await k.ok('apply', '-f', join(MANIFESTS, 'crd.yaml'));
  await k.ok('wait', '--for=condition=Established', 'crd/foos.samplecontroller.k8s.io', '--timeout=30s');
  controller = startProcess(
    'sample-controller',
    process.execPath,
    [join(REPO, 'examples', 'sample-controller', 'dist', 'main.js'), '--image', image, '--command', 'sleep', '--command', '3600'],
    { KUBECONFIG: cluster.kubeEnv().KUBECONFIG },
  );
}, 240_000);

afterAll(async () => {
  await controller?.kill();
  await cluster?.cleanup();
  await stopAll();
});

describe('sample-controller', () => {
  it('creates the Deployment a Foo names, owned by it; its Pod runs and the Foo status says so; Synced recorded', async () => {
    await k.ok('apply', '-f', join(MANIFESTS, 'example-foo.yaml'));
    const d = await waitFor(
      'the Deployment',
      async () => (await k.run(['get', 'deploy', 'example-foo', '-o', 'json'])).code === 0 || undefined,
      30_000,
    ).then(() => json('get', 'deploy', 'example-foo'));
    const f = await json('get', 'foo', 'example-foo');
    expect(d.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'samplecontroller.k8s.io/v1alpha1',
        kind: 'Foo',
        name: 'example-foo',
        uid: f.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(d.spec.replicas).toBe(1);
    await waitFor(
      `availableReplicas 1 (controller log ${controller.logFile})`,
      async () => (await json('get', 'foo', 'example-foo')).status?.availableReplicas === 1 || undefined,
      90_000,
    );
    // The status was written by the controller through /status, under its own manager.
    const managers = (await json('get', 'foo', 'example-foo', '--show-managed-fields')).metadata.managedFields as {
      manager: string;
      subresource?: string;
    }[];
    expect(managers).toContainEqual(expect.objectContaining({ manager: 'sample-controller', subresource: 'status' }));
    const synced = await waitFor('a Synced event', async () => (await events('example-foo')).find((e) => e.reason === 'Synced'), 20_000);
    expect(synced).toMatchObject({ type: 'Normal', message: 'Foo synced successfully', source: { component: 'sample-controller' } });
    expect((await k.ok('get', 'foos')).split('\n')[1]).toMatch(/^example-foo\s+example-foo\s+1\s+1\s+\d+s$/);
  });

  it('scales the Deployment when the Foo asks for more replicas, and reports them available', async () => {
    await k.ok('patch', 'foo', 'example-foo', '--type=merge', '-p', '{"spec":{"replicas":2}}');
    await waitFor(
      'Deployment replicas 2',
      async () => (await json('get', 'deploy', 'example-foo')).spec.replicas === 2 || undefined,
      30_000,
    );
    await waitFor(
      'availableReplicas 2',
      async () => (await json('get', 'foo', 'example-foo')).status?.availableReplicas === 2 || undefined,
      90_000,
    );
  });

  it('refuses to take over a Deployment it does not own: ErrResourceExists', async () => {
    await k.ok('create', 'deployment', 'hand-made', `--image=${await ensureImage('busybox')}`, '--replicas=0');
    await k.ok('apply', '-f', k.file('squatter.yaml', foo('squatter', 'hand-made', 1)));
    const warning = await waitFor(
      'an ErrResourceExists event',
      async () => (await events('squatter')).find((e) => e.reason === 'ErrResourceExists'),
      30_000,
    );
    expect(warning).toMatchObject({ type: 'Warning', message: 'Resource "hand-made" already exists and is not managed by Foo' });
    expect((await json('get', 'deploy', 'hand-made')).metadata.ownerReferences).toBeUndefined();
  });

  it('leaves the Deployment to the garbage collector when the Foo is deleted', async () => {
    await k.ok('delete', 'foo', 'example-foo');
    await waitFor('the Deployment collected', async () => (await k.run(['get', 'deploy', 'example-foo'])).code !== 0 || undefined, 60_000);
    expect(controller.child.exitCode).toBeNull();
  });
});

// The sample-controller's shell, in client-go's shape: shared informers for Foos and Deployments → a
// rate-limited work queue of Foo keys → a level-triggered sync(key) that creates or scales the Foo's
// Deployment and writes the Foo's status through /status, recording Events as upstream.
import {
  ApiError,
  EventRecorder,
  InformerFactory,
  R,
  WorkQueue,
  isNotFound,
  objectKey,
  runWorkers,
  splitKey,
  type ApiClient,
  type Logger,
} from '@minik8s/shared';
import {
  ERR_RESOURCE_EXISTS,
  FOOS,
  MESSAGE_RESOURCE_SYNCED,
  SUCCESS_SYNCED,
  fooKeyOf,
  isControlledBy,
  messageResourceExists,
  newDeployment,
  replicasToSet,
  statusToWrite,
  type Deployment,
  type Foo,
  type PodTemplate,
} from './decide';

export class FooController {
  private readonly informers: InformerFactory;
  private readonly foos;
  private readonly deployments;
  private readonly queue = new WorkQueue<string>({ name: 'Foos' });
  private readonly recorder: EventRecorder;

  constructor(
    private readonly client: ApiClient,
    private readonly pod: PodTemplate,
    private readonly log: Logger,
  ) {
    this.informers = new InformerFactory(client, log);
    this.foos = this.informers.informer<Foo>(FOOS);
    this.deployments = this.informers.informer<Deployment>(R.deployments);
    this.recorder = new EventRecorder(client, { component: 'sample-controller', logger: log });
    this.foos.addEventHandler({
      onAdd: (f) => this.queue.add(objectKey(f)),
      onUpdate: (_, f) => this.queue.add(objectKey(f)),
    });
    // A change to a Deployment a Foo owns re-syncs that Foo; periodic resyncs (same resourceVersion) do not.
    const owner = (d: Deployment) => {
      const key = fooKeyOf(d);
      if (key && this.foos.store.get(key)) this.queue.add(key);
    };
    this.deployments.addEventHandler({
      onAdd: owner,
      onUpdate: (old, cur) => {
        if (old.metadata.resourceVersion !== cur.metadata.resourceVersion) owner(cur);
      },
      onDelete: owner,
    });
  }

  /** Sync the caches, then run `workers` workers until stop(). */
  async run(workers: number): Promise<void> {
    this.log.info({}, 'Starting Foo controller; waiting for informer caches to sync');
    await this.informers.start();
    this.log.info({ workers }, 'Started workers');
    await runWorkers(this.queue, workers, (key) => this.sync(key), this.log);
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await this.informers.stop();
  }

  /** Bring the Foo's Deployment and status to what the Foo says (upstream's syncHandler). */
  async sync(key: string): Promise<void> {
    const foo = this.foos.store.get(key);
    if (!foo) {
      this.log.info({ key }, 'Foo in work queue no longer exists');
      return;
    }
    const { namespace } = splitKey(key);
    const name = foo.spec?.deploymentName;
    if (!name) {
      // Not retried: only a change to the Foo can fix it.
      this.log.error({ key }, `${key}: deployment name must be specified`);
      return;
    }
    const deployments = this.client.resource<Deployment>(R.deployments);
    let d = this.deployments.store.getByName(namespace, name);
    if (!d) {
      try {
        d = await deployments.create(newDeployment(foo, this.pod), { namespace });
      } catch (e) {
        // Created by an earlier sync the cache has not seen yet: read it.
        if (!(e instanceof ApiError && e.code === 409)) throw e;
        d = await deployments.get(name, namespace);
      }
    }
    if (!isControlledBy(d, foo)) {
      const msg = messageResourceExists(d.metadata.name!);
      void this.recorder.event(foo, 'Warning', ERR_RESOURCE_EXISTS, msg);
      throw new Error(msg);
    }
    const replicas = replicasToSet(foo, d);
    if (replicas !== undefined) {
      this.log.info({ key, deployment: name, replicas }, 'Scaling the Deployment to the Foo replicas');
      d = await deployments.patch(name, { spec: { replicas } }, 'merge', { namespace });
    }
    const status = statusToWrite(foo, d);
    if (status) {
      try {
        await this.client.resource<Foo>(FOOS).updateStatus({ ...foo, status });
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
    }
    void this.recorder.event(foo, 'Normal', SUCCESS_SYNCED, MESSAGE_RESOURCE_SYNCED);
  }
}

// What every controller shares: one InformerFactory, a WorkQueue of keys, and a level-triggered
// reconcile(key) run by N workers. Controllers register their informers and handlers in the
// constructor; the manager starts the factory once, then calls run() on each.
import { objectKey, runWorkers, WorkQueue, type ApiClient, type InformerFactory, type KubeObject, type Logger } from '@minik8s/shared';
import type { Options } from './options';

/** Where controllers record Events (the shared EventRecorder satisfies it). */
export interface Recorder {
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface ControllerContext {
  client: ApiClient;
  factory: InformerFactory;
  recorder: Recorder;
  log: Logger;
  options: Options;
  /** The cluster's root CA (PEM): --root-ca-file, else the CA of the kubeconfig; none over plain HTTP. */
  rootCa?: string;
}

export abstract class Controller {
  readonly queue: WorkQueue<string>;
  protected readonly log: Logger;
  private stopped = false;

  constructor(
    readonly name: string,
    protected readonly ctx: ControllerContext,
    private readonly workers = 1,
  ) {
    this.queue = new WorkQueue<string>({ name, baseDelayMs: 5, maxDelayMs: 60_000 });
    this.log = ctx.log.child({ controller: name });
  }

  /** Bring the world for `key` to its desired state; throwing requeues with backoff. */
  protected abstract reconcile(key: string): Promise<void>;

  /** Called once informers have synced, before workers start (e.g. to rebuild allocator state). */
  protected async beforeRun(): Promise<void> {}

  enqueue(obj: KubeObject | string): void {
    if (!this.stopped) this.queue.add(typeof obj === 'string' ? obj : objectKey(obj));
  }

  enqueueAfter(key: string, ms: number): void {
    if (!this.stopped) this.queue.addAfter(key, ms);
  }

  async run(): Promise<void> {
    await this.beforeRun();
    await runWorkers(this.queue, this.workers, (k) => this.reconcile(k), this.log);
  }

  stop(): void {
    this.stopped = true;
    this.queue.shutDown();
  }
}

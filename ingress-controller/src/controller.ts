// The controller loop, client-go's shape: shared informers (Ingresses, IngressClasses, Services,
// EndpointSlices, Secrets) → a rate-limited work queue → reconcile(key). The key "sync" rebuilds the
// model and the nginx configuration from the informers' caches and installs it when it changed (tested
// first; a refused one is retried with backoff and never installed); "status/<ns>/<name>" writes an
// Ingress's status.loadBalancer. Events tell users what of their Ingress is not served as asked.
import { isIP } from 'node:net';
import {
  EventRecorder,
  InformerFactory,
  R,
  WorkQueue,
  newCounter,
  newGauge,
  newHistogram,
  objectKey,
  splitKey,
  type ApiClient,
  type Informer,
  type KubeObject,
  type Registry,
} from '@minik8s/shared';
import { buildModel, type EndpointSlice, type Ingress, type IngressClass, type KeyPair, type Model, type Secret, type Service } from './model';
import { renderConfig, type RenderOptions } from './nginx-conf';
import { ConfigTestError, type Nginx } from './nginx';
import { tlsKeyPair } from './tls';

export const SYNC = 'sync';
const STATUS = 'status/';

interface Log {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
  debug(o: object, m?: string): void;
}

export interface ControllerOptions {
  client: ApiClient;
  log: Log;
  registry: Registry;
  nginx: Nginx;
  render: RenderOptions;
  controllerClass: string;
  watchWithoutClass: boolean;
  /** What status.loadBalancer.ingress lists. */
  addresses: string[];
}

export class IngressController {
  readonly factory: InformerFactory;
  readonly queue: WorkQueue<string>;
  private readonly ingresses: Informer<Ingress>;
  private readonly classes: Informer<IngressClass>;
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly secrets: Informer<Secret>;
  private readonly recorder: EventRecorder;
  /** Checked key pairs by Secret uid and resourceVersion (X.509 parsing costs milliseconds). */
  private readonly pairs = new Map<string, { rv: string; pair: KeyPair }>();
  /** Per Ingress, the problems already told as Events, and the generation last told as synced. */
  private readonly told = new Map<string, Set<string>>();
  private readonly synced = new Map<string, string>();
  private model?: Model;
  private readonly m;

  constructor(private readonly o: ControllerOptions) {
    this.factory = new InformerFactory(o.client, o.log);
    this.ingresses = this.factory.informer<Ingress>(R.ingresses);
    this.classes = this.factory.informer<IngressClass>(R.ingressclasses);
    this.services = this.factory.informer<Service>(R.services);
    this.slices = this.factory.informer<EndpointSlice>(R.endpointslices);
    this.secrets = this.factory.informer<Secret>(R.secrets);
    this.queue = new WorkQueue<string>({ name: 'ingress', registry: o.registry });
    this.recorder = new EventRecorder(o.client, { component: 'ingress-nginx-controller', logger: o.log });
    const sync = () => this.queue.add(SYNC);
    for (const inf of [this.classes, this.services, this.slices, this.secrets] as Informer<KubeObject>[]) inf.addEventHandler({ onAdd: sync, onUpdate: sync, onDelete: sync });
    const ing = (i: Ingress) => {
      this.queue.add(SYNC);
      this.queue.add(STATUS + objectKey(i));
    };
    this.ingresses.addEventHandler({ onAdd: ing, onUpdate: (_, i) => ing(i), onDelete: sync });
    const r = o.registry;
    this.m = {
      reloads: newCounter(r, 'nginx_ingress_controller_success', 'Cumulative number of Ingress controller reload operations'),
      errors: newCounter(r, 'nginx_ingress_controller_errors', 'Cumulative number of Ingress controller errors during reload operations'),
      lastOk: newGauge(r, 'nginx_ingress_controller_config_last_reload_successful', 'Whether the last configuration reload attempt was successful'),
      lastOkAt: newGauge(r, 'nginx_ingress_controller_config_last_reload_successful_timestamp_seconds', 'Timestamp of the last successful configuration reload'),
      reloadSeconds: newHistogram(r, 'nginx_ingress_controller_reload_duration_seconds', 'Time from a configuration change to nginx serving it (test + reload)', [], [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
      servers: newGauge(r, 'nginx_ingress_controller_servers', 'Virtual servers (hosts) in the configuration'),
      upstreams: newGauge(r, 'nginx_ingress_controller_upstreams', 'Upstreams (Service ports with ready endpoints) in the configuration'),
    };
  }

  /** Serving a configuration from the API's current objects. */
  ready(): boolean {
    return this.factory.hasSynced() && this.o.nginx.current !== undefined;
  }

  async reconcile(key: string): Promise<void> {
    if (key === SYNC) return this.sync();
    if (key.startsWith(STATUS)) return this.status(key.slice(STATUS.length));
  }

  private keyPair = (s: Secret): KeyPair => {
    const uid = s.metadata.uid ?? objectKey(s);
    const rv = s.metadata.resourceVersion ?? '';
    const hit = this.pairs.get(uid);
    if (hit?.rv === rv) return hit.pair;
    const pair = tlsKeyPair(s);
    this.pairs.set(uid, { rv, pair });
    return pair;
  };

  private async sync(): Promise<void> {
    const t0 = performance.now();
    const model = buildModel({
      ingresses: this.ingresses.store.list(),
      classes: this.classes.store.list(),
      services: this.services.store.list(),
      slices: this.slices.store.list(),
      secrets: this.secrets.store.list(),
      controller: this.o.controllerClass,
      watchWithoutClass: this.o.watchWithoutClass,
      keyPair: this.keyPair,
    });
    const liveSecrets = new Set(this.secrets.store.list().map((s) => s.metadata.uid));
    for (const uid of this.pairs.keys()) if (!liveSecrets.has(uid)) this.pairs.delete(uid);
    const conf = renderConfig(model, this.o.render);
    if (conf.hash !== this.o.nginx.current) {
      try {
        const { testMs, reloadMs } = await this.o.nginx.apply(conf, model.certs);
        const seconds = (performance.now() - t0) / 1000;
        this.m.reloads.inc();
        this.m.lastOk.set(1);
        this.m.lastOkAt.set(Date.now() / 1000);
        this.m.reloadSeconds.observe(seconds);
        this.o.log.info({ hash: conf.hash.slice(0, 12), servers: model.servers.length, upstreams: model.upstreams.length, testMs: Math.round(testMs), reloadMs: Math.round(reloadMs) }, 'configuration loaded');
      } catch (e) {
        this.m.errors.inc();
        this.m.lastOk.set(0);
        this.o.log.error({ err: (e as Error).message }, e instanceof ConfigTestError ? 'configuration refused by nginx -t; the running one stays' : 'reload failed; the running configuration stays');
        throw e;
      }
    }
    this.m.servers.set(model.servers.length);
    this.m.upstreams.set(model.upstreams.length);
    this.model = model;
    this.tell(model);
    for (const i of this.ingresses.store.list()) if (this.statusWanted(i)) this.queue.add(STATUS + objectKey(i));
  }

  /** Events for what is newly not served as asked, and "Sync" once per generation that is live. */
  private tell(model: Model): void {
    for (const key of [...this.told.keys()]) if (!model.problems.has(key)) this.told.delete(key);
    for (const key of [...this.synced.keys()]) if (!model.problems.has(key)) this.synced.delete(key);
    for (const [key, problems] of model.problems) {
      const ing = this.ingresses.store.get(key);
      if (!ing) continue;
      const before = this.told.get(key) ?? new Set<string>();
      const now = new Set(problems.map((p) => `${p.reason}\n${p.message}`));
      for (const p of problems) {
        if (before.has(`${p.reason}\n${p.message}`)) continue;
        this.o.log.warn({ ingress: key, reason: p.reason }, p.message);
        void this.recorder.event(ing, 'Warning', p.reason, p.message);
      }
      this.told.set(key, now);
      const gen = `${ing.metadata.uid}/${ing.metadata.generation ?? 0}`;
      if (this.synced.get(key) !== gen) {
        this.synced.set(key, gen);
        void this.recorder.event(ing, 'Normal', 'Sync', 'Scheduled for sync');
      }
    }
  }

  private desiredAddresses(): Array<{ ip: string } | { hostname: string }> {
    return this.o.addresses.map((a) => (isIP(a) ? { ip: a } : { hostname: a }));
  }

  /** The status.loadBalancer.ingress an Ingress should have, or undefined when it already has it. */
  private statusWanted(ing: Ingress): unknown[] | undefined {
    if (!this.model) return undefined;
    const ours = this.model.ingresses.includes(objectKey(ing));
    const have = ing.status?.loadBalancer?.ingress ?? [];
    const mine = this.desiredAddresses();
    const want = ours ? mine : JSON.stringify(have) === JSON.stringify(mine) ? [] : have;
    return JSON.stringify(have) === JSON.stringify(want) ? undefined : want;
  }

  private async status(key: string): Promise<void> {
    const ing = this.ingresses.store.get(key);
    if (!ing) return;
    const want = this.statusWanted(ing);
    if (!want) return;
    const { namespace, name } = splitKey(key);
    await this.o.client.resource<Ingress>(R.ingresses).patch(name, { status: { loadBalancer: { ingress: want } } }, 'merge', { namespace, subresource: 'status' });
    this.o.log.info({ ingress: key, address: this.o.addresses }, 'status updated');
  }
}

// Builds the enabled controllers on one InformerFactory and runs them until stopped.
import { EventRecorder, InformerFactory, type ApiClient, type Logger } from '@minik8s/shared';
import { hostname } from 'node:os';
import type { Controller, ControllerContext } from './controller';
import { DeploymentController } from './controllers/deployment/controller';
import { DisruptionController } from './controllers/disruption/controller';
import { EndpointsController } from './controllers/endpoints/controller';
import { EndpointSliceController } from './controllers/endpointslice/controller';
import { GarbageCollector } from './controllers/garbagecollector/controller';
import { JobController } from './controllers/job/controller';
import { CronJobController } from './controllers/cronjob/controller';
import { DaemonSetController } from './controllers/daemonset/controller';
import { StatefulSetController } from './controllers/statefulset/controller';
import { PodAutoscalerController } from './controllers/podautoscaler/controller';
import { PodGCController } from './controllers/podgc/controller';
import { TTLAfterFinishedController } from './controllers/ttlafterfinished/controller';
import { NamespaceController } from './controllers/namespace/controller';
import { NodeIpamController } from './controllers/nodeipam/controller';
import { NodeLifecycleController } from './controllers/nodelifecycle/controller';
import { REPLICASET, REPLICATION_CONTROLLER, ReplicaSetController } from './controllers/replicaset/controller';
import { ServiceAccountController } from './controllers/serviceaccount/controller';
import { RootCaCertPublisher } from './controllers/rootcacertpublisher/controller';
import { ClusterRoleAggregationController } from './controllers/clusterroleaggregation/controller';
import { PersistentVolumeController } from './controllers/persistentvolume/controller';
import { PvcProtectionController, PvProtectionController } from './controllers/storageprotection/controller';
import { ResourceQuotaController } from './controllers/resourcequota/controller';
import { concurrency, resolveControllers, type Options } from './options';

export const COMPONENT = 'kube-controller-manager';

const BUILDERS: Record<string, (ctx: ControllerContext) => Controller | undefined> = {
  replicaset: (c) => new ReplicaSetController(REPLICASET, c, concurrency(c.options, 'replicaset', 5)),
  replicationcontroller: (c) => new ReplicaSetController(REPLICATION_CONTROLLER, c, concurrency(c.options, 'rc', 5)),
  deployment: (c) => new DeploymentController(c, concurrency(c.options, 'deployment', 5)),
  endpoints: (c) => new EndpointsController(c, concurrency(c.options, 'endpoint', 5)),
  endpointslice: (c) => new EndpointSliceController(c, concurrency(c.options, 'service-endpoint', 5)),
  nodelifecycle: (c) => new NodeLifecycleController(c),
  nodeipam: (c) => (c.options.allocateNodeCidrs ? new NodeIpamController(c) : undefined),
  namespace: (c) => new NamespaceController(c, concurrency(c.options, 'namespace', 10)),
  garbagecollector: (c) => new GarbageCollector(c, concurrency(c.options, 'gc', 20)),
  serviceaccount: (c) => new ServiceAccountController(c, concurrency(c.options, 'serviceaccount', 5)),
  job: (c) => new JobController(c, concurrency(c.options, 'job', 5)),
  cronjob: (c) => new CronJobController(c, concurrency(c.options, 'cronjob', 5)),
  daemonset: (c) => new DaemonSetController(c, concurrency(c.options, 'daemonset', 2)),
  statefulset: (c) => new StatefulSetController(c, concurrency(c.options, 'statefulset', 5)),
  horizontalpodautoscaling: (c) => new PodAutoscalerController(c, concurrency(c.options, 'horizontal-pod-autoscaler', 5)),
  disruption: (c) => new DisruptionController(c, concurrency(c.options, 'disruption', 5)),
  podgc: (c) => new PodGCController(c),
  'ttl-after-finished': (c) => new TTLAfterFinishedController(c, concurrency(c.options, 'ttl-after-finished', 5)),
  'root-ca-cert-publisher': (c) =>
    c.rootCa ? new RootCaCertPublisher(c, c.rootCa, concurrency(c.options, 'root-ca-cert-publisher', 5)) : undefined,
  'persistentvolume-binder': (c) => new PersistentVolumeController(c),
  'pvc-protection': (c) => new PvcProtectionController(c, 1),
  'pv-protection': (c) => new PvProtectionController(c, 1),
  resourcequota: (c) => new ResourceQuotaController(c, concurrency(c.options, 'resource-quota', 5)),
  'clusterrole-aggregation': (c) => new ClusterRoleAggregationController(c, concurrency(c.options, 'clusterrole-aggregation', 1)),
};

export class ControllerManager {
  private readonly factory: InformerFactory;
  readonly controllers: Controller[] = [];

  constructor(
    client: ApiClient,
    options: Options,
    private readonly log: Logger,
    rootCa?: string,
  ) {
    this.factory = new InformerFactory(client, log.child({ module: 'informer' }));
    const recorder = new EventRecorder(client, { component: 'controller-manager', host: hostname(), logger: log });
    const ctx: ControllerContext = { client, factory: this.factory, recorder, log, options, rootCa };
    for (const name of resolveControllers(options.controllers)) {
      const c = BUILDERS[name](ctx);
      if (c) this.controllers.push(c);
    }
  }

  /** Sync every informer, then run every controller's workers; resolves when stopped. */
  async run(): Promise<void> {
    await this.factory.start();
    this.log.info({ controllers: this.controllers.map((c) => c.name) }, 'informers synced; starting controllers');
    await Promise.all(this.controllers.map((c) => c.run()));
  }

  async stop(): Promise<void> {
    for (const c of this.controllers) c.stop();
    await this.factory.stop();
  }
}

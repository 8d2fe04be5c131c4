// HorizontalPodAutoscaler (autoscaling/v2) for Resource metrics (cpu, memory): usage from
// metrics.k8s.io/v1beta1 PodMetrics (served by the apiserver), requests from the pod specs,
// the target scaled through its /scale subresource, with stabilization windows and limits.
import {
  isNotFound, matchesLabels, parseLabelSelector, R, resourceForKind, resourcePath, rfc3339, type autoscaling, type Informer,
  type ResourceClient,
} from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { semanticEqual } from '../../util/semantic';
import type { Pod } from '../../util/types';
import { currentValue, limitReplicas, podSamples, resourceReplicas, resourceTarget, stabilize, sumUnits } from './replicas';

type Hpa = autoscaling.HorizontalPodAutoscaler & { metadata: NonNullable<autoscaling.HorizontalPodAutoscaler['metadata']>; [k: string]: unknown };
type HpaCondition = autoscaling.HorizontalPodAutoscalerCondition;
interface Scale { spec?: { replicas?: number }; status?: { replicas?: number; selector?: string } }
interface PodMetricsList { items?: { metadata: { name: string }; containers?: { name: string; usage?: { cpu?: string; memory?: string } }[] }[] }


function condition(type: string, status: 'True' | 'False', reason: string, message: string, prev: HpaCondition[] | undefined, nowIso: string): HpaCondition {
  const p = prev?.find((c) => c.type === type);
  return { type, status, reason, message, lastTransitionTime: p && p.status === status ? p.lastTransitionTime : nowIso };
}

export class PodAutoscalerController extends Controller {
  private readonly hpas: Informer<Hpa>;
  private readonly pods: Informer<Pod>;
  private readonly client: ResourceClient<Hpa>;
  private readonly history = new Map<string, { at: number; replicas: number }[]>();
  private timer?: NodeJS.Timeout;

  constructor(ctx: ControllerContext, workers: number) {
    super('horizontalpodautoscaling', ctx, workers);
    this.hpas = ctx.factory.informer<Hpa>(R.horizontalpodautoscalers);
    this.pods = ctx.factory.informer<Pod>(R.pods);
    this.client = ctx.client.resource<Hpa>(R.horizontalpodautoscalers);
    this.hpas.addEventHandler({ onAdd: (h) => this.enqueue(h), onUpdate: (o, h) => o.metadata.generation !== h.metadata.generation && this.enqueue(h), onDelete: (h) => this.history.delete(`${h.metadata.namespace}/${h.metadata.name}`) });
  }

  protected override async beforeRun(): Promise<void> {
    this.timer = setInterval(() => this.hpas.store.keys().forEach((k) => this.enqueue(k)), this.ctx.options.hpaSyncPeriodMs);
    this.timer.unref();
  }

  override stop(): void {
    if (this.timer) clearInterval(this.timer);
    super.stop();
  }

  /**
   * Pod usage by pod name from metrics.k8s.io (the apiserver's view of the kubelets' stats, as
   * metrics-server serves it upstream): CPU in cores and memory in bytes, summed over the containers.
   */
  private async usage(ns: string, selector: string): Promise<Map<string, { cpu: number; memory: number }>> {
    const list = await this.ctx.client.request<PodMetricsList>('GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(ns)}/pods`, { query: { labelSelector: selector } });
    const out = new Map<string, { cpu: number; memory: number }>();
    for (const m of list.items ?? []) {
      const cs = m.containers ?? [];
      // As upstream's metrics client: a pod with a container missing the resource has no usable sample.
      if (!cs.length || cs.some((c) => c.usage?.cpu === undefined || c.usage?.memory === undefined)) continue;
      const cpu = sumUnits('cpu', cs.map((c) => c.usage!.cpu!));
      const memory = sumUnits('memory', cs.map((c) => c.usage!.memory!));
      // a sample that does not parse is no sample (the quantity parser is bounded, so this cannot stall)
      if (cpu !== undefined && memory !== undefined) out.set(m.metadata.name, { cpu, memory });
    }
    return out;
  }

  protected async reconcile(key: string): Promise<void> {
    const hpa = this.hpas.store.get(key);
    if (!hpa) return;
    const ns = hpa.metadata.namespace!;
    const now = Date.now();
    const nowIso = rfc3339(now);
    const spec = hpa.spec!;
    const prev = hpa.status?.conditions;
    const ref = spec.scaleTargetRef;
    const rt = resourceForKind(ref.apiVersion ?? 'apps/v1', ref.kind);
    const status: NonNullable<Hpa['status']> = { ...(hpa.status ?? {}), observedGeneration: hpa.metadata.generation, desiredReplicas: hpa.status?.desiredReplicas ?? 0 };
    const fail = async (type: string, reason: string, message: string) => {
      this.ctx.recorder.event(hpa, 'Warning', reason, message);
      status.conditions = [
        condition('AbleToScale', type === 'AbleToScale' ? 'False' : 'True', type === 'AbleToScale' ? reason : 'SucceededGetScale', type === 'AbleToScale' ? message : 'the HPA controller was able to get the target\'s current scale', prev, nowIso),
        condition('ScalingActive', 'False', reason, message, prev, nowIso),
      ];
      await this.writeStatus(hpa, status);
    };
    if (!rt || !rt.subresources.includes('scale')) return fail('AbleToScale', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: no scale subresource for ${ref.kind}`);
    const scalePath = resourcePath(rt, ns, ref.name, 'scale');
    let scale: Scale;
    try {
      scale = await this.ctx.client.request<Scale>('GET', scalePath);
    } catch (e) {
      return fail('AbleToScale', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${(e as Error).message}`);
    }
    const current = scale.spec?.replicas ?? 0;
    status.currentReplicas = scale.status?.replicas ?? current;
    if (current === 0 && (spec.minReplicas ?? 1) > 0) {
      status.desiredReplicas = 0;
      status.conditions = [condition('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero', prev, nowIso)];
      return this.writeStatus(hpa, status);
    }
    let selector;
    try {
      selector = parseLabelSelector(scale.status?.selector ?? '');
    } catch (e) {
      return fail('ScalingActive', 'InvalidSelector', (e as Error).message);
    }
    if (!scale.status?.selector) return fail('ScalingActive', 'InvalidSelector', 'the HPA target\'s scale is missing a selector');
    const pods = this.pods.store
      .byIndex('namespace', ns)
      .filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && matchesLabels(selector, p.metadata.labels));
    let usage: Map<string, { cpu: number; memory: number }>;
    try {
      usage = await this.usage(ns, scale.status.selector);
    } catch (e) {
      return fail('ScalingActive', 'FailedGetResourceMetric', `unable to fetch metrics from resource metrics API: ${(e as Error).message}`);
    }

    let desired = 0;
    const currentMetrics: NonNullable<Hpa['status']>['currentMetrics'] = [];
    for (const m of spec.metrics ?? [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]) {
      if (m.type !== 'Resource' || !m.resource) continue;
      const name = m.resource.name;
      if (name !== 'cpu' && name !== 'memory') return fail('ScalingActive', 'FailedGetResourceMetric', `failed to get ${name} utilization: unable to get metrics for resource ${name}: no metrics returned from resource metrics API`);
      const target = resourceTarget(name, m.resource.target);
      if (!target) return fail('ScalingActive', 'FailedGetResourceMetric', `invalid target averageValue ${JSON.stringify(m.resource.target.averageValue)} for resource ${name}`);
      const samples = podSamples(name, pods, usage);
      try {
        const rec = resourceReplicas(current, samples, target);
        desired = Math.max(desired, rec.replicas);
        currentMetrics.push({ type: 'Resource', resource: { name, current: currentValue(name, rec) } });
      } catch (e) {
        return fail('ScalingActive', 'FailedGetResourceMetric', `failed to get ${name} utilization: ${(e as Error).message}`);
      }
    }
    status.currentMetrics = currentMetrics;

    const hist = (this.history.get(key) ?? []).filter((h) => h.at >= now - 3_600_000);
    hist.push({ at: now, replicas: desired });
    this.history.set(key, hist);
    const downWindow = (spec.behavior?.scaleDown?.stabilizationWindowSeconds ?? 300) * 1000;
    const upWindow = (spec.behavior?.scaleUp?.stabilizationWindowSeconds ?? 0) * 1000;
    const stable = stabilize(hist.slice(0, -1), now, current, desired, downWindow, upWindow);
    const limited = limitReplicas(current, stable, { min: spec.minReplicas ?? 1, max: spec.maxReplicas });
    status.desiredReplicas = limited.replicas;
    if (limited.replicas !== current) {
      await this.ctx.client.request('PATCH', scalePath, { body: JSON.stringify({ spec: { replicas: limited.replicas } }), contentType: 'application/merge-patch+json' });
      const m = currentMetrics[0]?.resource;
      const why = m ? `${m.name} resource${m.current.averageUtilization !== undefined ? ' utilization (percentage of request)' : ''} ${limited.replicas > current ? 'above' : 'below'} target` : 'All metrics below target';
      this.ctx.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${limited.replicas}; reason: ${why}`);
      status.lastScaleTime = nowIso;
    }
    status.conditions = [
      condition('AbleToScale', 'True', limited.replicas !== current ? 'SucceededRescale' : 'ReadyForNewScale', limited.replicas !== current ? `the HPA controller was able to update the target scale to ${limited.replicas}` : 'recommended size matches current size', prev, nowIso),
      condition('ScalingActive', 'True', 'ValidMetricFound', 'the HPA was able to successfully calculate a replica count from resource metrics', prev, nowIso),
      limited.reason && limited.reason !== 'ScaleUpLimit'
        ? condition('ScalingLimited', 'True', limited.reason, `the desired replica count is ${limited.reason === 'TooManyReplicas' ? 'more than the maximum' : 'less than the minimum'} replica count`, prev, nowIso)
        : condition('ScalingLimited', 'False', 'DesiredWithinRange', 'the desired count is within the acceptable range', prev, nowIso),
    ];
    await this.writeStatus(hpa, status);
  }

  private async writeStatus(hpa: Hpa, status: NonNullable<Hpa['status']>): Promise<void> {
    if (semanticEqual(status, hpa.status)) return;
    await this.client.updateStatus({ ...hpa, status }).catch((e) => {
      if (!isNotFound(e)) throw e;
    });
  }
}

// The rows of `kubectl get hpa` (printHorizontalPodAutoscaler, upstream printers.go v1.32), from the
// stored autoscaling/v2 object.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { AGE, NAME, ageOf, col, nameOf, num } from '../../tables/columns';
import type { TablePrinter } from '../../tables/types';

/** formatHPAMetrics: "cpu: 10%/50%" per metric, at most two, then "+ N more...". */
function hpaTargets(o: any): string {
  const specs: any[] = o.spec?.metrics ?? [];
  if (!specs.length) return '<none>';
  const statuses: any[] = o.status?.currentMetrics ?? [];
  const q = (v: unknown) => (v == null ? '<unknown>' : String(v));
  const list = specs.map((m, i) => {
    const st = statuses[i];
    switch (m.type) {
      case 'External':
      case 'Object': {
        const key = m.type === 'External' ? 'external' : 'object';
        const target = m[key]?.target ?? {};
        const cur = st?.[key]?.current;
        if (target.averageValue != null) return `${q(cur?.averageValue)}/${target.averageValue} (avg)`;
        return `${st?.[key] ? q(cur?.value) : '<unknown>'}/${q(target.value)}`;
      }
      case 'Pods':
        return `${st?.pods ? q(st.pods.current?.averageValue) : '<unknown>'}/${q(m.pods?.target?.averageValue)}`;
      case 'Resource':
      case 'ContainerResource': {
        const key = m.type === 'Resource' ? 'resource' : 'containerResource';
        const src = m[key] ?? {};
        const cur = st?.[key]?.current;
        if (src.target?.averageValue != null) return `${src.name}: ${st?.[key] ? q(cur?.averageValue) : '<unknown>'}/${src.target.averageValue}`;
        const current = cur?.averageUtilization != null ? `${cur.averageUtilization}%` : '<unknown>';
        const target = src.target?.averageUtilization != null ? `${src.target.averageUtilization}%` : '<auto>';
        return `${src.name}: ${current}/${target}`;
      }
      default:
        return '<unknown type>';
    }
  });
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

export const hpaPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Reference', { description: 'Reference to the target resource' }),
    col('Targets', { description: 'The current and target values of the metrics' }),
    col('MinPods', { description: 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.' }),
    col('MaxPods', { description: 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.' }),
    col('Replicas', { description: 'currentReplicas is current number of replicas of pods managed by this autoscaler.' }),
    AGE,
  ],
  cells(o, now) {
    const ref = o.spec?.scaleTargetRef ?? {};
    const min = o.spec?.minReplicas != null ? String(o.spec.minReplicas) : '<unset>';
    return [nameOf(o), `${ref.kind ?? ''}/${ref.name ?? ''}`, hpaTargets(o), min, num(o.spec?.maxReplicas), num(o.status?.currentReplicas), ageOf(o, now)];
  },
};

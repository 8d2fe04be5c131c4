// The pod row of `kubectl get pods`: printPod in k8s.io/kubernetes/pkg/printers/internalversion/printers.go (v1.32).
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { core } from '@minik8s/shared';
import { since } from '../../../tables/format';
import { AGE, NAME, ageOf, col, nameOf, wide } from '../../../tables/columns';
import type { TablePrinter } from '../../../tables/types';

type Pod = core.Pod;
type ContainerStatus = core.ContainerStatus;

export interface PodCells {
  ready: string;
  status: string;
  restarts: string;
  ip: string;
  node: string;
  nominatedNode: string;
  readinessGates: string;
}

const isRestartable = (c: core.Container | undefined) => c?.restartPolicy === 'Always';
const later = (a: string | undefined, b: string | undefined) => (b && (!a || Date.parse(b) > Date.parse(a)) ? b : a);

export function podCells(pod: Pod, now: number): PodCells {
  const spec = pod.spec ?? ({ containers: [] } as core.PodSpec);
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestart: string | undefined;
  let lastRestartableInitRestart: string | undefined;
  const phase = status.phase ?? '';
  let reason: string = status.reason || phase;
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initContainers = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  for (const c of spec.initContainers ?? []) if (isRestartable(c)) totalContainers++;

  let initializing = false;
  const initStatuses: ContainerStatus[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
    const restartable = isRestartable(initContainers.get(c.name));
    if (restartable) {
      restartableInitRestarts += c.restartCount ?? 0;
      lastRestartableInitRestart = later(lastRestartableInitRestart, c.lastState?.terminated?.finishedAt);
    }
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (restartable && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (term) {
      if (!term.reason) reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
      else reason = `Init:${term.reason}`;
    } else if (wait?.reason && wait.reason !== 'PodInitializing') {
      reason = `Init:${wait.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait?.reason) reason = wait.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  const deleting = !!pod.metadata?.deletionTimestamp;
  if (deleting && status.reason === 'NodeLost') reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  const restartsStr = restarts !== 0 && lastRestart ? `${restarts} (${since(lastRestart, now)} ago)` : String(restarts);

  let readinessGates = '<none>';
  const gates = spec.readinessGates ?? [];
  if (gates.length) {
    const trueConds = gates.filter((g) => (status.conditions ?? []).find((c) => c.type === g.conditionType)?.status === 'True').length;
    readinessGates = `${trueConds}/${gates.length}`;
  }
  const ip = status.podIPs?.[0]?.ip || (status as any).podIP || '';
  return {
    ready: `${readyContainers}/${totalContainers}`,
    status: reason,
    restarts: restartsStr,
    ip: ip || '<none>',
    node: spec.nodeName || '<none>',
    nominatedNode: status.nominatedNodeName || '<none>',
    readinessGates,
  };
}

export const podPrinter: TablePrinter = {
  columns: [
    NAME,
    col('Ready', { description: 'The aggregate readiness state of this pod for accepting traffic.' }),
    col('Status', { description: 'The aggregate status of the containers in this pod.' }),
    col('Restarts', { description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.' }),
    AGE,
    wide('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
    wide('Node', 'NodeName is a request to schedule this pod onto a specific node.'),
    wide('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.'),
    wide('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.'),
  ],
  cells(o, now) {
    const c = podCells(o, now);
    return [nameOf(o), c.ready, c.status, c.restarts, ageOf(o, now), c.ip, c.node, c.nominatedNode, c.readinessGates];
  },
  conditions(o) {
    const phase = o.status?.phase;
    if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    return undefined;
  },
};

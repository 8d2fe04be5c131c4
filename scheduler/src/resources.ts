// Resource arithmetic for scheduling: what a pod requests (with the init-container max rule and
// sidecars, as upstream's resource.PodRequests) and what a node can hold. cpu is in millicores,
// everything else in base units; "pods" counts pods.
import { milliValue, parseQuantity, type core } from '@minik8s/shared';

export type ResourceList = Record<string, number>;

/** Defaults used only for scoring when a container requests nothing (upstream non-zero requests). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

// Clusters use few distinct quantity strings; parsing them once keeps big bursts cheap.
const parsed = new Map<string, number>();

function quantity(name: string, q: string | number): number {
  const key = `${name === 'cpu' ? 'm' : ''}${q}`;
  let v = parsed.get(key);
  if (v === undefined) {
    try {
      v = name === 'cpu' ? milliValue(q) : parseQuantity(q);
    } catch {
      v = 0;
    }
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(key, v);
  }
  return v;
}

/** A Kubernetes ResourceList in scheduler units; unparsable quantities count as 0 (the apiserver validates). */
export function toResourceList(list: Record<string, string | number> | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [name, q] of Object.entries(list ?? {})) out[name] = quantity(name, q);
  return out;
}

function add(into: ResourceList, r: ResourceList): void {
  for (const [k, v] of Object.entries(r)) into[k] = (into[k] ?? 0) + v;
}

function max(into: ResourceList, r: ResourceList): void {
  for (const [k, v] of Object.entries(r)) into[k] = Math.max(into[k] ?? 0, v);
}

/** Effective pod requests: sum(containers) vs max(init containers), plus overhead. */
export function podRequests(pod: core.Pod, nonZero = false): ResourceList {
  const spec = pod.spec;
  const containerReqs = (c: core.Container): ResourceList => {
    const r = toResourceList(c.resources?.requests);
    if (nonZero) {
      if (r.cpu === undefined) r.cpu = DEFAULT_MILLI_CPU_REQUEST;
      if (r.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
    }
    return r;
  };
  const reqs: ResourceList = {};
  for (const c of spec?.containers ?? []) add(reqs, containerReqs(c));
  const restartable: ResourceList = {};
  const initMax: ResourceList = {};
  for (const c of spec?.initContainers ?? []) {
    const r = containerReqs(c);
    if (c.restartPolicy === 'Always') {
      // Sidecars keep running: they add to the steady state and to every later init container.
      add(reqs, r);
      add(restartable, r);
      max(initMax, { ...restartable });
    } else {
      const tmp: ResourceList = {};
      add(tmp, r);
      add(tmp, restartable);
      max(initMax, tmp);
    }
  }
  max(reqs, initMax);
  add(reqs, toResourceList(spec?.overhead));
  return reqs;
}

/** Node allocatable (falling back to capacity), with "pods" defaulting to 110 like the kubelet. */
export function nodeAllocatable(node: core.Node): ResourceList {
  const alloc = toResourceList(node.status?.allocatable ?? node.status?.capacity);
  if (alloc.pods === undefined) alloc.pods = 110;
  return alloc;
}

// The scheduler cache: nodes and the pods placed on them, including "assumed" pods whose binding is
// in flight, so the next cycle already sees their requests (a burst never overcommits a node).
import { isPodTerminal, type core } from '@minik8s/shared';
import { addPod, newNodeInfo, newPodInfo, removePod, type NodeInfo, type Snapshot } from './model';
import { nodeAllocatable } from './resources';

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  /** Nodes with a Node object (pods may reference a node the cache has not seen yet). */
  private readonly present = new Set<string>();
  private readonly podNode = new Map<string, string>();
  private readonly assumed = new Set<string>();
  private snap: Snapshot | undefined;

  private info(name: string): NodeInfo {
    let ni = this.nodes.get(name);
    if (!ni) {
      ni = newNodeInfo({ metadata: { name } });
      this.nodes.set(name, ni);
    }
    return ni;
  }

  setNode(node: core.Node): void {
    const ni = this.info(node.metadata?.name ?? '');
    ni.node = node;
    ni.allocatable = nodeAllocatable(node);
    if (!this.present.has(ni.name)) {
      this.present.add(ni.name);
      this.snap = undefined;
    }
  }

  removeNode(name: string): void {
    this.present.delete(name);
    const ni = this.nodes.get(name);
    if (ni && ni.pods.size === 0) this.nodes.delete(name);
    this.snap = undefined;
  }

  /** Live view used by one synchronous scheduling cycle. */
  snapshot(): Snapshot {
    if (!this.snap) {
      const nodes = [...this.present].sort().map((n) => this.nodes.get(n)!);
      this.snap = { nodes, byName: new Map(nodes.map((n) => [n.name, n])) };
    }
    return this.snap;
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  nodeOf(key: string): string | undefined {
    return this.podNode.get(key);
  }

  private place(key: string, pod: core.Pod, nodeName: string): void {
    const prev = this.podNode.get(key);
    if (prev === nodeName) {
      // The same pod again (bind confirmed, status update): its requests, host ports and required
      // affinity cannot change (the apiserver rejects such updates), so the node's sums stand.
      const pi = this.nodes.get(nodeName)?.pods.get(key);
      const uid = pod.metadata?.uid;
      if (pi && uid && pi.pod.metadata?.uid === uid) {
        pi.pod = pod;
        return;
      }
    }
    if (prev && prev !== nodeName) this.unplace(key);
    addPod(this.info(nodeName), newPodInfo(pod, key));
    this.podNode.set(key, nodeName);
  }

  private unplace(key: string): void {
    const n = this.podNode.get(key);
    if (n === undefined) return;
    const ni = this.nodes.get(n);
    if (ni) {
      removePod(ni, key);
      if (ni.pods.size === 0 && !this.present.has(n)) this.nodes.delete(n);
    }
    this.podNode.delete(key);
  }

  /** Count the pod on `nodeName` before the bind returns. */
  assume(key: string, pod: core.Pod, nodeName: string): void {
    this.place(key, { ...pod, spec: { ...pod.spec!, nodeName } }, nodeName);
    this.assumed.add(key);
  }

  /** The bind failed: give the resources back (unless the informer already confirmed the pod). */
  forget(key: string): void {
    if (!this.assumed.delete(key)) return;
    this.unplace(key);
  }

  /** The informer saw a pod with spec.nodeName (confirms an assumed pod). Terminal pods hold nothing. */
  upsertBoundPod(key: string, pod: core.Pod): void {
    this.assumed.delete(key);
    if (isPodTerminal(pod)) return this.unplace(key);
    this.place(key, pod, pod.spec!.nodeName!);
  }

  removePod(key: string): void {
    this.assumed.delete(key);
    this.unplace(key);
  }
}

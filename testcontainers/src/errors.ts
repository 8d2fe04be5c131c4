// A start that failed says where (the stage), after how long, and what the component in charge of
// that stage logged last.

export type Stage = 'options' | 'docker' | 'reaper' | 'image' | 'network' | 'container' | 'apiserver' | 'nodes' | 'dns';

/** What each stage waits for, in the words of the error message. */
export const STAGES: Record<Stage, string> = {
  options: 'the builder options',
  docker: 'a Docker engine that answers',
  reaper: 'the reaper that removes the containers of a test process that died',
  image: 'the image',
  network: 'the network of the nodes',
  container: 'the containers to start',
  apiserver: 'the apiserver to be ready and its kubeconfig written',
  nodes: 'every node Ready',
  dns: 'the cluster DNS to answer',
};

export interface LogTail {
  /** e.g. "kubelet on node-2" */
  what: string;
  text: string;
}

export class MiniK8sStartError extends Error {
  constructor(
    readonly stage: Stage,
    readonly detail: string,
    readonly elapsedMs: number,
    readonly logs: LogTail[] = [],
    options?: { cause?: unknown },
  ) {
    super(formatStartError(stage, detail, elapsedMs, logs), options);
    this.name = 'MiniK8sStartError';
  }
}

export function formatStartError(stage: Stage, detail: string, elapsedMs: number, logs: LogTail[]): string {
  const head = `minik8s did not start: stage "${stage}" (${STAGES[stage]}) failed after ${(elapsedMs / 1000).toFixed(1)} s: ${detail}`;
  const tails = logs.map((l) => `--- ${l.what}, last lines ---\n${l.text.trimEnd() || '(empty)'}`);
  return [head, ...tails].join('\n');
}

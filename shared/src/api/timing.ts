// Annotations components put on their own Events (never on the objects) to say where a pod's start-up time
// went, at MicroTime precision: the scheduler on Scheduled, the kubelet on its events about the pod. The
// Events' messages stay as upstream words them; `mkctl trace` reads these.
export const TIMING = {
  /** When the scheduler first queued the pod. */
  queuedAt: 'scheduler.minik8s.io/queued-at',
  /** When the scheduling cycle that placed it started. */
  cycleStartedAt: 'scheduler.minik8s.io/cycle-started-at',
  /** Filtering and scoring, in milliseconds. */
  cycleMs: 'scheduler.minik8s.io/cycle-ms',
  /** When the binding was sent (the Scheduled Event's eventTime: when it was stored). */
  bindingStartedAt: 'scheduler.minik8s.io/binding-started-at',
  /** When the kubelet first saw the pod bound to its node. */
  podSeenAt: 'kubelet.minik8s.io/pod-seen-at',
  /** When the pod's sandbox (network namespace) was up. */
  sandboxReadyAt: 'kubelet.minik8s.io/sandbox-ready-at',
} as const;

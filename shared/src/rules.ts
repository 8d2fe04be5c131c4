// The upstream rules every component applies the same way, as pure functions with no dependencies
// (@minik8s/shared/rules, for programs that must start fast; the package root exports them too).
export * from './api/pods';
export * from './api/nodes';
export * from './api/conditions';
export * from './api/time';
export * from './api/disruption';
export * from './scheduling/taints';
export * from './scheduling/node-affinity';
export * from './scheduling/daemon-pods';
export * from './storage/volumes';
export * from './duration';
export * from './api/timing';
export * from './selectors/labels';
export * from './validation';
export * from './api/pod-references';
export * from './podsecurity/checks';
export * from './podsecurity/policy';

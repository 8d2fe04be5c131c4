// SPDY/3.1 as port-forward speaks it (@minik8s/shared/spdy).
export * from './frames';
export * from './session';

export { MiniK8sContainer, StartedMiniK8sContainer, DEFAULT_STARTUP_TIMEOUT_MS, type LogSource } from './container';
export { MiniK8sStartError, type Stage, type LogTail } from './errors';
export { DEFAULT_IMAGE, type BuildPolicy } from './image';

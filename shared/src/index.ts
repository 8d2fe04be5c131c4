export * from './api/resources';
export * from './api/types';
export * from './api/status';

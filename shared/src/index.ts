export * from './api/resources';
export * from './api/types';
export * from './api/status';
export * from './selectors/labels';
export * from './selectors/fields';
export * from './quantity';

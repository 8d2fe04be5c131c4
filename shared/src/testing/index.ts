// Test fixtures the components' unit tests share (@minik8s/shared/testing): not used at run time.
export * from './placement-cases';

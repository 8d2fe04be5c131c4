// The package root: everything (@minik8s/shared). The subpaths in package.json "exports" are lean
// slices of it for programs that must start fast (client, rules, patch, spdy, proxy, quantity) and the
// shared test fixtures (testing).
export * from './client';
export * from './selectors/labels';
export * from './selectors/fields';
export * from './quantity';
export * from './quota/usage';
export * from './logging';
export * from './metrics';
export * from './shutdown';
export * from './workqueue';
export * from './informer/store';
export * from './informer/diff';
export * from './informer/informer';
export * from './informer/factory';
export * from './patch/strategic-merge';
export * from './events';
export * from './api/timing';
export * from './leader';
export * from './proxy/chain-names';
export * from './proxy/checks';
export * from './proxy/service-ports';
export * from './proxy/nft-layout';
export * from './spdy';
export * from './bench';
export * from './rules';
export * from './validation';
export * from './cron';
export * from './limits';

// The cluster PKI (not exported from the package root: X.509 code loads only where certificates are made).
export * from './x509';
export * from './kubeconfig';
export * from './cluster';
export * from './local';

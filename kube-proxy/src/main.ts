// Entry point of the kube-proxy component; its implementation is being written.
console.error('kube-proxy: not implemented yet');
process.exit(1);

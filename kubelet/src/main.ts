// Entry point of the kubelet component; its implementation is being written.
console.error('kubelet: not implemented yet');
process.exit(1);

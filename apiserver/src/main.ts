// Entry point of the apiserver component; its implementation is being written.
console.error('apiserver: not implemented yet');
process.exit(1);

// Entry point of the kubectl component; its implementation is being written.
console.error('kubectl: not implemented yet');
process.exit(1);

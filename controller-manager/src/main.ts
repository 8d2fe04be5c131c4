// Entry point of the controller-manager component; its implementation is being written.
console.error('controller-manager: not implemented yet');
process.exit(1);

// Entry point of the scheduler component; its implementation is being written.
console.error('scheduler: not implemented yet');
process.exit(1);

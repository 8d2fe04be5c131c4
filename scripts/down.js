#!/usr/bin/env node
'use strict';
// npm run down: stop and remove the cluster's containers, keeping etcd, the registry and the nodes'
// images on their volumes. npm run down -- --volumes: wipe those too.
const c = require('./cluster');

const args = process.argv.slice(2);
const wipe = args.includes('--volumes') || args.includes('-v');
const unknown = args.filter((a) => !['--volumes', '-v'].includes(a));
if (unknown.length) {
  console.error(`minik8s down: unknown argument ${unknown[0]} (usage: npm run down [-- --volumes])`);
  process.exit(2);
}
try {
  c.compose(['down', '--remove-orphans', ...(wipe ? ['--volumes'] : [])], { quiet: false });
  console.log(wipe ? 'minik8s: stopped; data wiped' : 'minik8s: stopped; data kept (npm run up brings every object back)');
} catch (e) {
  console.error(`minik8s down: ${e.message}`);
  process.exit(1);
}

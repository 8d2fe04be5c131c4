#!/usr/bin/env node
'use strict';
// npm run load-image -- IMAGE...: push local images to the cluster's registry so that pods use them
// under the very same reference (image: myapp:dev): the nodes' Docker uses that registry as its
// Docker Hub mirror. Tags are immutable for IfNotPresent pods: push a new tag for new code.
const c = require('./cluster');

const refs = process.argv.slice(2);
if (!refs.length || refs.some((r) => r.startsWith('-'))) {
  console.error('usage: npm run load-image -- IMAGE[:TAG]...   (e.g. npm run load-image -- myapp:dev)');
  process.exit(2);
}
c.pushImages(refs, (m) => console.log(`minik8s: ${m}`)).catch((e) => {
  console.error(`minik8s load-image: ${e.message}`);
  process.exit(1);
});

#!/usr/bin/env node
// Compare two V8 heap snapshots (.heapsnapshot, e.g. from `SOAK_HEAP_SNAPSHOTS=DIR npm run soak:apiserver`):
// live objects grouped by constructor (strings, arrays, closures and code by their kind), with the count and
// self size of each in both, largest growth first. Usage: node apiserver/scripts/heapdiff.js A B [rows]
'use strict';
const { readFileSync } = require('node:fs');

/** Map "type:name" → { count, size } over every node of the snapshot. */
function groups(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const [T, N, S] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map();
  const { nodes, strings } = snap;
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + T]];
    // objects and closures by name; a string's or an array's "name" is its content, so group those by kind
    const name = type === 'object' || type === 'closure' || type === 'native' ? strings[nodes[i + N]].slice(0, 80) : '';
    const key = `${type}:${name}`;
    const g = out.get(key) ?? { count: 0, size: 0 };
    g.count++;
    g.size += nodes[i + S];
    out.set(key, g);
  }
  return out;
}

const [a, b, rows = '40'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: heapdiff.js BEFORE.heapsnapshot AFTER.heapsnapshot [rows]');
  process.exit(2);
}
const before = groups(a);
const after = groups(b);
const total = (m) => [...m.values()].reduce((s, g) => s + g.size, 0);
const mib = (x) => (x / 1024 / 1024).toFixed(2);
console.log(`total self size: ${mib(total(before))} MiB → ${mib(total(after))} MiB`);
const keys = new Set([...before.keys(), ...after.keys()]);
const diff = [...keys].map((k) => {
  const x = before.get(k) ?? { count: 0, size: 0 };
  const y = after.get(k) ?? { count: 0, size: 0 };
  return { k, dc: y.count - x.count, ds: y.size - x.size, c: y.count, s: y.size };
});
diff.sort((p, q) => q.ds - p.ds);
console.log('Δsize MiB\tΔcount\tcount\tsize MiB\tgroup');
for (const d of diff.slice(0, Number(rows))) console.log(`${mib(d.ds)}\t${d.dc}\t${d.c}\t${mib(d.s)}\t${d.k}`);

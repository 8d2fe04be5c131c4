#!/usr/bin/env node
// Summarise a V8 .cpuprofile (node --cpu-prof) as a top-N table of functions by self and total time.
// Usage: node scripts/cpuprofile-top.js FILE.cpuprofile [N=30] [--by=self|total] [--filter=substring]
//          [--window=FROM,TO] (seconds since the profile started) [--timeline] (busy % per second)
// Total time counts a function once per sample even when it recurses; "(idle)" and "(program)" stay visible
// in the self column so a mostly idle process is recognisable.
'use strict';
const { readFileSync } = require('node:fs');
const { relative } = require('node:path');

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
if (!file) {
  console.error('usage: cpuprofile-top.js FILE.cpuprofile [N] [--by=self|total] [--filter=text]');
  process.exit(2);
}
const top = Number(args.find((a) => /^\d+$/.test(a)) ?? 30);
const by = (args.find((a) => a.startsWith('--by=')) ?? '--by=self').slice(5);
const filter = args.find((a) => a.startsWith('--filter='))?.slice(9);
const [fromS, toS] = (args.find((a) => a.startsWith('--window='))?.slice(9) ?? '0,Infinity').split(',').map(Number);
const timeline = args.includes('--timeline');

const prof = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (n) => {
  const f = n.callFrame;
  const url = f.url ? relative(process.cwd(), f.url.replace(/^file:\/\//, '')) : '';
  return `${f.functionName || '(anonymous)'} ${url ? `${url}:${f.lineNumber + 1}` : ''}`.trim();
};

// each sample's duration is the gap to the next timestamp
const selfUs = new Map();
const totalUs = new Map();
let allUs = 0;
const deltas = prof.timeDeltas;
const perSecond = [];
let atUs = 0;
for (let i = 0; i < prof.samples.length; i++) {
  atUs += deltas[i];
  const dt = deltas[i + 1] ?? 0;
  let id = prof.samples[i];
  const leaf = label(nodes.get(id));
  const sec = Math.floor(atUs / 1e6);
  perSecond[sec] ??= { all: 0, idle: 0 };
  perSecond[sec].all += dt;
  if (leaf === '(idle)') perSecond[sec].idle += dt;
  if (atUs < fromS * 1e6 || atUs >= toS * 1e6) continue;
  allUs += dt;
  selfUs.set(leaf, (selfUs.get(leaf) ?? 0) + dt);
  const seen = new Set();
  for (; id !== undefined; id = parent.get(id)) {
    const l = label(nodes.get(id));
    if (seen.has(l)) continue;
    seen.add(l);
    totalUs.set(l, (totalUs.get(l) ?? 0) + dt);
  }
}
if (timeline) {
  console.log('second: busy %');
  perSecond.forEach((s, i) => s && console.log(`${String(i).padStart(4)}: ${((100 * (s.all - s.idle)) / s.all).toFixed(0).padStart(3)}`));
}
const busyUs = allUs - (selfUs.get('(idle)') ?? 0);
const rows = [...totalUs.keys()]
  .filter((l) => !filter || l.includes(filter))
  .map((l) => ({ l, self: selfUs.get(l) ?? 0, total: totalUs.get(l) }))
  .sort((a, b) => b[by] - a[by])
  .slice(0, top);
const ms = (us) => (us / 1000).toFixed(0).padStart(8);
const pct = (us) => ((100 * us) / busyUs).toFixed(1).padStart(6);
console.log(`profile ${(allUs / 1e6).toFixed(1)} s, busy (not idle) ${(busyUs / 1e6).toFixed(1)} s; % of busy time`);
console.log(`${'self ms'.padStart(8)} ${'self%'.padStart(6)} ${'total ms'.padStart(8)} ${'total%'.padStart(6)}  function`);
// idle time is no share of the busy time
const share = (r, us) => (r.l === '(idle)' ? '     -' : pct(us));
for (const r of rows) console.log(`${ms(r.self)} ${share(r, r.self)} ${ms(r.total)} ${share(r, r.total)}  ${r.l}`);

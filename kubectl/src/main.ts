#!/usr/bin/env node
// mkctl's entry. It runs dist/mkctl.js — every module of the CLI in one file (scripts/bundle.js, part of
// `npm run build`) — through a V8 code cache kept beside it, so a run neither resolves ~30 files nor parses
// and compiles them again (Node 20 has no module.enableCompileCache). Without a bundle at least as new as
// the compiled modules (e.g. after `tsc -b` alone), it runs those: the same program, slower to start.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

const bundle = join(__dirname, 'mkctl.js');
const cacheFile = `${bundle}.cache`;

function bundleIsCurrent(): boolean {
  let built: number;
  try {
    built = statSync(bundle).mtimeMs;
    if (built < statSync(join(__dirname, '.tsbuildinfo')).mtimeMs) return false;
  } catch {
    return false;
  }
  // The workspace's shared package, when mkctl runs from the repository (installed elsewhere it is in the bundle only).
  const shared = statSync(join(__dirname, '..', '..', 'shared', 'dist', '.tsbuildinfo'), { throwIfNoEntry: false });
  return !shared || built >= shared.mtimeMs;
}

function runBundle(): void {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // first run: the cache is written at exit
  }
  const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    // At exit, so the functions this run compiled are in it. A read-only install just goes without.
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        // not writable
      }
    });
  }
  const m = { exports: {} };
  (script.runInThisContext() as (...a: unknown[]) => void).call(m.exports, m.exports, require, m, bundle, __dirname);
}

if (bundleIsCurrent()) runBundle();
else require('./cli');

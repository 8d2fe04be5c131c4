// Bundles mkctl's compiled modules (dist/cli.js and what it imports, @minik8s/shared and the libraries
// included) into dist/mkctl.js, which dist/main.js runs. Part of `npm run build`, after tsc.
const { build } = require('esbuild');
const { rmSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist');

// commander requires child_process at load only to spawn executable subcommands, which mkctl has none of:
// load it when first used instead (it pulls in net and dgram).
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(build) {
    build.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = require('node:fs').readFileSync(args.path, 'utf8');
      const lazy = "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };";
      if (!text.includes("const childProcess = require('node:child_process');")) throw new Error('commander changed: update the lazy child_process shim');
      return { contents: text.replace("const childProcess = require('node:child_process');", lazy), loader: 'js' };
    });
  },
};

build({
  entryPoints: [join(dist, 'cli.js')],
  outfile: join(dist, 'mkctl.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // ws's optional native helpers: absent, and ws copes.
  external: ['bufferutil', 'utf-8-validate'],
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lazyChildProcess],
})
  // A code cache of the previous bundle would be rejected anyway.
  .then(() => rmSync(join(dist, 'mkctl.js.cache'), { force: true }))
  .catch((e) => {
    process.stderr.write(`bundle failed: ${e.message}\n`);
    process.exit(1);
  });

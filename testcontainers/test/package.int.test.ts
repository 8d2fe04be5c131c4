// The package as users get it: `npm pack` of the workspace, installed with @kubernetes/client-node (and
// vitest, to run it) into a fresh directory outside the checkout, from the npm registry and nothing else;
// there the example test (examples/operator.test.ts: a Ready node, a pod Running, its logs, port-forward)
// runs against a real cluster, and afterwards nothing of it is left on the Docker engine.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { docker } from '../../testing/cluster';

const REPO = resolve(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'minik8s-tc-fresh-'));
const version = (pkg: string) => (JSON.parse(readFileSync(join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
const clusters = () => docker(['ps', '-aq', '--filter', 'label=io.minik8s.testcontainers.cluster']).split('\n').filter(Boolean);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[], { cwd = dir, env = {}, timeoutMs = 300_000 }: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): string {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

it('npm pack, npm install in a fresh directory, and the example passes there', async () => {
  // The image, as this checkout builds it (the fresh directory has no checkout to build it from)
  const { buildImages } = createRequire(__filename)(join(REPO, 'scripts', 'cluster.js')) as { buildImages(o: { timeoutMs: number }): Promise<void> };
  await buildImages({ timeoutMs: 1_200_000 });

  expect(dir.startsWith(REPO)).toBe(false);
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', dir, '-w', 'testcontainers'], { cwd: REPO }).trim().split('\n').pop()!;
  const listing = run('tar', ['-tzf', join(dir, tarball)]).split('\n').filter(Boolean);
  expect(listing).toContain('package/dist/index.js');
  expect(listing).toContain('package/dist/reaper-main.js');
  expect(listing).toContain('package/README.md');
  expect(listing.filter((f) => /\/(src|test|examples)\/|\.tsbuildinfo$|bench/.test(f))).toEqual([]);

  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'fresh-user-project',
      private: true,
      devDependencies: { '@minik8s/testcontainers': `file:./${tarball}`, '@kubernetes/client-node': version('@kubernetes/client-node'), vitest: version('vitest') },
    }),
  );
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']);
  expect(readdirSync(join(dir, 'node_modules', '@minik8s'))).toEqual(['testcontainers']);
  copyFileSync(join(REPO, 'testcontainers', 'examples', 'operator.test.ts'), join(dir, 'operator.test.ts'));

  const before = clusters();
  const out = run(join(dir, 'node_modules', '.bin', 'vitest'), ['run', 'operator.test.ts'], { env: { TESTCONTAINERS_RYUK_DISABLED: 'true', MINIK8S_SOURCE: '' }, timeoutMs: 400_000 });
  expect(out).toMatch(/Tests\s+2 passed/);
  expect(clusters().filter((id) => !before.includes(id))).toEqual([]);
}, 1_800_000);

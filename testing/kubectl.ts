// The real kubectl (/usr/bin/kubectl, v1.32) against a test apiserver, for integration tests: a kubeconfig
// in a fresh HOME, a scratch directory for manifests, and runs whose failures name the apiserver's log.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeEnv, tempDir, waitFor, type Apiserver } from './procs';

export const KUBECTL = '/usr/bin/kubectl';

export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RealKubectl {
  /** HOME and KUBECONFIG, for a kubectl spawned by the test itself (a watch). */
  env: NodeJS.ProcessEnv;
  /** The scratch directory `file` writes into. */
  dir: string;
  run(args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<KubectlRun>;
  /** A run that must succeed: its stdout. */
  ok(...args: string[]): Promise<string>;
  /** Write a manifest into the scratch directory: its path. */
  file(name: string, content: string): string;
}

/** kubectl for `api`, once its namespace `default` exists (created in the background after /healthz answers). */
export async function realKubectl(api: Apiserver): Promise<RealKubectl> {
  await waitFor('namespace default', async () => (await fetch(`${api.url}/api/v1/namespaces/default`)).ok, 30_000);
  const env = kubeEnv(api.url);
  const dir = tempDir('minik8s-kubectl-');
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    new Promise<KubectlRun>((done) => {
      execFile(KUBECTL, args, { env: { ...process.env, ...env, ...extraEnv }, timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  return {
    env,
    dir,
    run,
    async ok(...args) {
      const r = await run(args);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} → rc ${r.code}\n${r.stderr}\n${r.stdout}\n(apiserver log ${api.logFile})`);
      return r.stdout;
    },
    file(name, content) {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
  };
}

// vitest global setup: one throwaway cluster PKI for the whole run (every test process inherits its
// folder through MINIK8S_TEST_PKI), removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestPki } from './pki';

export default async function setup(): Promise<() => void> {
  if (process.env.MINIK8S_TEST_PKI) return () => undefined;
  const dir = mkdtempSync(join(tmpdir(), 'minik8s-test-pki-'));
  await makeTestPki(dir);
  process.env.MINIK8S_TEST_PKI = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}

// The kustomize subset against the real kubectl's kustomize (v5, offline): the same objects in the same
// order, the same deprecation warnings, for an overlay of a base (generators merged across levels, prefix,
// commonLabels, images, replicas, patches) and for the newer fields (labels, suffix, digests, files/envs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { kustomizeHash } from '../src/create/hash';
import { retag } from '../src/kustomize/build';

const FIXTURES = join(__dirname, 'fixtures', 'kustomize');
const MKCTL = join(__dirname, '..', 'dist', 'main.js');
const home = mkdtempSync(join(tmpdir(), 'mkctl-kz-'));

const docs = (text: string) => YAML.parseAllDocuments(text).map((d) => d.toJS());

describe('kustomize builds what kubectl kustomize builds', () => {
  it.each(['overlay', 'modern'])('%s', (dir) => {
    const k = spawnSync('/usr/bin/kubectl', ['kustomize', join(FIXTURES, dir)], { env: { ...process.env, HOME: home }, encoding: 'utf8' });
    const m = spawnSync(process.execPath, [MKCTL, 'kustomize', join(FIXTURES, dir)], { env: { ...process.env, HOME: home }, encoding: 'utf8' });
    expect(m.status).toBe(0);
    expect(docs(m.stdout)).toEqual(docs(k.stdout));
    expect(m.stderr).toBe(k.stderr);
  });

  it('refuses what it does not implement, and a missing kustomization, with the path', () => {
    const r = spawnSync(process.execPath, [MKCTL, 'kustomize', FIXTURES], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory");
  });

  it('hashes as kustomize (the name left out) and retags images', () => {
    expect(kustomizeHash({ kind: 'Secret', type: 'Opaque', data: { password: 'czNjcmV0' } })).toBe('bf5fk5d75b');
    expect(kustomizeHash({ kind: 'ConfigMap', data: { GREETING: 'hello world', MODE: 'prod' } })).toBe('b47h9fmcbd');
    expect(retag('nginx:1.24', { name: 'nginx', newTag: '1.25' })).toBe('nginx:1.25');
    expect(retag('nginx', { name: 'nginx', newName: 'reg/nginx' })).toBe('reg/nginx');
    expect(retag('reg:5000/nginx:1', { name: 'reg:5000/nginx', digest: 'sha256:ab' })).toBe('reg:5000/nginx@sha256:ab');
    expect(retag('other:1', { name: 'nginx', newTag: '2' })).toBe('other:1');
  });
});

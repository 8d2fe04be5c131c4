import { describe, expect, it } from 'vitest';
import { category, kindPrefix, parseKeyValues, parseResourceArgs } from '../src/args';
import { discoveryCtx } from './fake-discovery';
import { CliError, ExitCode, exitCodeOf, formatError } from '../src/errors';
import { parseManifests } from '../src/manifests';
import { lastAppliedValue, withLastApplied, LAST_APPLIED } from '../src/commands/apply';
import { ApiError, ConnectionError, KubeconfigError } from '../src/shared';

describe('resource arguments', () => {
  const ctx = discoveryCtx();
  it('TYPE NAME..., TYPE,TYPE, TYPE/NAME, short names and groups', async () => {
    expect((await parseResourceArgs(ctx, ['po', 'a', 'b'])).map((r) => [r.rt.resource, r.names])).toEqual([['pods', ['a', 'b']]]);
    expect((await parseResourceArgs(ctx, ['pods,deploy'])).map((r) => r.rt.resource)).toEqual(['pods', 'deployments']);
    expect((await parseResourceArgs(ctx, ['pod/a', 'deployments.apps/web', 'po/b'])).map((r) => [r.rt.resource, r.names])).toEqual([
      ['pods', ['a', 'b']],
      ['deployments', ['web']],
    ]);
    expect((await parseResourceArgs(ctx, ['all'])).map((r) => r.rt.resource)).toEqual((await category(ctx, 'all')).map((r) => r.resource));
    expect((await category(ctx, 'all')).map((r) => r.resource)).toEqual(['pods', 'services', 'replicationcontrollers', 'deployments', 'replicasets', 'daemonsets', 'statefulsets', 'jobs', 'cronjobs', 'horizontalpodautoscalers']);
  });
  it('fails as kubectl does', async () => {
    await expect(parseResourceArgs(ctx, ['foos'])).rejects.toThrow('the server doesn\'t have a resource type "foos"');
    await expect(parseResourceArgs(ctx, ['pods', 'pod/a'])).rejects.toThrow(/no need to specify a resource type/);
    await expect(parseResourceArgs(ctx, [])).rejects.toThrow(CliError);
    await expect(parseResourceArgs(ctx, ['pods,svc', 'x'])).rejects.toThrow(/single resource type/);
  });
  it('kind prefixes', async () => {
    expect(kindPrefix((await parseResourceArgs(ctx, ['deploy']))[0].rt)).toBe('deployment.apps');
    expect(kindPrefix((await parseResourceArgs(ctx, ['svc']))[0].rt)).toBe('service');
  });
  it('key=value and key- changes', () => {
    expect(parseKeyValues(['a=1', 'b-', 'c='], 'label')).toEqual({ set: { a: '1', c: '' }, remove: ['b'] });
    expect(() => parseKeyValues(['=x'], 'label')).toThrow(/invalid label spec/);
  });
});

describe('error formatting', () => {
  it('server errors, connection errors, client errors', () => {
    const nf = new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', message: 'pods "x" not found', code: 404 });
    expect(formatError(nf)).toBe('Error from server (NotFound): pods "x" not found');
    const inv = new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Invalid', message: 'Pod "x" is invalid: spec: Required value', code: 422 });
    expect(formatError(inv)).toBe('The Pod "x" is invalid: spec: Required value');
    const plain = new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'boom', code: 500 });
    expect(formatError(plain)).toBe('Error from server: boom');
    expect(formatError(new ConnectionError('The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?', 'ECONNREFUSED'))).toMatch(/^The connection/);
    expect(formatError(new KubeconfigError('bad'))).toBe('error: bad');
    expect(formatError(new CliError('x'))).toBe('error: x');
    expect(exitCodeOf(new ExitCode(3))).toBe(3);
    expect(exitCodeOf(new Error('x'))).toBe(1);
  });
});

describe('manifests', () => {
  it('multi-document YAML and Lists', () => {
    const objs = parseManifests('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n---\nkind: List\napiVersion: v1\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n', 'f.yaml');
    expect(objs.map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });
  it('invalid YAML names the file and the line', () => {
    expect(() => parseManifests('a: 1\nb:\n  c: d\n   e: f\n', 'bad.yaml')).toThrow(/^error parsing bad\.yaml: .*line \d+/);
    expect(() => parseManifests('- a\n- b\n', 'l.yaml')).toThrow(/must be a mapping/);
  });
});

describe('last-applied annotation', () => {
  it('is the sorted JSON of the manifest without itself, with empty annotations kept', () => {
    const obj = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'a', namespace: 'default' } };
    expect(lastAppliedValue(obj)).toBe('{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"name":"a","namespace":"default"}}\n');
    const w = withLastApplied(obj);
    expect(w.metadata.annotations?.[LAST_APPLIED]).toBe(lastAppliedValue(obj));
    expect(lastAppliedValue(w)).toBe(lastAppliedValue(obj));
    expect(obj.metadata).not.toHaveProperty('annotations');
  });
});

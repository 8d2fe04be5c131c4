import { mkdtempSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDirFor, isAggregated, preferredTypes, readCache, resolveName, resourceTypes, writeCache } from '../src/discovery';
import { RESOURCES, type ResourceType } from '../src/shared';
import { docsOf } from './fake-discovery';

const rt = (group: string, version: string, kind: string, resource: string, extra: Partial<ResourceType> = {}): ResourceType => ({
  group, version, kind, listKind: `${kind}List`, resource, singular: kind.toLowerCase(), namespaced: true, shortNames: [], categories: [], subresources: [], verbs: ['get', 'list'], ...extra,
});

describe('discovery', () => {
  it('recognises aggregated discovery by its content type only', () => {
    expect(isAggregated('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList')).toBe(true);
    expect(isAggregated('application/json; charset=utf-8;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList')).toBe(true);
    expect(isAggregated('application/json; charset=utf-8')).toBe(false);
    expect(isAggregated(undefined)).toBe(false);
  });

  it('converts aggregated documents to the legacy lists kubectl caches, core first, subresources included', () => {
    const docs = docsOf();
    expect(docs.groups.groups[0]).toEqual({ name: '', versions: [{ groupVersion: 'v1', version: 'v1' }], preferredVersion: { groupVersion: 'v1', version: 'v1' } });
    const pods = docs.resources.get('v1')!.resources.filter((r) => r.name.startsWith('pods'));
    expect(pods[0]).toMatchObject({ name: 'pods', singularName: 'pod', namespaced: true, version: 'v1', kind: 'Pod', shortNames: ['po'], categories: ['all'] });
    expect(pods.map((r) => r.name)).toContain('pods/log');
    const types = resourceTypes(docs);
    expect(types.map((r) => `${r.group}/${r.resource}`).sort()).toEqual(RESOURCES.map((r) => `${r.group}/${r.resource}`).sort());
    expect(types.find((r) => r.resource === 'pods')!.subresources).toContain('exec');
  });

  it('resolves names as kubectl: short names first, then plural/singular/kind, group-qualified, core before other groups', () => {
    const types = [
      rt('', 'v1', 'Pod', 'pods', { shortNames: ['po'] }),
      rt('metrics.k8s.io', 'v1beta1', 'PodMetrics', 'pods'),
      rt('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', { shortNames: ['hpa'] }),
      rt('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', { shortNames: ['hpa'] }),
      rt('example.com', 'v1', 'Widget', 'widgets', { shortNames: ['pod'] }),
    ];
    expect(resolveName(types, 'pods')!.group).toBe('');
    expect(resolveName(types, 'PODS')!.group).toBe('');
    expect(resolveName(types, 'pods.metrics.k8s.io')!.kind).toBe('PodMetrics');
    expect(resolveName(types, 'hpa')!.version).toBe('v2');
    expect(resolveName(types, 'horizontalpodautoscalers.v1.autoscaling')!.version).toBe('v1');
    expect(resolveName(types, 'pod')!.kind).toBe('Widget'); // a short name wins over a singular, as kubectl's expander
    expect(resolveName(types, 'nope')).toBeUndefined();
  });

  it('api-resources lists each group at its preferred version, plus resources only other versions serve', () => {
    const docs = docsOf([rt('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers'), rt('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers'), rt('autoscaling', 'v1', 'Old', 'olds')]);
    const pref = preferredTypes(resourceTypes(docs), docs);
    expect(pref.map((r) => `${r.resource}@${r.version}`)).toEqual(['horizontalpodautoscalers@v2', 'olds@v1']);
  });

  it('caches in kubectl layout under <host_port>, honours the 6 h TTL', () => {
    expect(cacheDirFor('/h/.kube/cache/discovery', 'http://127.0.0.1:6443')).toBe('/h/.kube/cache/discovery/127.0.0.1_6443');
    expect(cacheDirFor('/c', 'https://api.example:443/prefix')).toBe('/c/api.example_443/prefix');
    const dir = join(mkdtempSync(join(tmpdir(), 'mkctl-disc-')), '127.0.0.1_1');
    const docs = docsOf();
    writeCache(dir, docs);
    expect(JSON.parse(readFileSync(join(dir, 'servergroups.json'), 'utf8')).kind).toBe('APIGroupList');
    expect(JSON.parse(readFileSync(join(dir, 'apps', 'v1', 'serverresources.json'), 'utf8')).groupVersion).toBe('apps/v1');
    expect(statSync(join(dir, 'servergroups.json')).mode & 0o777).toBe(0o660);
    const back = readCache(dir)!;
    expect(resourceTypes(back)).toEqual(resourceTypes(docs));
    const old = (Date.now() - 7 * 3600_000) / 1000;
    utimesSync(join(dir, 'batch', 'v1', 'serverresources.json'), old, old);
    expect(readCache(dir)).toBeUndefined();
  });
});

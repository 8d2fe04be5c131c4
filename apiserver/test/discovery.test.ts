import { describe, expect, it } from 'vitest';
import { aggregatedContentType, aggregatedDiscovery, aggregatedRequested, apiGroupList, apiResourceList } from '../src/discovery';
import { kinds } from './kinds';

const RESOURCES = kinds.served().filter((r) => !r.strategy.hidden);

const KUBECTL_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

describe('aggregated discovery', () => {
  it('is sent only when asked for, with the content type client-go detects', () => {
    expect(aggregatedRequested(KUBECTL_ACCEPT)).toBe('v2');
    expect(aggregatedRequested('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList')).toBe('v2beta1');
    expect(aggregatedRequested('application/json, */*')).toBeUndefined();
    expect(aggregatedRequested(undefined)).toBeUndefined();
    expect(aggregatedContentType('v2')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  });

  it('describes core pods as upstream does', () => {
    const core = aggregatedDiscovery(RESOURCES, true);
    expect(core.kind).toBe('APIGroupDiscoveryList');
    expect(core.items).toHaveLength(1);
    const v1 = core.items[0].versions[0];
    expect(v1.version).toBe('v1');
    const pods = v1.resources.find((r: any) => r.resource === 'pods') as any;
    expect(pods).toMatchObject({
      responseKind: { group: '', version: 'v1', kind: 'Pod' },
      scope: 'Namespaced',
      singularResource: 'pod',
      shortNames: ['po'],
      categories: ['all'],
    });
    expect(pods.verbs).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    expect(pods.subresources).toContainEqual({
      subresource: 'eviction',
      responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' },
      verbs: ['create'],
    });
    expect(v1.resources.find((r: any) => r.resource === 'nodes')).toMatchObject({ scope: 'Cluster' });
  });

  it('lists every named group with scale subresources on apps', () => {
    const groups = aggregatedDiscovery(RESOURCES, false);
    expect(groups.items.map((i) => i.metadata.name)).toEqual([
      'apps',
      'authentication.k8s.io',
      'authorization.k8s.io',
      'batch',
      'autoscaling',
      'policy',
      'rbac.authorization.k8s.io',
      'coordination.k8s.io',
      'discovery.k8s.io',
      'networking.k8s.io',
      'storage.k8s.io',
      'apiextensions.k8s.io',
      'events.k8s.io',
    ]);
    expect(groups.items[4].versions.map((v) => v.version)).toEqual(['v2', 'v1']);
    const deploy = groups.items[0].versions[0].resources.find((r: any) => r.resource === 'deployments') as any;
    expect(deploy.subresources).toContainEqual({
      subresource: 'scale',
      responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      verbs: ['get', 'patch', 'update'],
    });
  });

  it('lists the create-only authentication.k8s.io reviews and serviceaccounts/token from their kinds', () => {
    const auth = aggregatedDiscovery(RESOURCES, false).items.find((i) => i.metadata.name === 'authentication.k8s.io')!;
    expect(auth.versions[0].resources.map((r: any) => [r.resource, r.scope, r.verbs])).toEqual([
      ['tokenreviews', 'Cluster', ['create']],
      ['selfsubjectreviews', 'Cluster', ['create']],
    ]);
    const sa = aggregatedDiscovery(RESOURCES, true).items[0].versions[0].resources.find(
      (r: any) => r.resource === 'serviceaccounts',
    ) as any;
    expect(sa.subresources).toEqual([
      { subresource: 'token', responseKind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] },
    ]);
  });
});

describe('legacy discovery', () => {
  it('APIGroupList with preferred versions', () => {
    const l = apiGroupList(RESOURCES);
    // HorizontalPodAutoscalers are served at v2 (stored, preferred) and v1, as upstream
    expect(l.groups.find((g) => g.name === 'autoscaling')).toEqual({
      name: 'autoscaling',
      versions: [
        { groupVersion: 'autoscaling/v2', version: 'v2' },
        { groupVersion: 'autoscaling/v1', version: 'v1' },
      ],
      preferredVersion: { groupVersion: 'autoscaling/v2', version: 'v2' },
    });
    expect(apiResourceList(RESOURCES, { group: 'autoscaling', version: 'v1' })!.resources).toEqual([
      {
        name: 'horizontalpodautoscalers',
        singularName: 'horizontalpodautoscaler',
        namespaced: true,
        kind: 'HorizontalPodAutoscaler',
        verbs: expect.any(Array),
        shortNames: ['hpa'],
        categories: ['all'],
      },
      {
        name: 'horizontalpodautoscalers/status',
        singularName: '',
        namespaced: true,
        kind: 'HorizontalPodAutoscaler',
        verbs: ['get', 'patch', 'update'],
      },
    ]);
  });

  it('APIResourceList with subresource entries', () => {
    const l = apiResourceList(RESOURCES, { group: 'apps', version: 'v1' })!;
    expect(l.groupVersion).toBe('apps/v1');
    expect(l.resources).toContainEqual({
      name: 'deployments/scale',
      singularName: '',
      namespaced: true,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
    expect(l.resources).toContainEqual(
      expect.objectContaining({
        name: 'deployments',
        singularName: 'deployment',
        kind: 'Deployment',
        shortNames: ['deploy'],
        categories: ['all'],
      }),
    );
    expect(apiResourceList(RESOURCES, { group: 'apps', version: 'v9' })).toBeUndefined();
  });
});

// clusterrole-aggregation's pure part: an aggregated ClusterRole's rules from the roles its selectors match.
import { describe, expect, it } from 'vitest';
import { aggregatedRules, type ClusterRole } from '../src/controllers/clusterroleaggregation/controller';

const role = (
  name: string,
  labels: Record<string, string>,
  rules: ClusterRole['rules'],
  aggregationRule?: ClusterRole['aggregationRule'],
): ClusterRole => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels },
  rules,
  ...(aggregationRule ? { aggregationRule } : {}),
});
const get = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
const list = { verbs: ['list'], apiGroups: [''], resources: ['pods'] };
const crons = { verbs: ['get'], apiGroups: ['stable.example.com'], resources: ['crontabs'] };

describe('aggregatedRules', () => {
  const view = role('view', {}, [], { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
  const toView = { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' };
  it('gathers the matching roles in name order, each rule once, skipping itself and others', () => {
    const all = [
      view,
      role('z-crd', toView, [crons, get]),
      role('a-core', toView, [get, list]),
      role('other', {}, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]),
    ];
    expect(aggregatedRules(view, all)).toEqual([get, list, crons]);
  });
  it('matchExpressions and several selectors', () => {
    const agg = role('agg', {}, [], {
      clusterRoleSelectors: [{ matchExpressions: [{ key: 'team', operator: 'In', values: ['a'] }] }, { matchLabels: { extra: 'yes' } }],
    });
    expect(aggregatedRules(agg, [agg, role('b', { extra: 'yes' }, [list]), role('a', { team: 'a' }, [get])])).toEqual([get, list]);
  });
  it('nothing matched: no rules', () => expect(aggregatedRules(view, [view])).toEqual([]));
});

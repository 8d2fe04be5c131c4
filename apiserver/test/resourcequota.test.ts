import { describe, expect, it } from 'vitest';
import { resourceQuotas } from '../src/kinds/core/resourcequota';
import type { Obj } from '../src/registry/objects';

const quota = (spec: Obj, status?: Obj): Obj => ({ metadata: { name: 'q', namespace: 'ns' }, spec, ...(status ? { status } : {}) });
const messages = (o: Obj) => resourceQuotas.validate!(o).map((c) => `${c.field}: ${c.message}`);

describe('ResourceQuota validation (ValidateResourceQuota)', () => {
  it.each<[string, Obj, string[]]>([
    ['a valid quota', quota({ hard: { pods: '10', 'requests.cpu': '2', 'limits.memory': '4Gi', 'count/deployments.apps': '3', 'gold.storageclass.storage.k8s.io/requests.storage': '10Gi' } }), []],
    ['a non-standard name', quota({ hard: { widgets: '1' } }), ['spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota']],
    ['a negative value', quota({ hard: { 'requests.memory': '-1Gi' } }), ['spec.hard[requests.memory]: Invalid value: "-1Gi": must be greater than or equal to 0']],
    ['a fractional count', quota({ hard: { 'count/pods': '500m' } }), ['spec.hard[count/pods]: Invalid value: "500m": must be an integer']],
    ['an unknown scope', quota({ hard: { pods: '1' }, scopes: ['Sometimes'] }), ['spec.scopes: Invalid value: ["Sometimes"]: unsupported scope']],
    ['a scope that does not fit the resource', quota({ hard: { services: '1' }, scopes: ['NotTerminating'] }), ['spec.scopes: Invalid value: ["NotTerminating"]: unsupported scope applied to resource']],
    ['conflicting scopes', quota({ hard: { pods: '1' }, scopes: ['BestEffort', 'NotBestEffort'] }), ['spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes']],
    ['a bad used value', quota({ hard: { pods: '1' } }, { used: { pods: '-1' } }), ['status.used[pods]: Invalid value: "-1": must be greater than or equal to 0']],
  ])('%s', (_n, o, want) => expect(messages(o)).toEqual(want));
});

describe('kubectl get quota cells', () => {
  it('splits requests and limits, sorted, used/hard', () => {
    const o = quota({}, { hard: { 'limits.cpu': '2', pods: '4', 'requests.memory': '1024Mi' }, used: { 'limits.cpu': '500m', 'requests.memory': '128Mi' } });
    expect(resourceQuotas.table!.cells(o, Date.now()).slice(2)).toEqual(['pods: 0/4, requests.memory: 128Mi/1Gi', 'limits.cpu: 500m/2']);
  });
});

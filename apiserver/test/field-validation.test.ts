// fieldValidation against each kind's OpenAPI schema: unknown fields at every depth (lists, maps, nested
// structs, the served version's own schema), and the three modes through the routes as upstream answers
// them: Strict → 400 (create, update) or 422 (patch), Warn (the default) → `Warning` headers, Ignore →
// nothing, anything else → 422.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goValue, unknownFields } from '../src/registry/strict';
import { kindSchema } from '../src/registry/schemas';
import type { ServedResource } from '../src/registry/kinds';
import { inProcessServer } from './inprocess';
import { kind, kinds } from './kinds';

const pod = (spec: object = {}, metadata: object = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'x', 'any.key/name': 'y' }, ...metadata },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});
const unknown = (r: ServedResource, obj: unknown) => unknownFields(kindSchema(r), obj);

describe('unknown fields against the schema', () => {
  const pods = kind('pods');

  it('finds none in a valid object, whatever its maps hold', () => {
    expect(unknown(pods, pod({ nodeSelector: { 'kubernetes.io/os': 'linux' }, overhead: { cpu: '1' } }, { annotations: { a: 'b' } }))).toEqual([]);
  });

  it('finds them at every depth, in the order of the document', () => {
    const o = {
      ...pod({
        containers: [
          { name: 'c', image: 'x', imagee: 'y', livenessProbe: { httpGet: { pth: '/', port: 80 } }, env: [{ name: 'A', valueFrom: { fieldRef: { fieldPaht: 'x' } } }] },
          { name: 'd', image: 'x', securityContext: { capabilities: { add: ['NET_ADMIN'], drop: [], remove: [] } } },
        ],
        volumes: [{ name: 'v', configMap: { name: 'cm', itmes: [] } }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', valuez: [] }] }] } } },
        nodename: 'x',
      }),
      foo: 1,
      status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True', reasn: 'x' }] },
    };
    o.metadata = { ...o.metadata, ...{ nmae: 'typo' } };
    expect(unknown(pods, o)).toEqual([
      'metadata.nmae',
      'spec.containers[0].imagee',
      'spec.containers[0].livenessProbe.httpGet.pth',
      'spec.containers[0].env[0].valueFrom.fieldRef.fieldPaht',
      'spec.containers[1].securityContext.capabilities.remove',
      'spec.volumes[0].configMap.itmes',
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].valuez',
      'spec.nodename',
      'foo',
      'status.conditions[0].reasn',
    ]);
  });

  it('checks the kinds that were open before at depth too (a Deployment template, a DaemonSet spec)', () => {
    const deploy = kind('deployments', 'apps');
    expect(unknown(deploy, { spec: { replcias: 3, strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailble: 1 } }, template: { spec: pod().spec } } })).toEqual([
      'spec.replcias',
      'spec.strategy.rollingUpdate.maxUnavailble',
    ]);
    expect(unknown(kind('daemonsets', 'apps'), { spec: { updateStrategy: { type: 'OnDelete' }, minReadySecond: 1 } })).toEqual(['spec.minReadySecond']);
  });

  it('uses the served version: an autoscaling/v1 HPA knows targetCPUUtilizationPercentage, v2 does not', () => {
    const v1 = kinds.lookup('autoscaling', 'v1', 'horizontalpodautoscalers')!;
    const v2 = kinds.lookup('autoscaling', 'v2', 'horizontalpodautoscalers')!;
    const spec = { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 };
    expect(unknown(v1, { spec })).toEqual([]);
    expect(unknown(v2, { spec })).toEqual(['spec.targetCPUUtilizationPercentage']);
  });

  it('leaves opaque values alone (ControllerRevision.data, managedFields[].fieldsV1)', () => {
    expect(unknown(kind('controllerrevisions', 'apps'), { data: { anything: { at: ['all'] } }, revision: 1 })).toEqual([]);
    expect(unknown(pods, { metadata: { managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': {} } }] } })).toEqual([]);
  });

  it('prints a strategic merge patch as Go does', () => {
    expect(goValue({ spec: { replcias: 3, b: [{ name: 'x' }, 'y'], a: null, t: true } })).toBe('map[spec:map[a:<nil> b:[map[name:x] y] replcias:3 t:true]]');
  });
});

describe('fieldValidation through the routes', () => {
  const { req, ready, close } = inProcessServer();
  beforeAll(ready);
  afterAll(close);
  const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
  const deployment = (name: string, spec: object = {}) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: pod().spec }, ...spec },
  });

  it('Strict: a create or update with an unknown field is a 400 worded as upstream', async () => {
    const r = await req('POST', `${DEPLOYS}?fieldValidation=Strict`, deployment('s', { replcias: 3 }));
    expect(r.code).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replcias"' });
    expect((await req('POST', `${DEPLOYS}?fieldValidation=Strict`, deployment('s'))).code).toBe(201);
    const put = await req('PUT', `${DEPLOYS}/s?fieldValidation=Strict`, deployment('s', { template: { spec: { containers: [{ name: 'c', image: 'x', imagePullPolcy: 'Always' }] } } }));
    expect(put.body.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"');
  });

  it('Strict: a patch that leaves an unknown field is a 422 on "patch", the strategic merge patch shown as Go prints it', async () => {
    const smp = await req('PATCH', `${DEPLOYS}/s?fieldValidation=Strict`, { spec: { replcias: 3 } }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(smp.code).toBe(422);
    expect(smp.body).toMatchObject({
      reason: 'Invalid',
      message: ' "" is invalid: patch: Invalid value: "map[spec:map[replcias:3]]": strict decoding error: unknown field "spec.replcias"',
      details: { causes: [{ reason: 'FieldValueInvalid', field: 'patch' }] },
    });
    const merge = await req('PATCH', `${DEPLOYS}/s?fieldValidation=Strict`, { metadata: { labelz: {} } }, { 'content-type': 'application/merge-patch+json' });
    expect(merge.code).toBe(422);
    // the patched object, cut short as every long bad value is
    expect(merge.body.message).toMatch(/^ "" is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"apps\/v1\\",.*\.\.\.: strict decoding error: unknown field "metadata.labelz"$/);
    expect((await req('GET', `${DEPLOYS}/s`)).body.spec.replcias).toBeUndefined();
  });

  it('Warn, and no fieldValidation at all: the write succeeds with one Warning header per unknown field', async () => {
    for (const q of ['?fieldValidation=Warn', '']) {
      const name = `w${q ? 1 : 2}`;
      const r = await req('POST', `${DEPLOYS}${q}`, { ...deployment(name, { replcias: 3, paused: false }), extra: 'x' });
      expect(r.code).toBe(201);
      expect(r.headers.warning).toEqual(['299 - "unknown field \\"spec.replcias\\""', '299 - "unknown field \\"extra\\""']);
    }
    // dropped, as upstream's decoding into its Go types drops them
    const stored = (await req('GET', `${DEPLOYS}/w1`)).body;
    expect(stored.spec.replcias).toBeUndefined();
    expect(stored.extra).toBeUndefined();
    expect(stored.spec.paused).toBe(false);
    const patched = await req('PATCH', `${DEPLOYS}/w1`, { spec: { pasued: true } }, { 'content-type': 'application/merge-patch+json' });
    expect(patched.code).toBe(200);
    expect(patched.headers.warning).toBe('299 - "unknown field \\"spec.pasued\\""');
    expect(patched.body.spec.pasued).toBeUndefined();
    expect((await req('POST', DEPLOYS, deployment('w3'))).headers.warning).toBeUndefined();
  });

  it('a field name that is not ASCII goes out as UTF-8 bytes, as Go sends it', async () => {
    const r = await req('POST', DEPLOYS, deployment('u', { 'größe': 1 }));
    expect(r.code).toBe(201);
    expect(Buffer.from(String(r.headers.warning), 'latin1').toString('utf8')).toBe('299 - "unknown field \\"spec.größe\\""');
  });

  it('Ignore: no warning, the unknown field dropped all the same', async () => {
    const r = await req('POST', `${DEPLOYS}?fieldValidation=Ignore`, deployment('i', { replcias: 3 }));
    expect(r.code).toBe(201);
    expect(r.headers.warning).toBeUndefined();
    expect(r.body.spec.replcias).toBeUndefined();
  });

  it('any other value is a 422 on the request options, as upstream', async () => {
    const r = await req('POST', `${DEPLOYS}?fieldValidation=strict`, deployment('x'));
    expect(r.code).toBe(422);
    expect(r.body).toMatchObject({
      reason: 'Invalid',
      message: 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
      details: { group: 'meta.k8s.io', kind: 'CreateOptions', causes: [{ field: 'fieldValidation', reason: 'FieldValueNotSupported' }] },
    });
    expect((await req('PATCH', `${DEPLOYS}/s?fieldValidation=No`, {}, { 'content-type': 'application/merge-patch+json' })).body.message).toMatch(/^PatchOptions\.meta\.k8s\.io "" is invalid/);
  });

  it('status writes are checked against the same schema', async () => {
    const r = await req('PATCH', `${DEPLOYS}/s/status?fieldValidation=Strict`, { status: { replicas: 1, readyReplicaz: 1 } }, { 'content-type': 'application/merge-patch+json' });
    expect(r.code).toBe(422);
    expect(r.body.message).toMatch(/unknown field "status.readyReplicaz"/);
  });
});

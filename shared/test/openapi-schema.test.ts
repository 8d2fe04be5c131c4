// The schema graph compiled from upstream's OpenAPI definitions: the strategic merge patch metadata it
// yields agrees with the table minik8s typed by hand before (from k8s.io/api's struct tags), for every
// field that table had; list types and map keys for server-side apply; recursion; CRD-style schemas.
import { describe, expect, it } from 'vitest';
import { SchemaCompiler, upstreamDefinitionName, upstreamKindSchema, type ListNode, type MapNode, type SchemaNode } from '../src/openapi';
import { fieldMeta, schemaFor } from '../src/patch/schema';

// --- the hand-typed table this schema replaced (shared/src/patch/schema.ts before issue 14), as it was ---
interface OldField {
  mergeKey?: string;
  setMerge?: boolean;
  retainKeys?: boolean;
  type?: OldType;
}
interface OldType {
  fields: Record<string, OldField>;
}
const t = (fields: Record<string, OldField>): OldType => ({ fields });
const byKey = (mergeKey: string, type?: OldType, retainKeys = false): OldField => ({ mergeKey, type, retainKeys: retainKeys || undefined });
const obj = (type: OldType, retainKeys = false): OldField => ({ type, retainKeys: retainKeys || undefined });
const conditions = byKey('type');
const objectMeta = t({ ownerReferences: byKey('uid'), finalizers: { setMerge: true } });
const container = t({
  ports: byKey('containerPort'),
  env: byKey('name'),
  volumeMounts: byKey('mountPath'),
  volumeDevices: byKey('devicePath'),
});
const podSpec = t({
  volumes: byKey('name', undefined, true),
  initContainers: byKey('name', container),
  containers: byKey('name', container),
  ephemeralContainers: byKey('name', container),
  imagePullSecrets: byKey('name'),
  hostAliases: byKey('ip'),
  topologySpreadConstraints: byKey('topologyKey'),
  schedulingGates: byKey('name'),
  resourceClaims: byKey('name', undefined, true),
});
const podStatus = t({ conditions, podIPs: byKey('ip'), hostIPs: byKey('ip') });
const podTemplateSpec = t({ metadata: obj(objectMeta), spec: obj(podSpec) });
const workloadStatus = t({ conditions });
const top = (spec?: OldType, status?: OldType, extra: Record<string, OldField> = {}): OldType =>
  t({ metadata: obj(objectMeta), ...(spec ? { spec: obj(spec) } : {}), ...(status ? { status: obj(status) } : {}), ...extra });
const jobSpec = t({ template: obj(podTemplateSpec) });
const OLD: Record<string, OldType> = {
  'v1/Pod': top(podSpec, podStatus),
  'v1/PodTemplate': top(undefined, undefined, { template: obj(podTemplateSpec) }),
  'v1/Namespace': top(t({ finalizers: {} }), t({ conditions })),
  'v1/Service': top(t({ ports: byKey('port') }), t({ conditions })),
  'v1/Node': top(t({ podCIDRs: { setMerge: true } }), t({ conditions, addresses: byKey('type') })),
  'v1/ServiceAccount': top(undefined, undefined, { secrets: byKey('name'), imagePullSecrets: byKey('name') }),
  'v1/ReplicationController': top(t({ template: obj(podTemplateSpec) }), workloadStatus),
  'v1/ConfigMap': top(),
  'v1/Secret': top(),
  'v1/Endpoints': top(),
  'v1/Event': top(),
  'apps/v1/Deployment': top(t({ template: obj(podTemplateSpec), strategy: obj(t({}), true) }), workloadStatus),
  'apps/v1/ReplicaSet': top(t({ template: obj(podTemplateSpec) }), workloadStatus),
  'apps/v1/DaemonSet': top(t({ template: obj(podTemplateSpec) }), workloadStatus),
  'apps/v1/StatefulSet': top(t({ template: obj(podTemplateSpec) }), workloadStatus),
  'apps/v1/ControllerRevision': top(),
  'batch/v1/Job': top(jobSpec, t({ conditions })),
  'batch/v1/CronJob': top(t({ jobTemplate: obj(t({ metadata: obj(objectMeta), spec: obj(jobSpec) })) })),
  'autoscaling/v2/HorizontalPodAutoscaler': top(undefined, t({ conditions })),
  'autoscaling/v1/Scale': top(),
  'coordination.k8s.io/v1/Lease': top(),
  'discovery.k8s.io/v1/EndpointSlice': top(),
};

/** Each field of the old table, with the metadata the schema gives at the same path. */
function compare(old: OldType, node: SchemaNode | undefined, path: string, out: { path: string; old: object; now: object }[]): void {
  for (const [name, f] of Object.entries(old.fields)) {
    const m = fieldMeta(node, name);
    const p = `${path}.${name}`;
    out.push({
      path: p,
      old: { mergeKey: f.mergeKey, setMerge: f.setMerge, retainKeys: f.retainKeys },
      now: { mergeKey: m?.mergeKey, setMerge: m?.setMerge, retainKeys: m?.retainKeys },
    });
    if (f.type) compare(f.type, m?.type, p, out);
  }
}

const at = (node: SchemaNode | undefined, ...path: string[]): SchemaNode | undefined =>
  path.reduce<SchemaNode | undefined>((n, f) => {
    if (n?.kind === 'list') n = n.items;
    return n?.kind === 'map' ? (n.fields.get(f)?.node ?? n.values) : undefined;
  }, node);

describe('strategic merge patch metadata from the OpenAPI schema', () => {
  it('agrees with the hand-typed table it replaced, for every kind and field that table had', () => {
    const fields: { path: string; old: object; now: object }[] = [];
    for (const [gvk, old] of Object.entries(OLD)) {
      const slash = gvk.lastIndexOf('/');
      const schema = schemaFor(gvk.slice(0, slash), gvk.slice(slash + 1));
      expect(schema, gvk).toBeDefined();
      compare(old, schema, gvk, fields);
    }
    expect(fields.length).toBeGreaterThan(300);
    // The one place the table was wrong: ServiceAccount.imagePullSecrets has no patch tags upstream (it is
    // `+listType=atomic`), so kubectl replaces the list, and so do we now.
    const differ = fields.filter((f) => JSON.stringify(f.now) !== JSON.stringify(f.old));
    expect(differ).toEqual([{ path: 'v1/ServiceAccount.imagePullSecrets', old: { mergeKey: 'name' }, now: {} }]);
  });

  it('knows kinds the old table did not (every kind upstream defines), and none upstream does not', () => {
    expect(fieldMeta(schemaFor('policy/v1', 'PodDisruptionBudget'), 'status')?.type).toBeDefined();
    expect(fieldMeta(at(schemaFor('policy/v1', 'PodDisruptionBudget'), 'status'), 'conditions')?.mergeKey).toBe('type');
    expect(fieldMeta(at(schemaFor('networking.k8s.io/v1', 'Ingress'), 'spec'), 'rules')).toEqual({
      type: expect.objectContaining({ kind: 'map' }),
    });
    expect(schemaFor('example.com/v1', 'Widget')).toBeUndefined();
    expect(schemaFor(undefined, 'Pod')).toBeUndefined();
  });

  it('map entries: a map of objects applies its value schema to every key', () => {
    // ConfigMap.data is map[string]string; PodSpec.overhead is map[string]Quantity (a string or a number)
    const overhead = fieldMeta(at(schemaFor('v1', 'Pod'), 'spec'), 'overhead');
    expect(overhead?.type).toMatchObject({ kind: 'map', values: { kind: 'scalar' } });
    expect(fieldMeta(overhead?.type, 'cpu')).toEqual({ type: { kind: 'scalar', type: 'untyped' } });
  });
});

describe('list types and map keys (what server-side apply merges by)', () => {
  const podSpec = () => at(upstreamKindSchema('', 'v1', 'Pod'), 'spec') as MapNode;

  it('map lists carry their keys, sets and atomic lists their type', () => {
    const containers = podSpec().fields.get('containers')!.node as ListNode;
    expect(containers).toMatchObject({ kind: 'list', listType: 'map', mapKeys: ['name'] });
    const ports = at(podSpec(), 'containers', 'ports') as ListNode;
    expect(ports).toMatchObject({ listType: 'map', mapKeys: ['containerPort', 'protocol'] });
    expect(at(podSpec(), 'containers', 'args')).toMatchObject({
      kind: 'list',
      listType: 'atomic',
      items: { kind: 'scalar', type: 'string' },
    });
    expect(at(upstreamKindSchema('', 'v1', 'Pod'), 'metadata', 'finalizers')).toMatchObject({ listType: 'set' });
  });

  it('atomic structs and granular maps', () => {
    expect(at(podSpec(), 'imagePullSecrets')).toMatchObject({ listType: 'map', items: { kind: 'map', mapType: 'atomic' } });
    expect(at(upstreamKindSchema('apps', 'v1', 'Deployment'), 'spec', 'selector')).toMatchObject({ kind: 'map', mapType: 'atomic' });
    expect(at(upstreamKindSchema('', 'v1', 'ConfigMap'), 'data')).toMatchObject({
      kind: 'map',
      mapType: 'granular',
      values: { kind: 'scalar' },
    });
  });

  it('int-or-string and the opaque types (RawExtension, FieldsV1) ', () => {
    expect(at(upstreamKindSchema('apps', 'v1', 'Deployment'), 'spec', 'strategy', 'rollingUpdate', 'maxSurge')).toEqual({
      kind: 'scalar',
      type: 'int-or-string',
    });
    expect(at(upstreamKindSchema('apps', 'v1', 'ControllerRevision'), 'data')).toEqual({ kind: 'any', atomic: true });
    expect(at(upstreamKindSchema('', 'v1', 'Pod'), 'metadata', 'managedFields', 'fieldsV1')).toEqual({ kind: 'any' });
  });

  it('each definition is compiled once and shared, so recursive definitions terminate', () => {
    const name = upstreamDefinitionName('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition')!;
    const crd = SchemaCompiler.of({ ...{} }).definition(name);
    expect(crd).toEqual({ kind: 'any' }); // not in that (empty) set
    const props = at(
      upstreamKindSchema('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition'),
      'spec',
      'versions',
      'schema',
      'openAPIV3Schema',
    ) as MapNode;
    expect(at(props, 'properties')).toMatchObject({ kind: 'map', values: props });
    expect(at(upstreamKindSchema('', 'v1', 'Pod'), 'spec', 'containers')).toBe(
      at(upstreamKindSchema('apps', 'v1', 'Deployment'), 'spec', 'template', 'spec', 'containers'),
    );
  });
});

describe('a kind schema of its own (a CustomResourceDefinition)', () => {
  const compiler = new SchemaCompiler(() => undefined);
  const node = compiler.node({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          size: { 'x-kubernetes-int-or-string': true },
          tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
          extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          empty: { type: 'object' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          anything: { 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  });

  it('compiles the x-kubernetes extensions of structural schemas', () => {
    expect(at(node, 'spec', 'size')).toEqual({ kind: 'scalar', type: 'int-or-string' });
    expect(at(node, 'spec', 'tags')).toMatchObject({ listType: 'set' });
    expect(at(node, 'spec', 'extra')).toMatchObject({ kind: 'map', preserveUnknownFields: true, fields: new Map() });
    expect(at(node, 'spec', 'empty')).toMatchObject({ kind: 'map', preserveUnknownFields: false, fields: new Map() });
    expect((at(node, 'spec', 'empty') as MapNode).values).toBeUndefined();
    expect(at(node, 'spec', 'labels')).toMatchObject({ kind: 'map', values: { kind: 'scalar', type: 'string' } });
    expect(at(node, 'spec', 'anything')).toEqual({ kind: 'any' });
  });
});

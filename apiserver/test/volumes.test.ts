// PersistentVolumes, PersistentVolumeClaims and StorageClasses: validation, defaults and tables as
// upstream's, then the storage admission steps (DefaultStorageClass, StorageObjectInUseProtection,
// PersistentVolumeClaimResize) through the whole apiserver, in-process on the in-memory store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareForCreate, validateObject, validateObjectUpdate } from '../src/registry/prepare';
import { toTable } from '../src/tables';
import type { ServedResource } from '../src/registry/kinds';
import { kind } from './kinds';
import { inProcessServer } from './inprocess';

const PV = kind('persistentvolumes');
const PVC = kind('persistentvolumeclaims');
const SC = kind('storageclasses', 'storage.k8s.io');
const STS = kind('statefulsets', 'apps');

const fields = (r: ServedResource, o: object) => validateObject(r, o).map((c) => c.field);
const messages = (r: ServedResource, o: object) => validateObject(r, o).map((c) => `${c.field}: ${c.message}`);

function pv(spec: Record<string, unknown> = {}, name = 'pv1') {
  return { metadata: { name }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data/pv1' }, ...spec } };
}
function pvc(spec: Record<string, unknown> = {}, name = 'data') {
  return { metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec } };
}

describe('PersistentVolume validation', () => {
  it.each<[string, object, string[]]>([
    ['a valid hostPath volume', pv(), []],
    ['no access modes', pv({ accessModes: [] }), ['spec.accessModes']],
    ['an unknown access mode', pv({ accessModes: ['ReadSometimes'] }), ['spec.accessModes']],
    ['ReadWriteOncePod with another mode', pv({ accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'] }), ['spec.accessModes']],
    ['no capacity', pv({ capacity: undefined }), ['spec.capacity', 'spec.capacity']],
    ['a capacity that is not storage', pv({ capacity: { cpu: '1' } }), ['spec.capacity']],
    ['a zero capacity', pv({ capacity: { storage: '0' } }), ['spec.capacity[storage]']],
    ['a capacity that is not a quantity', pv({ capacity: { storage: 'big' } }), ['spec.capacity[storage]']],
    ['a relative host path', pv({ hostPath: { path: 'data' } }), ['spec.hostPath.path']],
    ['a host path with ..', pv({ hostPath: { path: '/data/../etc' } }), ['spec.hostPath.path']],
    ['an unknown host path type', pv({ hostPath: { path: '/d', type: 'Folder' } }), ['spec.hostPath.type']],
    ['no volume source', pv({ hostPath: undefined }), ['spec']],
    ['two volume sources', pv({ nfs: { server: 's', path: '/x' } }), ['spec.nfs']],
    ['a local volume without node affinity', pv({ hostPath: undefined, local: { path: '/mnt/disk' } }), ['spec.nodeAffinity']],
    ['node affinity without terms', pv({ nodeAffinity: { required: { nodeSelectorTerms: [] } } }), ['spec.nodeAffinity.required.nodeSelectorTerms']],
    ['an unknown reclaim policy', pv({ persistentVolumeReclaimPolicy: 'Shred' }), ['spec.persistentVolumeReclaimPolicy']],
    ['a bad class name', pv({ storageClassName: 'Fast_SSD' }), ['spec.storageClassName']],
    ['an unknown volume mode', pv({ volumeMode: 'Raw' }), ['spec.volumeMode']],
    ['a capacity that is not a map', pv({ capacity: '1Gi' }), ['spec.capacity', 'spec.capacity', 'spec.capacity']],
    ['a host path that is a number', pv({ hostPath: { path: 7 } }), ['spec.hostPath.path']],
    ['Recycle on the node root', pv({ hostPath: { path: '/' }, persistentVolumeReclaimPolicy: 'Recycle' }), ['spec.persistentVolumeReclaimPolicy']],
    ['Recycle with a host path that is not a string', pv({ hostPath: { path: ['/'] }, persistentVolumeReclaimPolicy: 'Recycle' }), ['spec.hostPath.path']],
    ['a claim reference whose name is not a string', pv({ claimRef: { namespace: 'default', name: { $ne: '' } } }), ['spec.claimRef.name']],
    ['mount options that are not strings', pv({ mountOptions: ['ro', 1] }), ['spec.mountOptions[1]']],
  ])('%s', (_n, o, want) => expect(fields(PV, o)).toEqual(want));

  it('words its messages as upstream', () => {
    expect(messages(PV, pv({ accessModes: ['ReadSometimes'], capacity: { storage: '-1Gi' }, hostPath: { path: '/a/../b' } }))).toEqual([
      'spec.accessModes: Unsupported value: "ReadSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      'spec.capacity[storage]: Invalid value: "-1Gi": must be greater than zero',
      "spec.hostPath.path: Invalid value: \"/a/../b\": must not contain '..'",
    ]);
  });

  it('defaults Retain and Filesystem and starts Pending', () => {
    const o = pv();
    prepareForCreate(PV, o, undefined);
    expect(o.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
    expect((o as { status?: { phase: string; lastPhaseTransitionTime: string } }).status?.phase).toBe('Pending');
  });

  it('keeps the volume source immutable', () => {
    const old = pv();
    const causes = validateObjectUpdate(PV, pv({ hostPath: { path: '/data/other' } }), old);
    expect(causes.map((c) => c.field)).toEqual(['spec.persistentvolumesource']);
    expect(causes[0].message).toContain('spec.persistentvolumesource is immutable after creation');
  });
});

describe('PersistentVolumeClaim validation', () => {
  it.each<[string, object, string[]]>([
    ['a valid claim', pvc(), []],
    ['no access modes', pvc({ accessModes: undefined }), ['spec.accessModes']],
    ['no storage request', pvc({ resources: {} }), ['spec.resources[storage]']],
    ['a negative request', pvc({ resources: { requests: { storage: '-5Mi' } } }), ['spec.resources[storage]']],
    ['a bad selector', pvc({ selector: { matchExpressions: [{ key: 'k', operator: 'Maybe' }] } }), ['spec.selector.matchExpressions[0].operator']],
    ['requests that are not a map', pvc({ resources: { requests: 'lots' } }), ['spec.resources.requests', 'spec.resources[storage]']],
    ['a limit that is not a quantity', pvc({ resources: { requests: { storage: '1Gi' }, limits: { storage: '1 GB' } } }), ['spec.resources.limits[storage]']],
    ['a volume name that is not a string', pvc({ volumeName: 7 }), ['spec.volumeName']],
    ['an unknown volume mode', pvc({ volumeMode: 'Raw' }), ['spec.volumeMode']],
  ])('%s', (_n, o, want) => expect(fields(PVC, o)).toEqual(want));

  it('says what is required as upstream', () => {
    expect(messages(PVC, pvc({ accessModes: [], resources: {} }))).toEqual([
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Required value',
    ]);
  });

  it('keeps the spec of a claim immutable, but lets the binder set volumeName once and a class be given to a classless claim', () => {
    const old = pvc();
    expect(validateObjectUpdate(PVC, pvc({ volumeName: 'pv1' }), old)).toEqual([]);
    expect(validateObjectUpdate(PVC, pvc({ storageClassName: 'standard' }), old)).toEqual([]);
    const bound = { ...pvc({ volumeName: 'pv1', storageClassName: 'standard' }), status: { phase: 'Bound', capacity: { storage: '1Gi' } } };
    const moved = validateObjectUpdate(PVC, { ...pvc({ volumeName: 'pv2', storageClassName: 'standard' }), status: bound.status }, bound);
    expect(moved.map((c) => c.field)).toEqual(['spec']);
    expect(moved[0].message).toContain('Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
    expect(moved[0].message).toContain('volumeName');
  });

  it('lets a bound claim ask for more storage, an unbound one not, and never less than its capacity', () => {
    const status = { phase: 'Bound', capacity: { storage: '1Gi' } };
    const bound = { ...pvc({ volumeName: 'pv1' }), status };
    expect(validateObjectUpdate(PVC, { ...pvc({ volumeName: 'pv1', resources: { requests: { storage: '2Gi' } } }), status }, bound)).toEqual([]);
    expect(validateObjectUpdate(PVC, { ...pvc({ volumeName: 'pv1', resources: { requests: { storage: '512Mi' } } }), status }, bound).map((c) => c.message)).toEqual([
      'Forbidden: field can not be less than status.capacity',
    ]);
    expect(validateObjectUpdate(PVC, pvc({ resources: { requests: { storage: '2Gi' } } }), pvc()).map((c) => c.field)).toEqual(['spec']);
  });
});

describe('StorageClass', () => {
  const sc = (over: Record<string, unknown> = {}) => ({ metadata: { name: 'fast' }, provisioner: 'minik8s.io/local-path', ...over });
  it.each<[string, object, string[]]>([
    ['a valid class', { ...sc(), volumeBindingMode: 'Immediate' }, []],
    ['no provisioner', { ...sc({ provisioner: '' }), volumeBindingMode: 'Immediate' }, ['provisioner']],
    ['a bad provisioner name', { ...sc({ provisioner: 'not a name!' }), volumeBindingMode: 'Immediate' }, ['provisioner']],
    ['an unknown binding mode', sc({ volumeBindingMode: 'Later' }), ['volumeBindingMode']],
    ['Recycle as reclaim policy', sc({ volumeBindingMode: 'Immediate', reclaimPolicy: 'Recycle' }), ['reclaimPolicy']],
    ['an allowed topology without values', sc({ volumeBindingMode: 'Immediate', allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: [] }] }] }), ['allowedTopologies[0].matchLabelExpressions[0].values']],
    ['a parameter that is not a string', sc({ volumeBindingMode: 'Immediate', parameters: { size: 5 } }), ['parameters[size]']],
    ['topologies that are not a list', sc({ volumeBindingMode: 'Immediate', allowedTopologies: { zone: 'a' } }), ['allowedTopologies']],
    ['a topology value that is not a string', sc({ volumeBindingMode: 'Immediate', allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: [1] }] }] }), ['allowedTopologies[0].matchLabelExpressions[0].values[0]']],
    ['expansion that is not a boolean', sc({ volumeBindingMode: 'Immediate', allowVolumeExpansion: 'yes' }), ['allowVolumeExpansion']],
  ])('%s', (_n, o, want) => expect(fields(SC, o)).toEqual(want));

  it('defaults Delete and Immediate, and fixes provisioner, parameters and policies once created', () => {
    const o = sc();
    prepareForCreate(SC, o, undefined);
    expect(o).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    expect(validateObjectUpdate(SC, { ...o, provisioner: 'other.io/x', volumeBindingMode: 'WaitForFirstConsumer' }, o).map((c) => c.message)).toEqual([
      'Forbidden: updates to provisioner are forbidden.',
      'Invalid value: "WaitForFirstConsumer": field is immutable',
    ]);
  });
});

describe('StatefulSet claim templates', () => {
  const sts = (templates: unknown[]) => ({
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      volumeClaimTemplates: templates,
    },
  });
  it('validates each template as a claim spec and defaults it', () => {
    const bad = sts([{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }]);
    prepareForCreate(STS, bad, 'default');
    expect(fields(STS, bad)).toEqual(['spec.volumeClaimTemplates[0].spec.resources[storage]']);
    const o = sts([{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }]);
    prepareForCreate(STS, o, 'default');
    expect((o.spec.volumeClaimTemplates[0] as Record<string, unknown>).status).toEqual({ phase: 'Pending' });
    expect((o.spec as Record<string, unknown>).persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  it('lets the template mount the claim templates by name, and only them', () => {
    const o = sts([{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }]);
    const ctr = (o.spec.template.spec.containers as Record<string, unknown>[])[0];
    ctr.volumeMounts = [{ name: 'data', mountPath: '/data' }];
    prepareForCreate(STS, o, 'default');
    expect(fields(STS, o)).toEqual([]);
    ctr.volumeMounts = [{ name: 'data', mountPath: '/data' }, { name: 'logs', mountPath: '/logs' }];
    expect(messages(STS, o)).toEqual(['spec.template.spec.containers[0].volumeMounts[1].name: Not found: "logs"']);
  });
});

describe('tables (printers.go v1.32)', () => {
  const NOW = Date.parse('2024-05-01T12:00:00Z');
  const at = '2024-05-01T11:55:00Z';
  it('prints volumes', () => {
    const v = { metadata: { name: 'pv1', creationTimestamp: at }, spec: { capacity: { storage: '1.5Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'standard', volumeMode: 'Filesystem', hostPath: { path: '/d' } }, status: { phase: 'Bound' } };
    const t = toTable(PV, { apiVersion: 'v1', kind: 'PersistentVolumeList', metadata: {}, items: [v] }, { now: NOW });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode']);
    expect(t.rows[0].cells).toEqual(['pv1', '1536Mi', 'RWO,RWX', 'Retain', 'Bound', 'default/data', 'standard', '<unset>', '', '5m', 'Filesystem']);
  });
  it('prints claims, with capacity and modes only once bound', () => {
    const pending = { metadata: { name: 'a', namespace: 'default', creationTimestamp: at }, spec: { storageClassName: 'standard', resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' }, status: { phase: 'Pending' } };
    const bound = { ...pending, metadata: { ...pending.metadata, name: 'b' }, spec: { ...pending.spec, volumeName: 'pvc-1' }, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } };
    const t = toTable(PVC, { apiVersion: 'v1', kind: 'PersistentVolumeClaimList', metadata: {}, items: [pending, bound] }, { now: NOW });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode']);
    expect(t.rows.map((r) => r.cells)).toEqual([
      ['a', 'Pending', '', '', '', 'standard', '<unset>', '5m', 'Filesystem'],
      ['b', 'Bound', 'pvc-1', '1Gi', 'RWO', 'standard', '<unset>', '5m', 'Filesystem'],
    ]);
  });
  it('prints classes, the default one marked', () => {
    const c = { metadata: { name: 'standard', creationTimestamp: at, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'minik8s.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer' };
    const t = toTable(SC, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClassList', metadata: {}, items: [c] }, { now: NOW });
    expect(t.columnDefinitions.map((x) => x.name)).toEqual(['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']);
    expect(t.rows[0].cells).toEqual(['standard (default)', 'minik8s.io/local-path', 'Delete', 'WaitForFirstConsumer', false, '5m']);
  });
});

describe('storage admission through the apiserver', () => {
  const { req, ready, server } = inProcessServer();
  const merge = { 'content-type': 'application/merge-patch+json' };
  const CLAIMS = '/api/v1/namespaces/default/persistentvolumeclaims';

  beforeAll(ready);
  afterAll(() => server.close());

  it('leaves a claim classless while there is no default class, then gives new claims the default class', async () => {
    const a = await req('POST', CLAIMS, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...pvc({}, 'before') });
    expect(a.code).toBe(201);
    expect(a.body.spec.storageClassName).toBeUndefined();
    const sc = await req('POST', '/apis/storage.k8s.io/v1/storageclasses', {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'minik8s.io/local-path', volumeBindingMode: 'WaitForFirstConsumer',
    });
    expect(sc.code).toBe(201);
    const b = await req('POST', CLAIMS, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...pvc({}, 'after') });
    expect(b.body.spec.storageClassName).toBe('standard');
    const none = await req('POST', CLAIMS, { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...pvc({ storageClassName: '' }, 'none') });
    expect(none.body.spec.storageClassName).toBe('');
  });

  it('puts the protection finalizers on new claims and volumes', async () => {
    const c = await req('GET', `${CLAIMS}/after`);
    expect(c.body.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    const v = await req('POST', '/api/v1/persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', ...pv() });
    expect(v.code).toBe(201);
    expect(v.body.metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    expect(v.body.status.phase).toBe('Pending');
  });

  it('stamps each phase change of a volume', async () => {
    const v = (await req('GET', '/api/v1/persistentvolumes/pv1')).body;
    const r = await req('PUT', '/api/v1/persistentvolumes/pv1/status', { ...v, status: { phase: 'Available' } });
    expect(r.code).toBe(200);
    expect(r.body.status.lastPhaseTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('refuses to grow a claim whose class does not allow expansion (403), after validation (422 first)', async () => {
    const unbound = await req('PATCH', `${CLAIMS}/after`, { spec: { resources: { requests: { storage: '5Gi' } } } }, merge);
    expect(unbound.code).toBe(422);
    const c = (await req('GET', `${CLAIMS}/after`)).body;
    await req('PUT', `${CLAIMS}/after`, { ...c, spec: { ...c.spec, volumeName: 'pv1' } });
    const cur = (await req('GET', `${CLAIMS}/after`)).body;
    expect((await req('PUT', `${CLAIMS}/after/status`, { ...cur, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } })).code).toBe(200);
    const grow = await req('PATCH', `${CLAIMS}/after`, { spec: { resources: { requests: { storage: '5Gi' } } } }, merge);
    expect(grow.code).toBe(403);
    expect(grow.body.message).toBe('persistentvolumeclaims "after" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
  });
});

// StatefulSets (upstream pkg/registry/apps/statefulset).
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf, num } from '../../tables/columns';
import { containerCells } from '../../tables/format';
import { isObj, setIfAbsent } from '../helpers';
import { defaultTemplate } from '../core/podspec';
import { CONTAINERS, IMAGES, immutableSelector, validateAppsWorkload } from '../workloads';
import { scaleSubresource } from '../scale';
import { selectorString } from './deployment';
import { validateClaimSpec } from '../core/persistentvolumeclaim';
import { fe, type Cause } from '../../registry/fielderrors';
import type { Obj } from '../../registry/objects';

const RETENTION = ['Delete', 'Retain'];

/** The claim templates (ValidatePersistentVolumeClaimSpec each, names unique) and their retention policy. */
function validateClaims(o: Obj): Cause[] {
  const errs: Cause[] = [];
  const templates = o.spec?.volumeClaimTemplates;
  if (templates !== undefined && templates !== null) {
    if (!Array.isArray(templates)) errs.push(fe.invalid('spec.volumeClaimTemplates', templates, 'must be a list'));
    else {
      const names = new Set<string>();
      templates.forEach((t: Obj, i: number) => {
        const p = `spec.volumeClaimTemplates[${i}]`;
        const name = t?.metadata?.name;
        if (!name) errs.push(fe.required(`${p}.metadata.name`));
        else if (names.has(name)) errs.push(fe.duplicate(`${p}.metadata.name`, name));
        else names.add(name);
        validateClaimSpec(`${p}.spec`, t?.spec, errs);
      });
    }
  }
  const policy = o.spec?.persistentVolumeClaimRetentionPolicy;
  for (const k of ['whenDeleted', 'whenScaled'])
    if (isObj(policy) && policy[k] !== undefined && !RETENTION.includes(policy[k]))
      errs.push(fe.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, policy[k], RETENTION));
  return errs;
}

export const statefulSets: ResourceStrategy = {
  group: 'apps',
  kind: 'StatefulSet',
  resource: 'statefulsets',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  versions: [{ name: 'v1' }],
  status: {},
  subresources: { scale: scaleSubresource(selectorString) },
  defaults(o) {
    const spec = isObj(o.spec) ? o.spec : undefined;
    if (!spec) return;
    setIfAbsent(spec, 'replicas', 1);
    setIfAbsent(spec, 'podManagementPolicy', 'OrderedReady');
    setIfAbsent(spec, 'updateStrategy', { type: 'RollingUpdate' });
    if (spec.updateStrategy.type === 'RollingUpdate') setIfAbsent(spec.updateStrategy, 'rollingUpdate', { partition: 0 });
    setIfAbsent(spec, 'revisionHistoryLimit', 10);
    setIfAbsent(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
    if (isObj(spec.persistentVolumeClaimRetentionPolicy)) {
      setIfAbsent(spec.persistentVolumeClaimRetentionPolicy, 'whenDeleted', 'Retain');
      setIfAbsent(spec.persistentVolumeClaimRetentionPolicy, 'whenScaled', 'Retain');
    }
    // each claim template as a claim is defaulted (SetDefaults_PersistentVolumeClaim)
    if (Array.isArray(spec.volumeClaimTemplates))
      for (const t of spec.volumeClaimTemplates) {
        if (!isObj(t)) continue;
        setIfAbsent(t, 'apiVersion', 'v1');
        setIfAbsent(t, 'kind', 'PersistentVolumeClaim');
        if (isObj(t.spec)) setIfAbsent(t.spec, 'volumeMode', 'Filesystem');
        setIfAbsent(t, 'status', { phase: 'Pending' });
      }
    defaultTemplate(spec);
  },
  validate: (o) => [...validateAppsWorkload(o, false), ...validateClaims(o)],
  validateUpdate: immutableSelector,
  table: {
    columns: [NAME, col('Ready', { description: 'Number of the pod with ready state' }), AGE, CONTAINERS, IMAGES],
    cells(o, now) {
      const [names, images] = containerCells(o.spec?.template?.spec?.containers);
      return [nameOf(o), `${num(o.status?.readyReplicas)}/${o.spec?.replicas ?? 1}`, ageOf(o, now), names, images];
    },
  },
};

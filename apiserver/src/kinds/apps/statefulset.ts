// StatefulSets (upstream pkg/registry/apps/statefulset).
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf, num } from '../../tables/columns';
import { containerCells } from '../../tables/format';
import { isObj, objAt, setIfAbsent } from '../helpers';
import { defaultTemplate } from '../core/podspec';
import { CONTAINERS, IMAGES, alwaysRestarting, counts, immutableSelector, intOrPercent, selectorAndTemplate } from '../workloads';
import { fe, type Cause } from '../../registry/fielderrors';
import { dnsLabel, nonNegativeInt32, obj, objects, oneOf, str } from '../../registry/validation';
import { scaleSubresource } from '../scale';
import { selectorString } from './deployment';
import { validateClaimSpec } from '../core/persistentvolumeclaim';

/** The claim templates: ValidatePersistentVolumeClaimSpec each, names required and unique. Returns the names. */
function claimTemplates(errs: Cause[], list: unknown): string[] {
  const names = new Set<string>();
  for (const [t, p] of objects(errs, 'spec.volumeClaimTemplates', list)) {
    const meta = obj(errs, `${p}.metadata`, t.metadata);
    const name = str(errs, `${p}.metadata.name`, meta?.name, true);
    if (name && names.has(name)) errs.push(fe.duplicate(`${p}.metadata.name`, name));
    if (name) names.add(name);
    validateClaimSpec(`${p}.spec`, t.spec, errs);
  }
  return [...names];
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
    const us = objAt(spec, 'updateStrategy', () => ({ type: 'RollingUpdate' }));
    if (us?.type === 'RollingUpdate') setIfAbsent(us, 'rollingUpdate', { partition: 0 });
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
  validate(o) {
    const spec = o.spec;
    if (!isObj(spec)) return [fe.required('spec')];
    const errs: Cause[] = [];
    const policy = str(errs, 'spec.podManagementPolicy', spec.podManagementPolicy, true);
    if (policy && policy !== 'OrderedReady' && policy !== 'Parallel') errs.push(fe.invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));
    const us = obj(errs, 'spec.updateStrategy', spec.updateStrategy) ?? {};
    const type = str(errs, 'spec.updateStrategy', us.type, true);
    if (type === 'OnDelete') {
      if (us.rollingUpdate !== undefined && us.rollingUpdate !== null) errs.push(fe.invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
    } else if (type === 'RollingUpdate') {
      const ru = obj(errs, 'spec.updateStrategy.rollingUpdate', us.rollingUpdate);
      if (ru) {
        nonNegativeInt32(errs, 'spec.updateStrategy.rollingUpdate.partition', ru.partition);
        if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null && !intOrPercent(errs, 'spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable))
          errs.push(fe.invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'must be greater than zero'));
      }
    } else if (type) errs.push(fe.invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
    const retention = obj(errs, 'spec.persistentVolumeClaimRetentionPolicy', spec.persistentVolumeClaimRetentionPolicy);
    for (const f of ['whenDeleted', 'whenScaled']) oneOf(errs, `spec.persistentVolumeClaimRetentionPolicy.${f}`, retention?.[f], ['Retain', 'Delete'] as const);
    counts(errs, spec, ['replicas', 'minReadySeconds', 'revisionHistoryLimit']);
    const ordinals = obj(errs, 'spec.ordinals', spec.ordinals);
    if (ordinals) nonNegativeInt32(errs, 'spec.ordinals.start', ordinals.start);
    const service = str(errs, 'spec.serviceName', spec.serviceName);
    if (service) dnsLabel(errs, 'spec.serviceName', service);
    const claims: Cause[] = [];
    const claimNames = claimTemplates(claims, spec.volumeClaimTemplates);
    // the template's mounts may name the claim templates: each pod gets a volume of its claim
    selectorAndTemplate(errs, spec, 'statefulset', true, claimNames);
    errs.push(...claims);
    alwaysRestarting(errs, spec, 'StatefulSet');
    return errs;
  },
  validateUpdate: immutableSelector,
  table: {
    columns: [NAME, col('Ready', { description: 'Number of the pod with ready state' }), AGE, CONTAINERS, IMAGES],
    cells(o, now) {
      const [names, images] = containerCells(o.spec?.template?.spec?.containers);
      return [nameOf(o), `${num(o.status?.readyReplicas)}/${o.spec?.replicas ?? 1}`, ageOf(o, now), names, images];
    },
  },
};

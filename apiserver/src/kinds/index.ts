// THE list of built-in kinds: one strategy module per kind (or per small group), registered here and
// nowhere else. A new built-in kind is one module plus one line below; a kind registered at run time
// (a CustomResourceDefinition's) goes through KindRegistry.register with the same interface.
import type { Store } from '../storage/etcd';
import type { ResourceStrategy } from '../registry/strategy';
import type { AdmissionPlugin } from '../registry/admission';
import { namespaces, namespaceLifecycle } from './core/namespace';
import { bindings, pods } from './core/pod';
import { services, type ServiceRanges } from './core/service';
import { endpoints } from './core/endpoints';
import { nodes } from './core/node';
import { configMaps } from './core/configmap';
import { secrets } from './core/secret';
import { eventsKind } from './core/event';
import { serviceAccounts, type TokenIssuer } from './core/serviceaccount';
import { serviceAccountAdmission } from './core/serviceaccount/admission';
import { nodeRestrictionAdmission } from './core/noderestriction';
import { podSecurityAdmission } from './core/podsecurity';
import { UPSTREAM_POD_SECURITY, type PodSecurityConfig } from '@minik8s/shared';
import { replicationControllers } from './core/replicationcontroller';
import { deployments } from './apps/deployment';
import { replicaSets } from './apps/replicaset';
import { daemonSets } from './apps/daemonset';
import { statefulSets } from './apps/statefulset';
import { controllerRevisions } from './apps/controllerrevision';
import { jobs } from './batch/job';
import { cronJobs } from './batch/cronjob';
import { horizontalPodAutoscalers } from './autoscaling/horizontalpodautoscaler';
import { podDisruptionBudgets } from './policy/poddisruptionbudget';
import { leases } from './coordination/lease';
import { endpointSlices } from './discovery/endpointslice';
import { selfSubjectReviews, tokenReviews, type TokenReviewer } from './authentication/reviews';
import { selfSubjectAccessReviews, selfSubjectRulesReviews, subjectAccessReviews, type ReviewAuthorizer } from './authorization/reviews';
import { persistentVolumes } from './core/persistentvolume';
import { persistentVolumeClaims } from './core/persistentvolumeclaim';
import { storageObjectInUseProtection } from './core/storageprotection';
import { persistentVolumeClaimResize } from './core/pvcresize';
import { defaultIngressClass, ingresses } from './networking/ingress';
import { ingressClasses } from './networking/ingressclass';
import { storageClasses } from './storage/storageclass';
import { defaultStorageClass } from './storage/defaultstorageclass';
import { customResourceDefinitions } from './apiextensions/customresourcedefinition';
import { customResourceCreates } from './apiextensions/customresource';
import { resourceQuotas } from './core/resourcequota';
import { limitRanges } from './core/limitrange';
import { limitRanger } from './core/limitranger';
import { resourceQuotaAdmission } from './core/quotaadmission';
import { roles } from './rbac/role';
import { clusterRoles } from './rbac/clusterrole';
import { roleBindings } from './rbac/rolebinding';
import { clusterRoleBindings } from './rbac/clusterrolebinding';
import { rbacEscalation } from './rbac/escalation';
import type { RbacPolicy } from '../auth/rbac/policy';

/** What the kinds that keep state beside their objects need from the server. */
export interface KindsConfig {
  store: Store;
  /** --etcd-prefix */
  root: string;
  services: ServiceRanges;
  /** The apiserver's ServiceAccount tokens (TokenRequest), token authenticators (TokenReview) and authorizer chain (the access reviews). */
  auth: { tokens: TokenIssuer; reviewer: TokenReviewer; authorizer: ReviewAuthorizer };
  /** --event-ttl in seconds (0: Events never expire). */
  eventTTLSeconds?: number;
}

/** The built-in kinds, in discovery order (core first, then the groups in this order). */
export function builtinKinds(cfg: KindsConfig): ResourceStrategy[] {
  return [
    namespaces,
    pods,
    bindings,
    services(cfg.services, cfg.store, cfg.root),
    endpoints,
    nodes,
    configMaps,
    secrets,
    eventsKind(cfg.eventTTLSeconds ?? 3600),
    serviceAccounts(cfg.auth.tokens),
    persistentVolumes,
    persistentVolumeClaims,
    resourceQuotas,
    limitRanges,
    replicationControllers,
    deployments,
    replicaSets,
    daemonSets,
    statefulSets,
    controllerRevisions,
    tokenReviews(cfg.auth.reviewer),
    selfSubjectReviews,
    subjectAccessReviews(cfg.auth.authorizer),
    selfSubjectAccessReviews(cfg.auth.authorizer),
    selfSubjectRulesReviews(cfg.auth.authorizer),
    jobs,
    cronJobs,
    horizontalPodAutoscalers,
    podDisruptionBudgets,
    clusterRoleBindings,
    clusterRoles,
    roleBindings,
    roles,
    leases,
    endpointSlices,
    ingresses,
    ingressClasses,
    storageClasses,
    customResourceDefinitions,
  ];
}

/**
 * The admission chain every create and every update of a main resource passes, in upstream's recommended
 * order: each plugin's mutating step in this order, then the object's validation, then each validating step
 * (ResourceQuota last).
 */
/**
 * The admission chain, in upstream's recommended order, for the cluster's PodSecurity configuration; with
 * `rbac`, RBAC's escalation check first (upstream does it in the RBAC kinds' storage, before admission).
 */
export function admissionChain(
  podSecurity: PodSecurityConfig = UPSTREAM_POD_SECURITY,
  rbac?: { authorizer: ReviewAuthorizer; policy: RbacPolicy },
): readonly AdmissionPlugin[] {
  return [
    ...(rbac ? [rbacEscalation(rbac.authorizer, rbac.policy)] : []),
    namespaceLifecycle,
    customResourceCreates,
    limitRanger,
    serviceAccountAdmission,
    nodeRestrictionAdmission,
    podSecurityAdmission(podSecurity),
    defaultStorageClass,
    storageObjectInUseProtection,
    defaultIngressClass,
    persistentVolumeClaimResize,
    resourceQuotaAdmission,
  ];
}

/** The chain with upstream's PodSecurity defaults (privileged everywhere). */
export const ADMISSION = admissionChain();

// The authentication.k8s.io/v1 kinds this apiserver serves without storing them (create-only reviews),
// listed in discovery beside the stored resources.
import type { ResourceType } from '@minik8s/shared';

const review = (kind: string, resource: string): ResourceType => ({
  group: 'authentication.k8s.io',
  version: 'v1',
  kind,
  listKind: `${kind}List`,
  resource,
  singular: kind.toLowerCase(),
  namespaced: false,
  shortNames: [],
  categories: [],
  subresources: [],
  verbs: ['create'],
});

export const TOKEN_REVIEWS = review('TokenReview', 'tokenreviews');
export const SELF_SUBJECT_REVIEWS = review('SelfSubjectReview', 'selfsubjectreviews');
/** Not served as a resource: the body kind of serviceaccounts/token. */
export const TOKEN_REQUEST: ResourceType = { ...review('TokenRequest', 'tokenrequests'), namespaced: true };

export const AUTH_RESOURCES: readonly ResourceType[] = [TOKEN_REVIEWS, SELF_SUBJECT_REVIEWS];

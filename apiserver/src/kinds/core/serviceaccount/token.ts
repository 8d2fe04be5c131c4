// serviceaccounts/NAME/token: TokenRequest (authentication.k8s.io/v1), as upstream's TokenREST: audiences
// (default --api-audiences), expirationSeconds (default 3600, at least 600, clamped to
// --service-account-max-token-expiration), boundObjectRef to a Pod or Secret of the namespace (which must
// exist, with the given uid; a pod must run as this ServiceAccount). Answered, never stored.
import { ApiError, failure, statusFor, type KubeObject } from '@minik8s/shared';
import type { BoundRef, ServiceAccountTokens } from '../../../auth/serviceaccount-tokens';
import { methodNotAllowed, type Handler, type SubresourceDef } from '../../../registry/strategy';
import { defineMessages } from '../../../protobuf/messages';
import { rfc3339, type Obj } from '../../../registry/objects';
import { pods } from '../pod';
import { secrets } from '../secret';
import { nodes } from '../node';

const MIN_SECONDS = 600;
const MAX_SECONDS = 2 ** 32;
const DEFAULT_SECONDS = 3600;

export const TOKEN_REQUEST = { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };

/** What the subresource needs of the apiserver's ServiceAccount tokens. */
export type TokenIssuer = Pick<ServiceAccountTokens, 'opts' | 'issue'>;

const message = defineMessages(
  `
message BoundObjectReference { optional string kind = 1; optional string apiVersion = 2; optional string name = 3; optional string uid = 4; }
message TokenRequestSpec { repeated string audiences = 1; optional BoundObjectReference boundObjectRef = 3; optional int64 expirationSeconds = 4; }
message TokenRequest { optional ObjectMeta metadata = 1; optional TokenRequestSpec spec = 2; }
`,
  ['expirationSeconds'],
);

function invalid(name: string, field: string, value: unknown, detail: string): ApiError {
  return new ApiError(
    statusFor.invalid('TokenRequest', 'authentication.k8s.io', name, [
      { field, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${detail}` },
    ]),
  );
}

/** The checked spec: audiences, expiration, bound object. */
export function tokenRequestSpec(
  name: string,
  spec: Obj | undefined,
  defaults: { audiences: string[]; maxSeconds: number },
): { audiences: string[]; expirationSeconds: number; boundObjectRef?: Obj } {
  const s = spec ?? {};
  if (typeof s !== 'object' || Array.isArray(s)) throw invalid(name, 'spec', s, 'must be an object');
  let audiences = defaults.audiences;
  if (s.audiences != null) {
    if (!Array.isArray(s.audiences) || s.audiences.some((a: unknown) => typeof a !== 'string' || !a))
      throw invalid(name, 'spec.audiences', s.audiences, 'must be a list of non-empty strings');
    if (s.audiences.length) audiences = s.audiences;
  }
  let exp = s.expirationSeconds ?? DEFAULT_SECONDS;
  if (typeof exp !== 'number' || !Number.isInteger(exp)) throw invalid(name, 'spec.expirationSeconds', exp, 'must be an integer');
  if (exp < MIN_SECONDS) throw invalid(name, 'spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes');
  if (exp > MAX_SECONDS) throw invalid(name, 'spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds');
  if (defaults.maxSeconds > 0 && exp > defaults.maxSeconds) exp = defaults.maxSeconds;
  const ref = s.boundObjectRef;
  if (ref != null) {
    if (typeof ref !== 'object' || Array.isArray(ref)) throw invalid(name, 'spec.boundObjectRef', ref, 'must be an object');
    if ((ref.apiVersion ?? 'v1') !== 'v1' || !['Pod', 'Secret'].includes(ref.kind))
      throw new ApiError(
        statusFor.badRequest(
          `cannot bind token to object of type ${ref.apiVersion ?? ''}, Kind=${ref.kind ?? ''}: supported are v1 Pod and Secret`,
        ),
      );
    if (typeof ref.name !== 'string' || !ref.name)
      throw new ApiError(
        statusFor.invalid('TokenRequest', 'authentication.k8s.io', name, [
          { field: 'spec.boundObjectRef.name', reason: 'FieldValueRequired', message: 'Required value' },
        ]),
      );
    if (ref.uid != null && typeof ref.uid !== 'string') throw invalid(name, 'spec.boundObjectRef.uid', ref.uid, 'must be a string');
  }
  return { audiences, expirationSeconds: exp, ...(ref != null ? { boundObjectRef: ref } : {}) };
}

function tokenRequest(tokens: TokenIssuer): Handler {
  return async (req) => {
    if (req.method !== 'POST') throw methodNotAllowed(req.method);
    const { name, registry } = req;
    const namespace = req.namespace!;
    const body = req.object(TOKEN_REQUEST);
    const spec = tokenRequestSpec(name, body.spec, { audiences: tokens.opts.apiAudiences, maxSeconds: tokens.opts.maxExpirationSeconds });
    const sa = await registry.get(req.r, name, namespace);
    await registry.admit({
      operation: 'CREATE',
      r: req.r.storage,
      namespace,
      name,
      subresource: 'token',
      obj: body,
      old: sa,
      dryRun: req.dryRun,
      user: req.user(),
    });
    let bound: BoundRef | undefined;
    let node: { name: string; uid: string } | undefined;
    const ref = spec.boundObjectRef;
    if (ref) {
      const obj: KubeObject = await registry.get(registry.resource(ref.kind === 'Pod' ? pods : secrets), ref.name, namespace);
      if (ref.kind === 'Pod') {
        const podSa = (obj as Obj).spec?.serviceAccountName || 'default';
        if (podSa !== name)
          throw new ApiError(
            statusFor.badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`),
          );
        const nodeName = (obj as Obj).spec?.nodeName;
        if (nodeName) {
          const n = await registry.peek(registry.resource(nodes), nodeName);
          if (n) node = { name: nodeName, uid: n.metadata.uid ?? '' };
        }
      }
      if (ref.uid && ref.uid !== obj.metadata.uid) {
        throw new ApiError(
          failure(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${ref.kind} "${ref.name}": the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
            { name: ref.name, kind: ref.kind },
          ),
        );
      }
      bound = { kind: ref.kind, name: ref.name, uid: obj.metadata.uid ?? '' };
    }
    const { token, expirationTimestamp } = req.dryRun
      ? { token: '', expirationTimestamp: new Date(Date.now() + spec.expirationSeconds * 1000) }
      : await tokens.issue({
          namespace,
          serviceAccount: { name, uid: sa.metadata.uid ?? '' },
          audiences: spec.audiences,
          expirationSeconds: spec.expirationSeconds,
          bound,
          node,
        });
    return {
      code: 201,
      body: {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name, namespace, creationTimestamp: rfc3339() },
        spec: {
          audiences: spec.audiences,
          expirationSeconds: spec.expirationSeconds,
          boundObjectRef: bound ? { kind: bound.kind, apiVersion: 'v1', name: bound.name, uid: bound.uid } : null,
        },
        status: { token, expirationTimestamp: rfc3339(expirationTimestamp) },
      },
    };
  };
}

export function tokenSubresource(tokens: TokenIssuer): SubresourceDef {
  return { responseKind: TOKEN_REQUEST, verbs: ['create'], handler: tokenRequest(tokens), protobuf: message('TokenRequest') };
}

// Impersonation (`kubectl --as/--as-group/--as-uid`): Impersonate-User, -Uid, -Group (repeatable) and
// -Extra-<key> headers, each checked with the `impersonate` verb through the authorizer before the
// request is served as the impersonated user, as upstream's impersonation filter.
import { ApiError, failure, statusFor } from '@minik8s/shared';
import { forbidden } from './authorizer';
import type { RequestInfo } from './request-info';
import {
  ANONYMOUS_USER,
  AUTHENTICATED_GROUP,
  SERVICE_ACCOUNTS_GROUP,
  SERVICE_ACCOUNT_PREFIX,
  UNAUTHENTICATED_GROUP,
  type Attributes,
  type Authorizer,
  type UserInfo,
} from './types';

export interface ImpersonationRequest {
  user?: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
}

const EXTRA_PREFIX = 'impersonate-extra-';

/** The impersonation headers of a request, or undefined when there are none. */
export function impersonationHeaders(rawHeaders: string[]): ImpersonationRequest | undefined {
  const r: ImpersonationRequest = { groups: [], extra: {} };
  let any = false;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    if (!name.startsWith('impersonate-')) continue;
    any = true;
    if (name === 'impersonate-user') r.user = value;
    else if (name === 'impersonate-uid') r.uid = value;
    else if (name === 'impersonate-group') r.groups.push(value);
    else if (name.startsWith(EXTRA_PREFIX)) {
      let key: string;
      try {
        key = decodeURIComponent(name.slice(EXTRA_PREFIX.length)).toLowerCase();
      } catch {
        throw new ApiError(statusFor.badRequest(`invalid impersonation header ${rawHeaders[i]}`));
      }
      (r.extra[key] ??= []).push(value);
    } else throw new ApiError(statusFor.badRequest(`unknown impersonation header ${rawHeaders[i]}`));
  }
  if (!any) return undefined;
  if (!r.user)
    throw new ApiError(failure(400, 'BadRequest', 'requested impersonation of groups, uid or extra without impersonating a user'));
  return r;
}

/** What each impersonated attribute is authorized as (verb impersonate). */
function checks(imp: ImpersonationRequest): Omit<Attributes, 'user' | 'path'>[] {
  const base = { isResourceRequest: true, verb: 'impersonate', apiGroup: '', apiVersion: '', namespace: '', subresource: '', name: '' };
  const out: Omit<Attributes, 'user' | 'path'>[] = [];
  const u = imp.user!;
  if (u.startsWith(SERVICE_ACCOUNT_PREFIX) && u.split(':').length === 4) {
    const [, , ns, name] = u.split(':');
    out.push({ ...base, resource: 'serviceaccounts', namespace: ns, name });
  } else out.push({ ...base, resource: 'users', name: u });
  for (const g of imp.groups) out.push({ ...base, resource: 'groups', name: g });
  for (const [k, vs] of Object.entries(imp.extra))
    for (const v of vs) out.push({ ...base, apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: k, name: v });
  if (imp.uid !== undefined) out.push({ ...base, apiGroup: 'authentication.k8s.io', resource: 'uids', name: imp.uid });
  return out;
}

/** The impersonated user, after the acting user was allowed to impersonate each part of it (403 otherwise). */
export async function impersonate(
  actor: UserInfo,
  imp: ImpersonationRequest,
  info: RequestInfo,
  authorizer: Authorizer,
): Promise<UserInfo> {
  for (const c of checks(imp)) {
    const a: Attributes = { ...c, user: actor, path: info.path };
    const r = await authorizer.authorize(a);
    if (r.decision !== 'allow') throw new ApiError(forbidden(a, r.reason));
  }
  const name = imp.user!;
  const groups = [...imp.groups];
  if (name.startsWith(SERVICE_ACCOUNT_PREFIX) && name.split(':').length === 4 && imp.groups.length === 0) {
    const ns = name.split(':')[2];
    groups.push(SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${ns}`);
  }
  if (name === ANONYMOUS_USER) {
    if (!groups.includes(UNAUTHENTICATED_GROUP)) groups.push(UNAUTHENTICATED_GROUP);
  } else if (!groups.includes(AUTHENTICATED_GROUP)) groups.push(AUTHENTICATED_GROUP);
  return {
    name,
    ...(imp.uid !== undefined ? { uid: imp.uid } : {}),
    groups,
    ...(Object.keys(imp.extra).length ? { extra: imp.extra } : {}),
  };
}

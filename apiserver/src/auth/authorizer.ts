// The authorizer chain of --authorization-mode: each mode in order; the first that allows or denies
// decides, no opinion passes to the next; nobody's opinion is a denial (upstream's union authorizer).
// Modes are registered by name: the Node and RBAC authorizers plug in through registerAuthorizerMode.
import { failure, type Status } from '@minik8s/shared';
import { MASTERS_GROUP, type Attributes, type AuthorizationResult, type Authorizer, type RulesResult, type UserInfo } from './types';

export const alwaysAllow: Authorizer = {
  name: 'AlwaysAllow',
  authorize: () => ({ decision: 'allow', reason: '' }),
  rulesFor: () => ({
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  }),
};
export const alwaysDeny: Authorizer = {
  name: 'AlwaysDeny',
  authorize: () => ({ decision: 'deny', reason: 'Everything is forbidden.' }),
  rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: false }),
};

/**
 * Members of system:masters may do anything, whatever the modes say (upstream puts this privileged-group
 * authorizer in front of every chain): the cluster admin is never locked out by a broken RBAC policy.
 */
export const privilegedGroups: Authorizer = {
  name: 'PrivilegedGroups',
  authorize: (a) => (a.user.groups.includes(MASTERS_GROUP) ? { decision: 'allow', reason: '' } : { decision: 'no-opinion', reason: '' }),
};

/** What an authorizer mode may need from the apiserver when it is built (objects, informer-like caches). */
export interface AuthorizerDeps {
  [key: string]: unknown;
}

const MODES = new Map<string, (deps: AuthorizerDeps) => Authorizer>([
  ['AlwaysAllow', () => alwaysAllow],
  ['AlwaysDeny', () => alwaysDeny],
]);

/** Make a mode available to --authorization-mode (e.g. 'RBAC', 'Node'). */
export function registerAuthorizerMode(name: string, make: (deps: AuthorizerDeps) => Authorizer): void {
  MODES.set(name, make);
}

/** "Node,RBAC" → the modes, checked (unknown or repeated modes are errors, as upstream's flag validation). */
export function parseAuthorizationModes(flag: string): string[] {
  const modes = flag
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (modes.length === 0) throw new Error('--authorization-mode: at least one authorization mode must be passed');
  const seen = new Set<string>();
  for (const m of modes) {
    if (!MODES.has(m))
      throw new Error(`--authorization-mode: authorization mode "${m}" is not a valid mode (known: ${[...MODES.keys()].join(', ')})`);
    if (seen.has(m)) throw new Error(`--authorization-mode: "${m}" is specified more than once`);
    seen.add(m);
  }
  return modes;
}

export class UnionAuthorizer implements Authorizer {
  readonly name: string;
  constructor(readonly authorizers: Authorizer[]) {
    this.name = authorizers
      .filter((a) => a !== privilegedGroups)
      .map((a) => a.name)
      .join(',');
  }

  /** True when every request is allowed whoever makes it (then anonymous requests may do anything). */
  get allowsEverything(): boolean {
    return this.authorizers.length === 1 && this.authorizers[0] === alwaysAllow;
  }

  async authorize(a: Attributes): Promise<AuthorizationResult> {
    const reasons: string[] = [];
    for (const z of this.authorizers) {
      const r = await z.authorize(a);
      if (r.decision !== 'no-opinion') return r;
      if (r.reason) reasons.push(r.reason);
    }
    return { decision: 'no-opinion', reason: reasons.join(', ') };
  }

  /** Every authorizer's rules together (upstream's unionAuthzRulesHandler). */
  async rulesFor(user: UserInfo, namespace: string): Promise<RulesResult> {
    const out: RulesResult = { resourceRules: [], nonResourceRules: [], incomplete: false };
    const errors: string[] = [];
    for (const z of this.authorizers) {
      // As upstream, the rules come from the configured modes only: the admin's are cluster-admin's, from RBAC.
      if (z === privilegedGroups) continue;
      if (!z.rulesFor) {
        out.incomplete = true;
        continue;
      }
      const r = await z.rulesFor(user, namespace);
      out.resourceRules.push(...r.resourceRules);
      out.nonResourceRules.push(...r.nonResourceRules);
      out.incomplete ||= r.incomplete;
      if (r.evaluationError) errors.push(r.evaluationError);
    }
    if (errors.length) out.evaluationError = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
    return out;
  }
}

export function buildAuthorizer(modes: string[], deps: AuthorizerDeps = {}): UnionAuthorizer {
  const chain = modes.map((m) => MODES.get(m)!(deps));
  return new UnionAuthorizer(chain.length === 1 && chain[0] === alwaysAllow ? chain : [privilegedGroups, ...chain]);
}

/** Upstream's forbidden message: `User "x" cannot list resource "secrets" in API group "" in the namespace "y"`. */
export function forbiddenMessage(a: Attributes): string {
  if (!a.isResourceRequest) return `User ${JSON.stringify(a.user.name)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
  return `User ${JSON.stringify(a.user.name)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} ${where}`;
}

/** The 403 Status for a denied request (apierrors.NewForbidden's shape and wording). */
export function forbidden(a: Attributes, reason: string): Status {
  const msg = forbiddenMessage(a) + (reason ? `: ${reason}` : '');
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const message = !a.resource
    ? `forbidden: ${msg}`
    : a.name
      ? `${qualified} ${JSON.stringify(a.name)} is forbidden: ${msg}`
      : `${qualified} is forbidden: ${msg}`;
  return { ...failure(403, 'Forbidden', message), details: { ...(a.name ? { name: a.name } : {}), group: a.apiGroup, kind: a.resource } };
}

export function unauthorized(): Status {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

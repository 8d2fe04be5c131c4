// Upstream's reconciliation of the bootstrap policy (pkg/registry/rbac/reconciliation, as the
// rbac/bootstrap-roles post-start hook runs it): missing objects are created; an existing one annotated
// autoupdate "true" (or not annotated) gets what it lacks — labels, annotations, uncovered rules,
// aggregation selectors, subjects — and keeps everything else; "false" leaves a user's edits alone.
import { deepEqual, type Obj } from '../../registry/objects';
import { AUTOUPDATE_ANNOTATION } from './bootstrap-policy';
import { covers, type PolicyRule } from './rules';

export type Reconciled = { op: 'none' } | { op: 'create' | 'update' | 'recreate'; obj: Obj };

const clone = (o: Obj): Obj => structuredClone(o);

function mergeMeta(result: Obj, expected: Obj): void {
  for (const k of ['labels', 'annotations'] as const) {
    const want = expected.metadata?.[k] ?? {};
    const have = (result.metadata[k] ??= {});
    for (const [key, v] of Object.entries(want)) if (!(key in have)) have[key] = v;
  }
}

const skipped = (existing: Obj) => existing.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false';

/** computeReconciledRole: what to write so that `existing` holds at least `expected`. */
export function reconcileRole(existing: Obj | undefined, expected: Obj): Reconciled {
  if (!existing) return { op: 'create', obj: clone(expected) };
  if (skipped(existing)) return { op: 'none' };
  const result = clone(existing);
  mergeMeta(result, expected);
  const rules: PolicyRule[] = Array.isArray(existing.rules) ? existing.rules : [];
  const { missing } = covers(rules, expected.rules ?? []);
  if (missing.length) result.rules = [...rules, ...missing];
  const want = expected.aggregationRule?.clusterRoleSelectors as Obj[] | undefined;
  if (want) {
    const have: Obj[] = result.aggregationRule?.clusterRoleSelectors ?? [];
    const added = want.filter((w) => !have.some((h) => deepEqual(h, w)));
    if (added.length) result.aggregationRule = { ...result.aggregationRule, clusterRoleSelectors: [...have, ...added] };
  }
  return deepEqual(result, existing) ? { op: 'none' } : { op: 'update', obj: result };
}

const sameSubject = (a: Obj, b: Obj) => a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');

/** computeReconciledRoleBinding: subjects added; a binding to another role is replaced (roleRef is immutable). */
export function reconcileBinding(existing: Obj | undefined, expected: Obj): Reconciled {
  if (!existing) return { op: 'create', obj: clone(expected) };
  if (skipped(existing)) return { op: 'none' };
  if (!deepEqual(existing.roleRef, expected.roleRef)) {
    const obj = clone(expected);
    obj.subjects = [
      ...(existing.subjects ?? []),
      ...(expected.subjects ?? []).filter((s: Obj) => !(existing.subjects ?? []).some((e: Obj) => sameSubject(e, s))),
    ];
    return { op: 'recreate', obj };
  }
  const result = clone(existing);
  mergeMeta(result, expected);
  const have: Obj[] = existing.subjects ?? [];
  const added = ((expected.subjects ?? []) as Obj[]).filter((s) => !have.some((h) => sameSubject(h, s)));
  if (added.length) result.subjects = [...have, ...added];
  return deepEqual(result, existing) ? { op: 'none' } : { op: 'update', obj: result };
}

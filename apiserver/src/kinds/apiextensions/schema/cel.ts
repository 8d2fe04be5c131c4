// x-kubernetes-validations: CEL rules on a custom resource's schema, evaluated with @bufbuild/cel (a CEL
// evaluator conformance-tested against cel-spec). As upstream: `self` is the value at the rule's node
// (integers as CEL ints, numbers as doubles, per the schema), `oldSelf` the same place in the stored
// object on updates (a rule that uses it is a transition rule, skipped when there is no old value unless
// optionalOldSelf), `message` / `messageExpression`, `reason`, `fieldPath`; rules run only when the
// object passed the schema's blocking checks. The standard library, the strings extension and
// Kubernetes' list library (isSorted, sum, min, max, indexOf, lastIndexOf) are available.
import { CelScalar, celEnv, celMethod, isCelError, listType, parse, plan, type CelEnv, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { fe, type Cause } from '../../../registry/fielderrors';
import { child, index, isObject, jsonType, type Props } from './paths';

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

type Program = (bindings: Record<string, unknown>) => unknown;

interface Compiled {
  rule: ValidationRule;
  program: Program;
  message?: Program;
  usesOldSelf: boolean;
}

/** A rule that does not compile: which of its expressions, and why. */
export interface CompileError {
  index: number;
  field: 'rule' | 'messageExpression';
  detail: string;
}

const cmp = (a: CelValue, b: CelValue): number => ((a as never) < (b as never) ? -1 : (a as never) > (b as never) ? 1 : 0);
function each(list: Iterable<CelValue>): CelValue[] {
  return [...list];
}

/** Kubernetes' CEL list library (k8s.io/apiserver/pkg/cel/library/lists.go). */
const LISTS = [
  celMethod('isSorted', listType(CelScalar.DYN), [], CelScalar.BOOL, function () {
    const xs = each(this);
    return xs.every((x, i) => i === 0 || cmp(xs[i - 1], x) <= 0);
  }),
  celMethod('sum', listType(CelScalar.DYN), [], CelScalar.DYN, function () {
    const xs = each(this);
    if (!xs.length) return 0n;
    return xs.reduce((a, b) => (a as never) + (b as never));
  }),
  celMethod('min', listType(CelScalar.DYN), [], CelScalar.DYN, function () {
    const xs = each(this);
    if (!xs.length) throw new Error('min called on empty list');
    return xs.reduce((a, b) => (cmp(b, a) < 0 ? b : a));
  }),
  celMethod('max', listType(CelScalar.DYN), [], CelScalar.DYN, function () {
    const xs = each(this);
    if (!xs.length) throw new Error('max called on empty list');
    return xs.reduce((a, b) => (cmp(b, a) > 0 ? b : a));
  }),
  celMethod('indexOf', listType(CelScalar.DYN), [CelScalar.DYN], CelScalar.INT, function (x) {
    return BigInt(each(this).findIndex((y) => JSON.stringify(y, big) === JSON.stringify(x, big)));
  }),
  celMethod('lastIndexOf', listType(CelScalar.DYN), [CelScalar.DYN], CelScalar.INT, function (x) {
    const xs = each(this);
    for (let i = xs.length - 1; i >= 0; i--) if (JSON.stringify(xs[i], big) === JSON.stringify(x, big)) return BigInt(i);
    return -1n;
  }),
];

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

let env: CelEnv | undefined;
const celEnvironment = () => (env ??= celEnv({ funcs: [...strings, ...LISTS] }));

/** Does the parsed expression name the identifier `name`? */
function mentions(node: unknown, name: string): boolean {
  if (!node || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some((n) => mentions(n, name));
  const o = node as Record<string, unknown>;
  const kind = o.exprKind as { case?: string; value?: { name?: string } } | undefined;
  if (kind?.case === 'identExpr' && kind.value?.name === name) return true;
  return Object.values(o).some((v) => typeof v === 'object' && mentions(v, name));
}

function compileOne(src: string): { program: Program; usesOldSelf: boolean } {
  const parsed = parse(src);
  const run = plan(celEnvironment(), parsed) as (b?: Record<string, unknown>) => unknown;
  return { program: (b) => run(b as never), usesOldSelf: mentions(parsed.expr, 'oldSelf') };
}

const compiledRules = new WeakMap<Props, { rules: Compiled[]; errors: CompileError[] }>();

/** The compiled x-kubernetes-validations of one schema node (once per node), with the compile errors. */
export function compileRules(s: Props): { rules: Compiled[]; errors: CompileError[] } {
  let c = compiledRules.get(s);
  if (c) return c;
  c = { rules: [], errors: [] };
  const rules = (Array.isArray(s['x-kubernetes-validations']) ? s['x-kubernetes-validations'] : []) as ValidationRule[];
  rules.forEach((rule, i) => {
    if (!rule || typeof rule.rule !== 'string' || !rule.rule.trim()) return;
    let compiled: ReturnType<typeof compileOne>;
    try {
      compiled = compileOne(rule.rule);
    } catch (e) {
      c!.errors.push({ index: i, field: 'rule', detail: `compilation failed: ERROR: ${(e as Error).message}` });
      return;
    }
    let message: Program | undefined;
    if (typeof rule.messageExpression === 'string' && rule.messageExpression.trim()) {
      try {
        message = compileOne(rule.messageExpression).program;
      } catch (e) {
        c!.errors.push({ index: i, field: 'messageExpression', detail: `messageExpression compilation failed: ERROR: ${(e as Error).message}` });
        return;
      }
    }
    c!.rules.push({ rule, program: compiled.program, message, usesOldSelf: compiled.usesOldSelf });
  });
  compiledRules.set(s, c);
  return c;
}

/** A JSON value as CEL sees it through its schema: integers as int (bigint), numbers as double. */
export function celValue(s: Props | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return v ?? null;
  if (typeof v === 'number') {
    const integer = s?.type === 'integer' || s?.['x-kubernetes-int-or-string'] || (!s?.type && Number.isInteger(v));
    return integer && Number.isInteger(v) ? BigInt(v) : v;
  }
  if (Array.isArray(v)) return v.map((x) => celValue(isObject(s?.items) ? (s!.items as Props) : undefined, x));
  if (isObject(v)) {
    const props = s?.properties ?? {};
    const extra = isObject(s?.additionalProperties) ? (s!.additionalProperties as Props) : undefined;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = celValue(Object.hasOwn(props, k) ? props[k] : extra, x);
    return out;
  }
  return v;
}

const REASONS: Record<string, (field: string, value: unknown, detail: string) => Cause> = {
  FieldValueForbidden: (f, _v, d) => fe.forbidden(f, d),
  FieldValueRequired: (f, _v, d) => fe.required(f, d),
  FieldValueDuplicate: (f, v) => fe.duplicate(f, v),
};

const ruleText = (r: ValidationRule) => (r.message ? r.message.trim() : r.rule.trim());

/** The message of a failed rule: its messageExpression's value when that evaluates to a usable string, else its message, else "failed rule: <rule>". */
function failureMessage(c: Compiled, bindings: Record<string, unknown>): string {
  const fallback = c.rule.message ? c.rule.message.trim() : `failed rule: ${ruleText(c.rule)}`;
  if (!c.message) return fallback;
  const out = c.message(bindings);
  if (typeof out !== 'string') return fallback;
  const text = out.trim();
  return text && !text.includes('\n') && text.length <= 5 * 1024 ? text : fallback;
}

/** Which rules a walk runs: all, those without oldSelf (every write), or the transition rules (updates). */
export type RuleSet = 'all' | 'plain' | 'transition';

function evaluate(s: Props, value: unknown, old: unknown, path: string, which: RuleSet, out: Cause[]): void {
  const { rules } = compileRules(s);
  if (!rules.length) return;
  const type = s.type ?? jsonType(value);
  const bindings: Record<string, unknown> = { self: celValue(s, value) };
  const hasOld = old !== undefined;
  if (hasOld) bindings.oldSelf = celValue(s, old);
  for (const c of rules) {
    if ((which === 'plain' && c.usesOldSelf) || (which === 'transition' && !c.usesOldSelf)) continue;
    if (c.usesOldSelf && !hasOld && !c.rule.optionalOldSelf) continue;
    const at = c.rule.fieldPath ? child(path, c.rule.fieldPath.trim().replace(/^\./, '')) : path;
    let result: unknown;
    try {
      result = c.program(c.usesOldSelf && !hasOld ? { ...bindings, oldSelf: null } : bindings);
    } catch (e) {
      result = e;
    }
    if (result === true) continue;
    if (isCelError(result) || result instanceof Error) {
      out.push(fe.invalid(at, type, `${(result as Error).message} evaluating rule: ${ruleText(c.rule)}`));
      continue;
    }
    if (result !== false) {
      out.push(fe.invalid(at, type, `rule did not evaluate to a boolean evaluating rule: ${ruleText(c.rule)}`));
      continue;
    }
    const message = failureMessage(c, bindings);
    out.push((REASONS[c.rule.reason ?? ''] ?? ((f, v, d) => fe.invalid(f, v, d)))(at, type, message));
  }
}

/**
 * The causes of every x-kubernetes-validations rule `value` fails, at every depth; `old` is the stored
 * object on updates (correlated by property name, map keys of x-kubernetes-list-type=map lists).
 */
export function celErrors(s: Props, value: unknown, old: unknown, path = '', which: RuleSet = 'all'): Cause[] {
  const out: Cause[] = [];
  walk(s, value, old, path, which, out);
  return out;
}

function walk(s: Props, value: unknown, old: unknown, path: string, which: RuleSet, out: Cause[]): void {
  if (value === undefined || value === null) return;
  evaluate(s, value, old, path, which, out);
  for (const sub of (s.allOf as Props[] | undefined) ?? []) evaluate(sub, value, old, path, which, out);
  if (Array.isArray(value)) {
    if (!isObject(s.items)) return;
    const items = s.items as Props;
    const keys = s['x-kubernetes-list-type'] === 'map' ? (s['x-kubernetes-list-map-keys'] ?? []) : undefined;
    const oldByKey = new Map<string, unknown>();
    if (keys && Array.isArray(old)) for (const o of old) if (isObject(o)) oldByKey.set(JSON.stringify(keys.map((k) => o[k])), o);
    value.forEach((x, i) => {
      const prev = keys && isObject(x) ? oldByKey.get(JSON.stringify(keys.map((k) => x[k]))) : undefined;
      walk(items, x, prev, index(path, i), which, out);
    });
    return;
  }
  if (!isObject(value)) return;
  const props = s.properties ?? {};
  const extra = isObject(s.additionalProperties) ? (s.additionalProperties as Props) : undefined;
  const oldObj = isObject(old) && s['x-kubernetes-map-type'] !== 'atomic' ? old : undefined;
  for (const [k, x] of Object.entries(value)) {
    const sub = Object.hasOwn(props, k) ? props[k] : extra;
    if (sub) walk(sub, x, oldObj?.[k], Object.hasOwn(props, k) ? child(path, k) : `${path}[${k}]`, which, out);
  }
}

/** Does the schema carry any rule? */
export function hasRules(s: Props | undefined): boolean {
  if (!s) return false;
  if (Array.isArray(s['x-kubernetes-validations']) && s['x-kubernetes-validations'].length) return true;
  const subs = [...Object.values(s.properties ?? {}), ...((s.allOf as Props[] | undefined) ?? [])];
  if (isObject(s.items)) subs.push(s.items as Props);
  if (isObject(s.additionalProperties)) subs.push(s.additionalProperties as Props);
  return subs.some(hasRules);
}

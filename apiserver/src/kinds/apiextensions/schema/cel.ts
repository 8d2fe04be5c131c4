// x-kubernetes-validations: CEL rules on a custom resource's schema, evaluated with @bufbuild/cel (a CEL
// evaluator conformance-tested against cel-spec). As upstream: `self` is the value at the rule's node
// (integers as CEL ints, numbers as doubles, per the schema), `oldSelf` the same place in the stored
// object on updates (a rule that uses it is a transition rule, skipped when there is no old value unless
// optionalOldSelf), `message` / `messageExpression`, `reason`, `fieldPath`; rules run only when the
// object passed the schema's blocking checks. The standard library, the strings extension and
// Kubernetes' list library (isSorted, sum, min, max, indexOf, lastIndexOf) are available. Each evaluation
// is first charged its worst-case cost over the actual value's sizes (celcost.ts): over the per-call limit
// or the object's remaining budget, it and every later rule are not run, as upstream cancels them.
import { CelScalar, celEnv, celMethod, isCelError, listType, parse, plan, type CelEnv, type CelValue } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { fe, type Cause } from '../../../registry/fielderrors';
import { child, index, isObject, jsonType, type Props } from './paths';
import { estimateCost, PER_CALL_LIMIT, RUNTIME_CEL_COST_BUDGET, schemaShape, valueShape, type Shape } from './celcost';

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

type Program = (bindings: Record<string, unknown>) => unknown;
type Expr = ReturnType<typeof parse>['expr'];

interface Compiled {
  rule: ValidationRule;
  program: Program;
  expr: Expr;
  message?: Program;
  messageExpr?: Expr;
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
    return xs.reduce((a, b) => (a as number) + (b as number)); // bigints or numbers: the cast only quiets the checker
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

function compileOne(src: string): { program: Program; expr: Expr; usesOldSelf: boolean } {
  const parsed = parse(src);
  const run = plan(celEnvironment(), parsed) as (b?: Record<string, unknown>) => unknown;
  return { program: (b) => run(b), expr: parsed.expr, usesOldSelf: mentions(parsed.expr, 'oldSelf') };
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
      c.errors.push({ index: i, field: 'rule', detail: `compilation failed: ERROR: ${(e as Error).message}` });
      return;
    }
    let message: ReturnType<typeof compileOne> | undefined;
    if (typeof rule.messageExpression === 'string' && rule.messageExpression.trim()) {
      try {
        message = compileOne(rule.messageExpression);
      } catch (e) {
        c.errors.push({
          index: i,
          field: 'messageExpression',
          detail: `messageExpression compilation failed: ERROR: ${(e as Error).message}`,
        });
        return;
      }
    }
    c.rules.push({ rule, ...compiled, message: message?.program, messageExpr: message?.expr });
  });
  compiledRules.set(s, c);
  return c;
}

/**
 * The estimated worst-case cost of each compiled rule of a node (index into x-kubernetes-validations) over
 * the schema's bounds, times `cardinality` (how often the node can occur in one object), and of its
 * messageExpression (once, as upstream).
 */
export function estimatedCosts(s: Props, cardinality: number): { index: number; rule: number; message?: number }[] {
  const shape = schemaShape(s);
  const vars = { self: shape, oldSelf: shape };
  const rules = s['x-kubernetes-validations'] as ValidationRule[];
  return compileRules(s).rules.map((c) => ({
    index: rules.indexOf(c.rule),
    rule: Math.min(2 ** 64, estimateCost(c.expr, vars) * cardinality),
    message: c.messageExpr ? estimateCost(c.messageExpr, vars) : undefined,
  }));
}

/** A JSON value as CEL sees it through its schema: integers as int (bigint), numbers as double. */
export function celValue(s: Props | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return v ?? null;
  if (typeof v === 'number') {
    const integer = s?.type === 'integer' || s?.['x-kubernetes-int-or-string'] || (!s?.type && Number.isInteger(v));
    return integer && Number.isInteger(v) ? BigInt(v) : v;
  }
  if (Array.isArray(v)) return v.map((x) => celValue(isObject(s?.items) ? s.items : undefined, x));
  if (isObject(v)) {
    const props = s?.properties ?? {};
    const extra = isObject(s?.additionalProperties) ? s.additionalProperties : undefined;
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

/**
 * The message of a failed rule: its messageExpression's value when that evaluates to a usable string
 * within the budget, else its message, else "failed rule: <rule>".
 */
function failureMessage(c: Compiled, bindings: Record<string, unknown>, shapes: Record<string, Shape>, budget: Budget): string {
  const fallback = c.rule.message ? c.rule.message.trim() : `failed rule: ${ruleText(c.rule)}`;
  if (!c.message) return fallback;
  const cost = estimateCost(c.messageExpr, shapes);
  if (cost > PER_CALL_LIMIT || cost > budget.remaining) return fallback;
  budget.remaining -= cost;
  const out = c.message(bindings);
  if (typeof out !== 'string') return fallback;
  const text = out.trim();
  return text && !text.includes('\n') && text.length <= 5 * 1024 ? text : fallback;
}

/** Which rules a walk runs: all, those without oldSelf (every write), or the transition rules (updates). */
export type RuleSet = 'all' | 'plain' | 'transition';

/** What one validation call may still spend (upstream's RuntimeCELCostBudget); stopped once exceeded. */
interface Budget {
  remaining: number;
  stopped: boolean;
}

function evaluate(s: Props, value: unknown, old: unknown, path: string, which: RuleSet, budget: Budget, out: Cause[]): void {
  const { rules } = compileRules(s);
  if (!rules.length || budget.stopped) return;
  const type = s.type ?? jsonType(value);
  const bindings: Record<string, unknown> = { self: celValue(s, value) };
  const hasOld = old !== undefined;
  if (hasOld) bindings.oldSelf = celValue(s, old);
  const shapes = { self: valueShape(value), oldSelf: valueShape(hasOld ? old : null) };
  for (const c of rules) {
    if ((which === 'plain' && c.usesOldSelf) || (which === 'transition' && !c.usesOldSelf)) continue;
    if (c.usesOldSelf && !hasOld && !c.rule.optionalOldSelf) continue;
    const cost = estimateCost(c.expr, shapes);
    if (cost > PER_CALL_LIMIT) {
      out.push(
        fe.invalid(
          path,
          type,
          `'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleText(c.rule)}`,
        ),
      );
      budget.stopped = true;
      return;
    }
    if (cost > budget.remaining) {
      out.push(fe.invalid(path, type, 'validation failed due to running out of cost budget, no further validation rules will be run'));
      budget.stopped = true;
      return;
    }
    budget.remaining -= cost;
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
    const message = failureMessage(c, bindings, shapes, budget);
    out.push((REASONS[c.rule.reason ?? ''] ?? ((f, v, d) => fe.invalid(f, v, d)))(at, type, message));
  }
}

/**
 * The causes of every x-kubernetes-validations rule `value` fails, at every depth; `old` is the stored
 * object on updates (correlated by property name, map keys of x-kubernetes-list-type=map lists).
 */
export function celErrors(
  s: Props,
  value: unknown,
  old: unknown,
  path = '',
  which: RuleSet = 'all',
  budget = RUNTIME_CEL_COST_BUDGET,
): Cause[] {
  const out: Cause[] = [];
  walk(s, value, old, path, which, { remaining: budget, stopped: false }, out);
  return out;
}

function walk(s: Props, value: unknown, old: unknown, path: string, which: RuleSet, budget: Budget, out: Cause[]): void {
  if (value === undefined || value === null || budget.stopped) return;
  evaluate(s, value, old, path, which, budget, out);
  for (const sub of s.allOf ?? []) evaluate(sub, value, old, path, which, budget, out);
  if (Array.isArray(value)) {
    if (!isObject(s.items)) return;
    const items = s.items;
    const keys = s['x-kubernetes-list-type'] === 'map' ? (s['x-kubernetes-list-map-keys'] ?? []) : undefined;
    const oldByKey = new Map<string, unknown>();
    if (keys && Array.isArray(old)) for (const o of old) if (isObject(o)) oldByKey.set(JSON.stringify(keys.map((k) => o[k])), o);
    value.forEach((x, i) => {
      const prev = keys && isObject(x) ? oldByKey.get(JSON.stringify(keys.map((k) => x[k]))) : undefined;
      walk(items, x, prev, index(path, i), which, budget, out);
    });
    return;
  }
  if (!isObject(value)) return;
  const props = s.properties ?? {};
  const extra = isObject(s.additionalProperties) ? s.additionalProperties : undefined;
  const oldObj = isObject(old) && s['x-kubernetes-map-type'] !== 'atomic' ? old : undefined;
  for (const [k, x] of Object.entries(value)) {
    const sub = Object.hasOwn(props, k) ? props[k] : extra;
    if (sub) walk(sub, x, oldObj?.[k], Object.hasOwn(props, k) ? child(path, k) : `${path}[${k}]`, which, budget, out);
  }
}

/** Does the schema carry any rule? */
export function hasRules(s: Props | undefined): boolean {
  if (!s) return false;
  if (Array.isArray(s['x-kubernetes-validations']) && s['x-kubernetes-validations'].length) return true;
  const subs = [...Object.values(s.properties ?? {}), ...(s.allOf ?? [])];
  if (isObject(s.items)) subs.push(s.items);
  if (isObject(s.additionalProperties)) subs.push(s.additionalProperties);
  return subs.some(hasRules);
}

// The cost of a CEL rule, in CEL's cost units, estimated from its parsed expression and the shapes of the
// values it sees (cel-go's checker cost model, as upstream's apiserver uses it). @bufbuild/cel has no cost
// tracking and no way to interrupt an evaluation, so the same worst-case estimate serves both places:
//  - at CRD create/update, over the schema's bounds (maxLength, maxItems, maxProperties; unbounded ones as
//    many as fit in a request), times how often the rule's node can repeat in one object;
//  - before each evaluation, over the sizes of the actual value (`self`, `oldSelf`): a rule is charged this
//    bound against the per-call limit and the per-object budget and is not run when it does not fit, so a
//    hostile object cannot make the apiserver spin.
import type { parse } from '@bufbuild/cel';
import { isObject, type Props } from './paths';

/** Upstream's limits (k8s.io/apiserver/pkg/apis/cel/config.go, apiextensions validation). */
export const PER_CALL_LIMIT = 1_000_000;
export const RUNTIME_CEL_COST_BUDGET = 10_000_000;
export const STATIC_ESTIMATED_COST_LIMIT = 10_000_000;
export const STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000;
export const MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024;
/** Costs saturate here (upstream's math.MaxUint64). */
const MAX_COST = 2 ** 64;

const STRING_TRAVERSAL = 0.1;
const REGEX_LENGTH = 0.25;
const LIST_CREATE = 10;
const MAP_CREATE = 30;

/** What the estimate knows of a value: its kind and its largest size (characters, items, properties). */
export interface Shape {
  kind: 'string' | 'list' | 'map' | 'object' | 'scalar' | 'dyn';
  size: number;
  /** List items, map values. */
  elem?: () => Shape;
  /** Object fields. */
  field?: (name: string) => Shape | undefined;
}

const DYN: Shape = { kind: 'dyn', size: MAX_REQUEST_SIZE_BYTES, elem: () => DYN, field: () => DYN };
const SCALAR: Shape = { kind: 'scalar', size: 1 };
const BOOL = SCALAR;
const str = (size: number): Shape => ({ kind: 'string', size });
const list = (size: number, elem: Shape): Shape => ({ kind: 'list', size, elem: () => elem });

const add = (...xs: number[]) =>
  Math.min(
    MAX_COST,
    xs.reduce((a, b) => a + b, 0),
  );
const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : Math.min(MAX_COST, a * b));
const traverse = (size: number, factor = STRING_TRAVERSAL) => Math.ceil(mul(size, factor));

function merge(a: Shape, b: Shape): Shape {
  if (a.kind !== b.kind) return a.kind === 'scalar' && b.kind === 'scalar' ? SCALAR : DYN;
  const elem = a.elem && b.elem ? () => merge(a.elem!(), b.elem!()) : undefined;
  const field =
    a.field && b.field
      ? (n: string) => {
          const x = a.field!(n);
          const y = b.field!(n);
          return x && y ? merge(x, y) : (x ?? y);
        }
      : undefined;
  return { kind: a.kind, size: Math.max(a.size, b.size), elem, field };
}

// --- shapes from a schema (the static estimate) ------------------------------------------------------------

/** The smallest JSON a value of this schema serializes to (upstream's MinSerializedSize). */
function minSize(s: Props | undefined): number {
  if (!s) return 1;
  if (s['x-kubernetes-int-or-string']) return 1;
  switch (s.type) {
    case 'string':
      return 2;
    case 'boolean':
      return 4;
    case 'integer':
    case 'number':
      return 1;
    default:
      return 2;
  }
}

const maxItems = (items: Props | undefined) => Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (minSize(items) + 1));
const maxProperties = (value: Props | undefined) => Math.floor((MAX_REQUEST_SIZE_BYTES - 2) / (minSize(value) + 6));

/** How many times a node of this schema can occur in one request (upstream's maxCardinality). */
export const maxCardinality = (s: Props | undefined) => Math.floor(MAX_REQUEST_SIZE_BYTES / (minSize(s) + 1));

/** How many times one value of `items` can repeat under the list or map node `s`. */
export function repeats(s: Props): number {
  if (isObject(s.items)) return typeof s.maxItems === 'number' ? s.maxItems : maxItems(s.items);
  const value = isObject(s.additionalProperties) ? s.additionalProperties : undefined;
  return typeof s.maxProperties === 'number' ? s.maxProperties : maxProperties(value);
}

function stringSize(s: Props): number {
  if (s['x-kubernetes-int-or-string']) return MAX_REQUEST_SIZE_BYTES - 2;
  if (typeof s.maxLength === 'number') return Math.max(0, s.maxLength) * 4;
  if (Array.isArray(s.enum) && s.enum.length) return Math.max(0, ...s.enum.map((v) => (typeof v === 'string' ? v.length : 0)));
  return MAX_REQUEST_SIZE_BYTES - 2;
}

/** The shape of any value the schema admits, at its largest. */
export function schemaShape(s: Props | undefined): Shape {
  if (!s) return DYN;
  if (s.type === 'string' || s['x-kubernetes-int-or-string']) return str(stringSize(s));
  if (s.type === 'array') return { kind: 'list', size: repeats(s), elem: () => schemaShape(isObject(s.items) ? s.items : undefined) };
  if (s.type === 'object' || s.properties || s.additionalProperties) {
    const props = isObject(s.properties) ? s.properties : {};
    if (isObject(s.additionalProperties) || (!Object.keys(props).length && s['x-kubernetes-preserve-unknown-fields'])) {
      const value = isObject(s.additionalProperties) ? schemaShape(s.additionalProperties) : DYN;
      return { kind: 'map', size: repeats(s), elem: () => value, field: () => value };
    }
    const embedded = s['x-kubernetes-embedded-resource'] || s['x-kubernetes-preserve-unknown-fields'];
    return {
      kind: 'object',
      size: Object.keys(props).length,
      field: (n) => (Object.hasOwn(props, n) ? schemaShape(props[n]) : embedded ? DYN : undefined),
    };
  }
  return SCALAR;
}

// --- shapes from a value (the runtime bound) ---------------------------------------------------------------

const valueShapes = new WeakMap<object, Shape>();

/** The shape of one JSON value: its own sizes, list items merged to their largest. */
export function valueShape(v: unknown): Shape {
  if (typeof v === 'string') return str(v.length);
  if (!v || typeof v !== 'object') return SCALAR;
  let shape = valueShapes.get(v);
  if (shape) return shape;
  if (Array.isArray(v)) {
    const elem = v.length ? v.map(valueShape).reduce(merge) : SCALAR;
    shape = list(v.length, elem);
  } else {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    const values = keys.length ? keys.map((k) => valueShape(o[k])).reduce(merge) : SCALAR;
    // An object is looked up by field and iterated as a map of its keys.
    shape = { kind: 'object', size: keys.length, field: (n) => (Object.hasOwn(o, n) ? valueShape(o[n]) : undefined), elem: () => values };
  }
  valueShapes.set(v, shape);
  return shape;
}

// --- the estimate ------------------------------------------------------------------------------------------

type Expr = NonNullable<ReturnType<typeof parse>['expr']>;

interface Estimate {
  cost: number;
  shape: Shape;
}

const sizeOf = (s: Shape) => (s.kind === 'scalar' ? 1 : s.size);
const keyShape = (s: Shape): Shape =>
  s.kind === 'list' ? (s.elem?.() ?? DYN) : s.kind === 'dyn' ? DYN : str(s.kind === 'object' ? 256 : MAX_REQUEST_SIZE_BYTES - 2);
const elemOf = (s: Shape): Shape => s.elem?.() ?? DYN;

/** The worst-case cost of `expr` with its variables bound to these shapes. */
export function estimateCost(expr: Expr | undefined, vars: Record<string, Shape>): number {
  return expr ? estimate(expr, new Map(Object.entries(vars))).cost : 0;
}

function estimate(e: Expr, vars: Map<string, Shape>): Estimate {
  const k = e.exprKind;
  switch (k.case) {
    case 'constExpr': {
      const c = k.value.constantKind;
      return { cost: 0, shape: c.case === 'stringValue' ? str(c.value.length) : c.case === 'bytesValue' ? str(c.value.length) : SCALAR };
    }
    case 'identExpr':
      return { cost: 1, shape: vars.get(k.value.name) ?? SCALAR };
    case 'selectExpr': {
      const operand = k.value.operand ? estimate(k.value.operand, vars) : { cost: 0, shape: DYN };
      if (k.value.testOnly) return { cost: add(operand.cost, 1), shape: BOOL };
      return { cost: add(operand.cost, 1), shape: member(operand.shape, k.value.field) };
    }
    case 'listExpr': {
      const elems = k.value.elements.map((x) => estimate(x, vars));
      const elem = elems.length ? elems.map((x) => x.shape).reduce(merge) : SCALAR;
      return { cost: add(LIST_CREATE, ...elems.map((x) => x.cost)), shape: list(elems.length, elem) };
    }
    case 'structExpr': {
      const entries = k.value.entries.flatMap((x) => [x.keyKind.case === 'mapKey' ? x.keyKind.value : undefined, x.value]);
      const parts = entries.filter((x): x is Expr => !!x).map((x) => estimate(x, vars));
      return {
        cost: add(MAP_CREATE, ...parts.map((x) => x.cost)),
        shape: { kind: 'map', size: k.value.entries.length, elem: () => DYN, field: () => DYN },
      };
    }
    case 'comprehensionExpr': {
      const c = k.value;
      const range = c.iterRange ? estimate(c.iterRange, vars) : { cost: 0, shape: DYN };
      const n = sizeOf(range.shape);
      const init = c.accuInit ? estimate(c.accuInit, vars) : { cost: 0, shape: SCALAR };
      // The accumulator can grow by one step per iteration (map, filter): bound it by the range.
      const accu = init.shape.kind === 'list' ? { ...init.shape, size: n, elem: () => DYN } : init.shape;
      const inner = new Map(vars).set(c.iterVar, keyShape(range.shape)).set(c.accuVar, accu);
      const cond = c.loopCondition ? estimate(c.loopCondition, inner) : { cost: 0, shape: BOOL };
      const step = c.loopStep ? estimate(c.loopStep, inner) : { cost: 0, shape: accu };
      const stepShape = step.shape.kind === 'list' ? { ...step.shape, size: Math.min(step.shape.size, n) } : step.shape;
      const result = c.result ? estimate(c.result, new Map(vars).set(c.accuVar, stepShape)) : { cost: 0, shape: stepShape };
      return { cost: add(range.cost, init.cost, mul(n, add(cond.cost, step.cost)), result.cost), shape: result.shape };
    }
    case 'callExpr':
      return call(k.value.function, k.value.target ? estimate(k.value.target, vars) : undefined, k.value.args, vars);
    default:
      return { cost: 0, shape: DYN };
  }
}

function member(s: Shape, name: string): Shape {
  if (s.kind === 'object') return s.field?.(name) ?? SCALAR;
  if (s.kind === 'map') return elemOf(s);
  return DYN;
}

function call(fn: string, target: Estimate | undefined, argExprs: Expr[], vars: Map<string, Shape>): Estimate {
  const args = argExprs.map((a) => estimate(a, vars));
  const base = add(target?.cost ?? 0, ...args.map((a) => a.cost));
  const [a, b] = target ? [target.shape, args[0]?.shape] : [args[0]?.shape, args[1]?.shape];
  const sa = a ? sizeOf(a) : 1;
  const sb = b ? sizeOf(b) : 1;
  const strings = a?.kind === 'string' || a?.kind === 'dyn';
  const own = (cost: number, shape: Shape): Estimate => ({ cost: add(base, cost), shape });
  switch (fn) {
    case '_&&_':
    case '_||_':
    case '@not_strictly_false':
      return own(0, BOOL);
    case '_?_:_':
      // Only one branch runs.
      return {
        cost: add(args[0].cost, Math.max(args[1].cost, args[2].cost)),
        shape: merge(args[1].shape, args[2].shape),
      };
    case '_==_':
    case '_!=_':
    case '_<_':
    case '_<=_':
    case '_>_':
    case '_>=_':
      return own(1 + (strings ? traverse(Math.min(sa, sb)) : a?.kind === 'list' || a?.kind === 'map' ? Math.min(sa, sb) : 0), BOOL);
    case '_+_':
      if (a?.kind === 'string') return own(traverse(sa + sb), str(sa + sb));
      if (a?.kind === 'list' && b) return own(1, list(sa + sb, merge(elemOf(a), elemOf(b))));
      return own(1, a?.kind === 'dyn' ? DYN : SCALAR);
    case '_[_]':
      return own(1, a?.kind === 'list' || a?.kind === 'map' ? elemOf(a) : a?.kind === 'object' ? (a.elem?.() ?? DYN) : DYN);
    case '@in':
      return own(1 + (b?.kind === 'list' || b?.kind === 'dyn' ? mul(sb, 1 + traverse(sa)) : 0), BOOL);
    case 'contains':
      return own(1 + traverse(mul(sa, sb)), BOOL);
    case 'startsWith':
    case 'endsWith':
      return own(1 + traverse(sb), BOOL);
    case 'matches':
      return own(mul(Math.ceil((1 + sa) * STRING_TRAVERSAL), Math.ceil(sb * REGEX_LENGTH)), BOOL);
    case 'indexOf':
    case 'lastIndexOf':
      return own(a?.kind === 'list' ? 1 + mul(sa, 1 + traverse(sb)) : 1 + traverse(mul(sa, sb)), SCALAR);
    case 'lowerAscii':
    case 'upperAscii':
    case 'trim':
    case 'reverse':
    case 'quote':
    case 'substring':
    case 'string':
    case 'bytes':
      return own(1 + traverse(sa), a?.kind === 'string' || a?.kind === 'dyn' ? str(sa) : str(32));
    case 'replace': {
      const to = args[1] ? sizeOf(args[1].shape) : 1;
      return own(1 + traverse(mul(sa, Math.max(1, to))), str(mul(sa, Math.max(1, to))));
    }
    case 'split':
      return own(1 + traverse(sa), list(sa, str(sa)));
    case 'join': {
      const total = add(mul(sa, sizeOf(elemOf(a ?? DYN))), mul(sa, sb));
      return own(1 + traverse(total), str(total));
    }
    case 'format':
      return own(1 + traverse(add(sa, mul(sb, 64))), str(add(sa, mul(sb, 64))));
    case 'isSorted':
    case 'sum':
    case 'min':
    case 'max':
      return own(1 + sa, a?.kind === 'list' ? elemOf(a) : SCALAR);
    default:
      return own(1, SCALAR);
  }
}

/** Upstream's wording of how far a cost is over its limit. */
export function costErrorMessage(costName: string, cost: number, limit: number): string {
  const f = cost / limit;
  const factor = f > 100 ? 'more than 100x' : f < 1.5 ? `${f.toFixed(6)}x` : `${f.toFixed(1)}x`;
  return `${costName} exceeds budget by factor of ${factor} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}

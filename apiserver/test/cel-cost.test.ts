// CEL cost limits, table-driven: the static estimate a CRD's rules must fit (per expression and for the
// whole schema, with upstream's messages) and the runtime bound each evaluation is charged against the
// per-call limit and the per-object budget.
import { parse } from '@bufbuild/cel';
import { describe, expect, it } from 'vitest';
import { celErrors } from '../src/kinds/apiextensions/schema/cel';
import { costErrorMessage, estimateCost, schemaShape, valueShape } from '../src/kinds/apiextensions/schema/celcost';
import type { Props } from '../src/kinds/apiextensions/schema/paths';
import { costErrors } from '../src/kinds/apiextensions/schema/structural';
import { validateCrdCosts } from '../src/kinds/apiextensions/validation';

const rule = (r: string) => ({ 'x-kubernetes-validations': [{ rule: r }] });
const at = 'spec.validation';

describe('estimated cost of an expression', () => {
  it.each<[string, Props, number]>([
    // self 1, each call 1, constants 0
    ['a comparison of an integer', { type: 'integer' }, 2],
    ['size of a bounded string', { type: 'string', maxLength: 10 }, 3],
    // maxLength counts as 4 bytes a character: ceil(401 * 0.1) * ceil(7 * 0.25) + self
    ['a regex on a bounded string', { type: 'string', maxLength: 100 }, 41 * 2 + 1],
    // range 1 + 10 * (condition 1 + step 3) + result 1
    ['all() over a bounded list', { type: 'array', maxItems: 10, items: { type: 'integer' } }, 1 + 10 * 4 + 1],
  ])('%s', (_name, s, cost) => {
    const src = {
      'a comparison of an integer': 'self > 1',
      'size of a bounded string': 'size(self) < 5',
      'a regex on a bounded string': "self.matches('^[a-z]+$')",
      'all() over a bounded list': 'self.all(x, x > 0)',
    }[_name]!;
    expect(estimateCost(parse(src).expr, { self: schemaShape(s) })).toBe(cost);
  });

  it('grows with the actual value, quadratically for a nested loop', () => {
    const expr = parse('self.all(x, self.all(y, x != y || x == y))').expr;
    const small = estimateCost(expr, { self: valueShape([1, 2, 3]) });
    const big = estimateCost(expr, { self: valueShape(Array.from({ length: 300 }, (_, i) => i)) });
    expect(big / small).toBeGreaterThan(5000);
  });
});

describe('CRD rules over the static cost limit', () => {
  const root = (props: Record<string, Props>): Props => ({ type: 'object', properties: { spec: { type: 'object', properties: props } } });
  const base = `${at}.openAPIV3Schema.properties[spec].properties`;
  it.each<[string, Props, string[]]>([
    [
      'a bounded list with a nested loop is accepted',
      root({
        xs: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 64 }, ...rule('self.all(x, self.exists(y, x == y))') },
      }),
      [],
    ],
    [
      'an unbounded list with a nested loop is refused, naming the rule',
      root({ xs: { type: 'array', items: { type: 'string' }, ...rule('self.all(x, self.exists(y, x == y))') } }),
      [
        `${base}[xs].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`,
        `${base}[xs].x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema`,
        `${at}.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`,
      ],
    ],
    [
      'a rule on unbounded strings inside an unbounded list multiplies by how often it can occur',
      root({ xs: { type: 'array', items: { type: 'string', ...rule("self.matches('^a+$')") } } }),
      [
        `${base}[xs].items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`,
        `${base}[xs].items.x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema`,
        `${at}.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`,
      ],
    ],
    [
      'the same rule with maxItems and maxLength fits',
      root({ xs: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 253, ...rule("self.matches('^a+$')") } } }),
      [],
    ],
  ])('%s', (_name, schema, messages) => {
    expect(costErrors(schema, at).map((e) => `${e.field}: ${e.message}`)).toEqual(messages);
  });

  it('checks a create, and an update only where it changes a schema (a stored CRD stays updatable)', () => {
    const costly = root({ xs: { type: 'array', items: { type: 'string' }, ...rule('self.all(x, self.exists(y, x == y))') } });
    const crd = (schema: Props, label = 'a') => ({
      metadata: { name: 'widgets.toys.example.com', labels: { l: label } },
      spec: { versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
    });
    expect(validateCrdCosts(crd(costly)).length).toBeGreaterThan(0);
    expect(validateCrdCosts(crd(costly, 'b'), crd(costly))).toEqual([]);
    const costlier = root({ ...costly.properties!.spec.properties, ys: costly.properties!.spec.properties!.xs });
    expect(validateCrdCosts(crd(costlier), crd(costly)).map((e) => e.field)).toContain(
      'spec.validation.openAPIV3Schema.properties[spec].properties[ys].x-kubernetes-validations[0].rule',
    );
  });

  it('words the factor as upstream', () => {
    expect(costErrorMessage('estimated rule cost', 25_000_000, 10_000_000)).toMatch(/by factor of 2\.5x \(/);
    expect(costErrorMessage('estimated rule cost', 12_000_000, 10_000_000)).toMatch(/by factor of 1\.200000x \(/);
  });
});

describe('runtime cost of a validation call', () => {
  const quadratic: Props = { type: 'array', items: { type: 'integer' }, ...rule('self.all(x, self.all(y, x == y || x != y))') };
  it.each<[string, Props, unknown, string[]]>([
    ['a small list runs the rule', quadratic, [1, 2, 3], []],
    [
      'a list making one call exceed the per-call limit is cancelled',
      quadratic,
      Array.from({ length: 2000 }, (_, i) => i),
      [
        'spec: Invalid value: "array": \'operation cancelled: actual cost limit exceeded\': no further validation rules will be run due to call cost exceeds limit for rule: self.all(x, self.all(y, x == y || x != y))',
      ],
    ],
    [
      'many calls under the limit exhaust the per-object budget',
      {
        type: 'array',
        items: { type: 'array', items: { type: 'integer' }, ...rule('self.all(x, self.all(y, x == y || x != y))') },
      },
      Array.from({ length: 100 }, () => Array.from({ length: 300 }, (_, i) => i)),
      ['spec[', 'validation failed due to running out of cost budget, no further validation rules will be run'],
    ],
  ])('%s', (_name, s, value, expected) => {
    const errs = celErrors(s, value, undefined, 'spec').map((e) => `${e.field}: ${e.message}`);
    if (expected.length === 2 && expected[0].endsWith('[')) {
      expect(errs).toHaveLength(1);
      expect(errs[0]).toMatch(/^spec\[\d+\]: /);
      expect(errs[0]).toContain(expected[1]);
    } else expect(errs).toEqual(expected);
  });
});

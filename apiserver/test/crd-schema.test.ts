// The pure parts of CustomResourceDefinitions, table-driven: structural schema checks, value validation,
// defaulting and pruning, CEL rules (transition rules too), name acceptance, printer-column JSONPaths and cells.
import { describe, expect, it } from 'vitest';
import { calculateNames, type UsedNames } from '../src/kinds/apiextensions/naming';
import { cellFor, firstResult, toJsonPathPlus } from '../src/kinds/apiextensions/printer';
import { celErrors } from '../src/kinds/apiextensions/schema/cel';
import { applyDefaults, pruned } from '../src/kinds/apiextensions/schema/defaults';
import type { Props } from '../src/kinds/apiextensions/schema/paths';
import { structuralErrors } from '../src/kinds/apiextensions/schema/structural';
import { validateValue } from '../src/kinds/apiextensions/schema/values';

const spec: Props = {
  type: 'object',
  required: ['size'],
  properties: {
    size: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
    color: { type: 'string', enum: ['red', 'blue'] },
    name: { type: 'string', pattern: '^[a-z]+$', maxLength: 5 },
    tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    nested: { type: 'object', properties: { mode: { type: 'string', default: 'Slow' } }, default: {} },
  },
};

describe('structural schemas', () => {
  const at = 'spec.validation.openAPIV3Schema';
  it.each<[string, Props, string[]]>([
    ['a structural schema', spec, []],
    [
      'a property without a type',
      { type: 'object', properties: { a: { properties: { b: { type: 'string' } } } } },
      [`${at}.properties[a].type: Required value: must not be empty for specified object fields`],
    ],
    [
      'a type inside anyOf',
      { type: 'object', properties: { a: { type: 'string', anyOf: [{ type: 'string' }] } } },
      [`${at}.properties[a].anyOf[0].type: Forbidden: must be empty to be structural`],
    ],
  ])('%s', (_name, schema, messages) => {
    expect(structuralErrors(schema, at).map((e) => `${e.field}: ${e.message}`)).toEqual(messages);
  });
});

describe('validating a value against its schema', () => {
  it.each<[string, unknown, string[]]>([
    ['a valid value', { size: 3, color: 'red', name: 'abc', tags: ['a', 'b'], labels: { a: 'b' } }, []],
    ['a missing required field', {}, ['spec.size: Required value']],
    ['below the minimum', { size: 0 }, ['spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1']],
    ['above the maximum', { size: 11 }, ['spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10']],
    ['the wrong type', { size: 'big' }, ['spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"']],
    ['not in the enum', { size: 1, color: 'green' }, ['spec.color: Unsupported value: "green": supported values: "red", "blue"']],
    ['not matching the pattern', { size: 1, name: 'A' }, [`spec.name: Invalid value: "A": spec.name in body should match '^[a-z]+$'`]],
    ['too long', { size: 1, name: 'abcdef' }, ['spec.name: Too long: may not be more than 5 bytes']],
    ['a duplicate in a set', { size: 1, tags: ['a', 'a'] }, ['spec.tags[1]: Duplicate value: "a"']],
    ['a map value of the wrong type', { size: 1, labels: { a: 1 } }, ['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']],
  ])('%s', (_name, value, messages) => {
    const got = validateValue({ type: 'object', properties: { spec } }, { spec: value }).map((e) => `${e.field}: ${e.message}`);
    expect(got.length).toBe(messages.length);
    for (const m of messages) expect(got.some((g) => g.startsWith(m)), `${m}\nin ${got.join('\n')}`).toBe(true);
  });
});

describe('defaulting and pruning', () => {
  it('fills defaults at every depth, an object default then defaulted inside', () => {
    const v: Record<string, unknown> = {};
    applyDefaults(spec, v);
    expect(v).toEqual({ size: 1, nested: { mode: 'Slow' } });
    const set = { size: 4, nested: { mode: 'Fast' } };
    applyDefaults(spec, set);
    expect(set).toEqual({ size: 4, nested: { mode: 'Fast' } });
  });

  it('drops unknown fields, keeps them under x-kubernetes-preserve-unknown-fields and additionalProperties', () => {
    const v = { size: 1, extra: 1, nested: { mode: 'Slow', extra: 2 }, free: { any: { deep: true } }, labels: { x: 'y' } };
    expect(pruned(spec, v)).toEqual({ size: 1, nested: { mode: 'Slow' }, free: { any: { deep: true } }, labels: { x: 'y' } });
    expect(v.extra).toBe(1);
  });

  it('keeps apiVersion, kind and metadata of an embedded resource', () => {
    const schema: Props = { type: 'object', properties: { template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } } } };
    const v = { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: {}, other: 1 } };
    expect(pruned(schema, v)).toEqual({ template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, spec: {} } });
  });
});

describe('CEL x-kubernetes-validations', () => {
  const ruled: Props = {
    type: 'object',
    properties: { replicas: { type: 'integer' }, max: { type: 'integer' }, image: { type: 'string' } },
    'x-kubernetes-validations': [
      { rule: 'self.replicas <= self.max', messageExpression: "'replicas ' + string(self.replicas) + ' > ' + string(self.max)" },
      { rule: 'self.image == oldSelf.image', message: 'image is immutable', fieldPath: '.image' },
    ],
  };

  it.each<[string, unknown, unknown, string[]]>([
    ['a value passing', { replicas: 1, max: 2, image: 'a' }, undefined, []],
    ['a messageExpression', { replicas: 3, max: 2, image: 'a' }, undefined, ['spec: Invalid value: "object": replicas 3 > 2']],
    ['a transition rule on create is skipped', { replicas: 1, max: 2, image: 'b' }, undefined, []],
    ['a transition rule on update, at its fieldPath', { replicas: 1, max: 2, image: 'b' }, { replicas: 1, max: 2, image: 'a' }, ['spec.image: Invalid value: "object": image is immutable']],
  ])('%s', (_name, value, old, messages) => {
    expect(celErrors(ruled, value, old, 'spec').map((e) => `${e.field}: ${e.message}`)).toEqual(messages);
  });
});

describe('accepting names', () => {
  const used = (): UsedNames => ({ resources: new Set(['pods', 'po', 'crontabs']), kinds: new Set(['Pod', 'PodList']) });
  const crd = (names: Record<string, unknown>) => ({ spec: { names } });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['free names', { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] }, 'NoConflicts', 'True'],
    ['a taken plural', { plural: 'pods', kind: 'Widget', listKind: 'WidgetList' }, 'PluralConflict', 'False'],
    ['a taken short name', { plural: 'widgets', kind: 'Widget', listKind: 'WidgetList', shortNames: ['po'] }, 'ShortNamesConflict', 'False'],
    ['a taken kind', { plural: 'widgets', kind: 'Pod', listKind: 'WidgetList' }, 'KindConflict', 'False'],
    ['a taken list kind', { plural: 'widgets', kind: 'Widget', listKind: 'PodList' }, 'ListKindConflict', 'False'],
  ])('%s', (_name, names, reason, status) => {
    const n = calculateNames(crd(names), used());
    expect(n.namesAccepted).toMatchObject({ type: 'NamesAccepted', reason, status });
    expect(n.established).toMatchObject(status === 'True' ? { status: 'False', reason: 'Installing' } : { status: 'False', reason: 'NotAccepted' });
  });

  it('keeps the names already accepted when a new one conflicts', () => {
    const accepted = { plural: 'widgets', kind: 'Widget', listKind: 'WidgetList' };
    const n = calculateNames({ spec: { names: { ...accepted, kind: 'Pod' } }, status: { acceptedNames: accepted } }, used());
    expect(n.acceptedNames).toMatchObject({ plural: 'widgets', kind: 'Widget' });
  });
});

describe('printer columns', () => {
  const obj = { metadata: { name: 'a', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { ports: [{ name: 'x', port: 1 }, { name: 'y', port: 2 }], 'a.b': 'dotted' } };

  it.each<[string, unknown]>([
    ['.metadata.name', 'a'],
    ['.spec.ports[1].port', 2],
    ['.spec.ports[?(@.name=="y")].port', 2],
    ['.spec.a\\.b', 'dotted'],
    ['.spec.missing', undefined],
  ])('%s', (path, want) => {
    expect(firstResult(toJsonPathPlus(path), obj)).toEqual(want);
  });

  it.each<[string, unknown, unknown]>([
    ['integer', 2.7, 2],
    ['integer', 'x', null],
    ['string', { a: 1 }, '{"a":1}'],
    ['boolean', true, true],
    ['date', 'yesterday', '<invalid>'],
    ['number', undefined, null],
  ])('a %s cell of %j', (type, v, want) => {
    expect(cellFor(type, v, Date.parse('2026-01-02T00:00:00Z'))).toEqual(want);
  });
});

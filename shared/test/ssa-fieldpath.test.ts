// Field paths and sets: FieldsV1 read and written byte for byte as upstream (order, `.`, escaping), path
// elements parsed and refused as upstream's DeserializePathElement, paths rendered as in conflict messages.
import { describe, expect, it } from 'vitest';
import {
  FieldSet,
  deserializePE,
  fieldElement,
  keyElement,
  pathString,
  serializePE,
  UnknownPathElementType,
  type Path,
  type PathElement,
} from '../src/ssa';

const f = fieldElement;
const k = (...nv: [string, unknown][]) => keyElement(nv as never);
const v = (value: unknown): PathElement => ({ value: value as never });
const P = (...pes: (string | PathElement)[]): Path => pes.map((x) => (typeof x === 'string' ? f(x) : x));

describe('FieldsV1', () => {
  it.each([
    // what `kubectl create deployment` leaves: members with children get ".", keys sorted, fields before keys
    [
      [
        P('spec', 'replicas'),
        P('spec', 'template', 'spec', 'containers', k(['name', 'nginx'])),
        P('spec', 'template', 'spec', 'containers', k(['name', 'nginx']), 'image'),
        P('metadata', 'labels'),
        P('metadata', 'labels', 'app'),
      ],
      '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{}}}}}}}',
    ],
    // fields < keys < values < indexes; numbers before strings before booleans; keys ordered by their fields
    [
      [
        P('a', { index: 1 }),
        P('a', v(true)),
        P('a', v('x')),
        P('a', v(2)),
        P('a', k(['protocol', 'UDP'], ['port', 53])),
        P('a', k(['port', 53], ['protocol', 'TCP'])),
        P('a', 'z'),
      ],
      '{"f:a":{"f:z":{},"k:{\\"port\\":53,\\"protocol\\":\\"TCP\\"}":{},"k:{\\"port\\":53,\\"protocol\\":\\"UDP\\"}":{},"v:2":{},"v:\\"x\\"":{},"v:true":{},"i:1":{}}}',
    ],
    // values written as Go writes JSON: HTML characters escaped
    [[P('s', v('a<b&c>'))], '{"f:s":{"v:\\"a\\\\u003cb\\\\u0026c\\\\u003e\\"":{}}}'],
  ])('%#: written as upstream writes it', (paths, json) => {
    const s = FieldSet.of(...paths);
    expect(JSON.stringify(s.toFieldsV1())).toBe(json);
    expect(FieldSet.fromFieldsV1(JSON.parse(json)).equals(s)).toBe(true);
  });

  it('reads members, children and null as upstream: {} and null are members, "." marks one with children', () => {
    const s = FieldSet.fromFieldsV1({ 'f:a': {}, 'f:b': null, 'f:c': { '.': {}, 'f:d': {} }, 'f:e': { 'f:g': {} } });
    expect(s.paths().map(pathString)).toEqual(['.a', '.b', '.c', '.c.d', '.e.g']);
  });

  it('skips element types it does not know, refuses malformed ones', () => {
    expect(FieldSet.fromFieldsV1({ 'r:future': {}, 'f:a': {} }).paths().map(pathString)).toEqual(['.a']);
    expect(() => FieldSet.fromFieldsV1({ 'k:{"name":oops}': {} })).toThrow(/parsing key as path element/);
    expect(() => FieldSet.fromFieldsV1({ 'f:a': 3 })).toThrow(/expected a JSON object/);
    expect(() => FieldSet.fromFieldsV1([])).toThrow(/expected a JSON object/);
  });
});

describe('path elements', () => {
  it.each([
    'i:0',
    'f:',
    'f:spec',
    'k:{"name":"my-container"}',
    'k:{"containerPort":80,"protocol":"TCP"}',
    'k:{"optional":null}',
    'v:null',
    'v:"a"',
    'v:1234',
    'v:{"some":"json"}',
  ])('%s round-trips', (s) => expect(serializePE(deserializePE(s))).toBe(s));

  it.each(['', 'no-colon', 'i:nan', 'i:1.5', 'i:', 'v:', 'v:bad json', 'k:[1]', 'k:{"a":bad}'])('%j is refused', (s) => {
    expect(() => deserializePE(s)).toThrow();
  });

  it('an unknown element type is its own error (skipped by readers)', () => {
    expect(() => deserializePE('x:y')).toThrow(UnknownPathElementType);
  });

  it('key fields are sorted by name whatever their order', () => {
    expect(serializePE(deserializePE('k:{"protocol":"TCP","port":80}'))).toBe('k:{"port":80,"protocol":"TCP"}');
  });

  it('paths render as in upstream messages', () => {
    expect(pathString(P('spec', 'containers', k(['name', 'app']), 'ports', k(['containerPort', 80], ['protocol', 'TCP']), 'name'))).toBe(
      '.spec.containers[name="app"].ports[containerPort=80,protocol="TCP"].name',
    );
    expect(pathString(P('finalizers', v('a')))).toBe('.finalizers[="a"]');
    expect(pathString(P('args', { index: 2 }))).toBe('.args[2]');
  });
});

describe('set operations', () => {
  const a = FieldSet.of(P('x'), P('y', 'z'), P('y', 'w'), P('y'));
  const b = FieldSet.of(P('y'), P('q'));
  it.each([
    ['union', a.union(b), ['.q', '.x', '.y', '.y.w', '.y.z']],
    ['intersection', a.intersection(b), ['.y']],
    ['difference removes members only', a.difference(b), ['.x', '.y.w', '.y.z']],
    ['recursiveDifference removes what is under them too', a.recursiveDifference(b), ['.x']],
  ])('%s', (_, s, paths) => expect(s.paths().map(pathString)).toEqual(paths));

  it('has, size, empty, withPrefix', () => {
    expect(a.has(P('y', 'z'))).toBe(true);
    expect(a.has(P('y', 'q'))).toBe(false);
    expect(a.size()).toBe(4);
    expect(new FieldSet().empty()).toBe(true);
    expect(a.withPrefix(f('y')).paths().map(pathString)).toEqual(['.w', '.z']);
  });
});

// Server-side apply's merge, table-driven, on a schema with every shape it distinguishes: atomic lists,
// sets, map lists with (defaulted) keys, granular and atomic maps, structs, and untyped ("deduced") values;
// then the updater: what an apply removes, what stays because someone else owns it, conflicts and force.
import { describe, expect, it } from 'vitest';
import { SchemaCompiler } from '../src/openapi';
import {
  Conflicts,
  DEDUCED,
  FieldSet,
  Updater,
  atomOf,
  compare,
  merge,
  pathString,
  toFieldSet,
  validate,
  type ManagedFields,
  type TypedValue,
} from '../src/ssa';

const type = atomOf(
  SchemaCompiler.of({
    Root: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        replicas: { type: 'integer' },
        args: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'atomic' },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        ports: {
          type: 'array',
          items: { $ref: '#/definitions/Port' },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port', 'protocol'],
        },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        selector: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-map-type': 'atomic' },
        template: { $ref: '#/definitions/Template' },
        ref: { $ref: '#/definitions/Ref' },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
    Port: {
      type: 'object',
      properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' }, name: { type: 'string' } },
    },
    Template: {
      type: 'object',
      properties: { image: { type: 'string' }, env: { type: 'object', additionalProperties: { type: 'string' } } },
    },
    Ref: { type: 'object', properties: { kind: { type: 'string' }, name: { type: 'string' } }, 'x-kubernetes-map-type': 'atomic' },
  }).definition('Root'),
);

const paths = (s: FieldSet) => s.paths().map(pathString);

describe('merge of a configuration into a live object', () => {
  it.each([
    ['a scalar: the configuration wins', { replicas: 1, name: 'a' }, { replicas: 3 }, { replicas: 3, name: 'a' }],
    ['an atomic list is replaced', { args: ['a', 'b'] }, { args: ['c'] }, { args: ['c'] }],
    [
      "a set is merged: the configuration's items in its order, then the others",
      { tags: ['a', 'b'] },
      { tags: ['c', 'a'] },
      { tags: ['c', 'a', 'b'] },
    ],
    [
      'a map list is merged by key, items merged field by field',
      {
        ports: [
          { port: 80, name: 'http' },
          { port: 53, protocol: 'UDP' },
        ],
      },
      { ports: [{ port: 80, protocol: 'TCP', name: 'web' }, { port: 443 }] },
      { ports: [{ port: 80, name: 'web', protocol: 'TCP' }, { port: 53, protocol: 'UDP' }, { port: 443 }] },
    ],
    [
      'a granular map merges key by key',
      { labels: { a: '1', b: '2' } },
      { labels: { b: '3', c: '4' } },
      { labels: { a: '1', b: '3', c: '4' } },
    ],
    ['an atomic map is replaced', { selector: { a: '1' } }, { selector: { b: '2' } }, { selector: { b: '2' } }],
    ['an atomic struct is replaced', { ref: { kind: 'A', name: 'x' } }, { ref: { name: 'y' } }, { ref: { name: 'y' } }],
    [
      'a struct merges field by field',
      { template: { image: 'a', env: { X: '1' } } },
      { template: { env: { Y: '2' } } },
      { template: { image: 'a', env: { X: '1', Y: '2' } } },
    ],
    [
      'untyped values: maps merge, lists are replaced',
      { free: { a: { b: 1 }, l: [1, 2] } },
      { free: { a: { c: 2 }, l: [3] } },
      { free: { a: { b: 1, c: 2 }, l: [3] } },
    ],
    ['an empty configuration map replaces an empty live one', { labels: {} }, { labels: {} }, { labels: {} }],
  ])('%s', (_, live, config, want) => {
    validate(config, type);
    expect(merge(live, config, type)).toEqual(want);
  });

  it('a whole deduced object (a kind without a schema) merges maps and replaces lists', () => {
    expect(merge({ spec: { a: 1, l: [1] } }, { spec: { b: 2, l: [2] } }, DEDUCED)).toEqual({ spec: { a: 1, b: 2, l: [2] } });
  });
});

describe('field sets of a configuration', () => {
  it.each([
    [
      'scalars and atomic things are leaves',
      { replicas: 1, args: ['a'], selector: { a: '1' }, ref: { name: 'x' } },
      ['.args', '.ref', '.replicas', '.selector'],
    ],
    [
      'set items by value, map list items by key (default filled in), with "." for the item',
      { tags: ['a'], ports: [{ port: 80 }] },
      ['.ports[port=80,protocol="TCP"]', '.ports[port=80,protocol="TCP"].port', '.tags[="a"]'],
    ],
    ['map entries are members, struct fields are not', { labels: { a: '1' }, template: { image: 'x' } }, ['.labels.a', '.template.image']],
    ['an empty map is a leaf', { labels: {} }, ['.labels']],
    ['deduced keys are members at every level', { free: { a: { b: 1 } } }, ['.free.a', '.free.a.b']],
  ])('%s', (_, config, want) => {
    expect(paths(toFieldSet(config, type)).sort()).toEqual([...want].sort());
  });
});

describe('validation of a configuration (upstream wording)', () => {
  it.each([
    [{ replcias: 3 }, '.replcias: field not declared in schema'],
    [{ replicas: '3' }, '.replicas: expected numeric (int or float), got string'],
    [{ ports: [{ port: 80 }, { port: 80, protocol: 'TCP' }] }, '.ports: duplicate entries for key [port=80,protocol="TCP"]'],
    [
      { ports: [{ name: 'x' }] },
      '.ports: element 0: associative list with keys has an element that omits key field "port" (and doesn\'t have default value)',
    ],
    [{ tags: [{ a: 1 }] }, ".tags: element 0: associative list without keys has an element that's a map type"],
  ])('%j', (config, message) => {
    expect(() => validate(config, type)).toThrow(message);
  });
});

describe('compare', () => {
  it('added, modified and removed paths; a new container is added itself, a new list item too', () => {
    const c = compare({ replicas: 1, labels: { a: '1' }, tags: ['x'] }, { replicas: 2, labels: { b: '2' }, ports: [{ port: 80 }] }, type);
    expect(paths(c.added)).toEqual(['.ports', '.labels.b', '.ports[port=80,protocol="TCP"]', '.ports[port=80,protocol="TCP"].port']);
    expect(paths(c.modified)).toEqual(['.replicas']);
    expect(paths(c.removed)).toEqual(['.tags', '.labels.a', '.tags[="x"]']);
  });
});

describe('the updater: ownership, removal, conflicts, force', () => {
  const tv = (value: unknown): TypedValue => ({ value, type, version: 'v1' });
  const updater = new Updater((v, version) => ({ ...v, version }));
  const owned = (ms: ManagedFields, m: string) => paths(ms.get(m)?.set ?? new FieldSet());

  function run(steps: { op: 'apply' | 'update' | 'force'; manager: string; obj: object }[]) {
    let live: unknown;
    let ms: ManagedFields = new Map();
    for (const s of steps) {
      if (s.op === 'update') {
        ms = updater.update(tv(live), tv(s.obj), 'v1', ms, s.manager);
        live = s.obj;
      } else {
        const r = updater.apply(tv(live), tv(s.obj), 'v1', ms, s.manager, s.op === 'force');
        ms = r.managers;
        if (r.object) live = r.object.value;
      }
    }
    return { live, ms };
  }

  it('a field the applier no longer applies is removed', () => {
    const { live, ms } = run([
      { op: 'apply', manager: 'a', obj: { replicas: 1, labels: { x: '1', y: '2' } } },
      { op: 'apply', manager: 'a', obj: { labels: { x: '1' } } },
    ]);
    expect(live).toEqual({ labels: { x: '1' } });
    expect(owned(ms, 'a')).toEqual(['.labels.x']);
  });

  it('... unless another manager owns it too (applier or updater)', () => {
    const { live, ms } = run([
      { op: 'apply', manager: 'a', obj: { labels: { x: '1', y: '2' }, tags: ['t'] } },
      { op: 'apply', manager: 'b', obj: { labels: { y: '2' } } },
      { op: 'update', manager: 'c', obj: { labels: { x: '1', y: '2' }, tags: ['t', 'u'] } },
      { op: 'apply', manager: 'a', obj: { labels: { x: '1' } } },
    ]);
    expect(live).toEqual({ labels: { x: '1', y: '2' }, tags: ['u'] });
    expect(owned(ms, 'b')).toEqual(['.labels.y']);
    expect(owned(ms, 'c')).toEqual(['.tags[="u"]']);
  });

  it('a list item the applier dropped goes, others stay', () => {
    const { live } = run([
      { op: 'apply', manager: 'a', obj: { ports: [{ port: 80 }, { port: 81 }] } },
      { op: 'apply', manager: 'b', obj: { ports: [{ port: 90 }] } },
      { op: 'apply', manager: 'a', obj: { ports: [{ port: 80 }] } },
    ]);
    expect(live).toEqual({ ports: [{ port: 80 }, { port: 90 }] });
  });

  it('an updater takes what it changes from the others', () => {
    const { ms } = run([
      { op: 'apply', manager: 'a', obj: { replicas: 1, name: 'n' } },
      { op: 'update', manager: 'hpa', obj: { replicas: 5, name: 'n' } },
    ]);
    expect(owned(ms, 'a')).toEqual(['.name']);
    expect(owned(ms, 'hpa')).toEqual(['.replicas']);
  });

  it('changing a field another manager owns conflicts; the same value does not', () => {
    const steps = [
      { op: 'apply' as const, manager: 'a', obj: { replicas: 1, name: 'n' } },
      { op: 'apply' as const, manager: 'b', obj: { name: 'n' } },
    ];
    expect(() => run([...steps, { op: 'apply', manager: 'b', obj: { replicas: 2, name: 'n' } }])).toThrow(Conflicts);
    try {
      run([...steps, { op: 'apply', manager: 'b', obj: { replicas: 2, name: 'm' } }]);
    } catch (e) {
      expect((e as Conflicts).conflicts.map((c) => `${c.manager} ${pathString(c.path)}`)).toEqual(['a .name', 'a .replicas']);
    }
    const { ms } = run([...steps, { op: 'apply', manager: 'b', obj: { replicas: 1, name: 'n' } }]);
    expect(owned(ms, 'a')).toEqual(['.name', '.replicas']);
    expect(owned(ms, 'b')).toEqual(['.name', '.replicas']);
  });

  it('force takes the fields: the previous owner loses them', () => {
    const { live, ms } = run([
      { op: 'apply', manager: 'a', obj: { replicas: 1, name: 'n' } },
      { op: 'force', manager: 'b', obj: { replicas: 2 } },
    ]);
    expect(live).toEqual({ replicas: 2, name: 'n' });
    expect(owned(ms, 'a')).toEqual(['.name']);
    expect(owned(ms, 'b')).toEqual(['.replicas']);
  });

  it('an apply that changes nothing returns no object', () => {
    const r = updater.apply(tv({ replicas: 1 }), tv({ replicas: 1 }), 'v1', new Map(), 'a', false);
    expect(r.object).toBeUndefined();
    expect(owned(r.managers, 'a')).toEqual(['.replicas']);
  });
});

import { describe, expect, it } from 'vitest';
import type { Table } from '../src/api';
import { executeTemplate, JsonPathError } from '../src/print/jsonpath';
import { formatLabels, printTable } from '../src/print/table';
import { formatColumns } from '../src/print/tabwriter';
import { toJson, toYaml } from '../src/print/yaml';

const table: Table = {
  kind: 'Table',
  metadata: { resourceVersion: '7' },
  columnDefinitions: [
    { name: 'Name', type: 'string', format: 'name', priority: 0 },
    { name: 'Ready', type: 'string', format: '', priority: 0 },
    { name: 'Age', type: 'string', format: '', priority: 0 },
    { name: 'Node', type: 'string', format: '', priority: 1 },
  ],
  rows: [
    {
      cells: ['nginx-1', '1/1', '5m', 'node1'],
      object: { metadata: { name: 'nginx-1', namespace: 'default', labels: { b: '2', a: '1' } } },
    },
    { cells: ['x', '0/1', '10s', null], object: { metadata: { name: 'x', namespace: 'kube-system' } } },
  ],
};

describe('tabwriter', () => {
  it('pads every cell but the last to the column width plus three spaces', () => {
    expect(
      formatColumns([
        ['NAME', 'AGE'],
        ['a-long-name', '1s'],
      ]),
    ).toBe('NAME          AGE\na-long-name   1s\n');
  });
  it('pads a trailing empty cell column like kubectl (trailing spaces on the previous cell)', () => {
    expect(
      formatColumns([
        ['A', 'B', ''],
        ['aa', 'b', ''],
      ]),
    ).toBe('A     B     \naa    b     \n');
  });
  it('widens short columns to kubectl tabwriter minimum of 6 (as get --no-headers shows)', () => {
    expect(formatColumns([['pod/pa', '0/1', 'Pending', '0', '4s']])).toBe('pod/pa   0/1   Pending   0     4s\n');
  });
});

describe('table printer', () => {
  it('hides priority-1 columns unless wide', () => {
    expect(printTable(table, {})).toBe('NAME      READY   AGE\nnginx-1   1/1     5m\nx         0/1     10s\n');
    expect(printTable(table, { wide: true }).split('\n')[0]).toBe('NAME      READY   AGE   NODE');
    expect(printTable(table, { wide: true }).split('\n')[2]).toBe('x         0/1     10s   <none>');
  });
  it('adds NAMESPACE first, LABELS last and kind prefixes', () => {
    const out = printTable(table, { allNamespaces: true, showLabels: true, kindPrefix: 'pod' }).split('\n');
    expect(out[0]).toBe('NAMESPACE     NAME          READY   AGE   LABELS');
    expect(out[1]).toBe('default       pod/nginx-1   1/1     5m    a=1,b=2');
    expect(out[2]).toBe('kube-system   pod/x         0/1     10s   <none>');
  });
  it('--no-headers and -L', () => {
    expect(printTable(table, { noHeaders: true, labelColumns: ['a'] })).toBe('nginx-1   1/1   5m    1\nx         0/1   10s   \n');
  });
  it('formats labels sorted, <none> when empty', () => {
    expect(formatLabels({ z: '1', a: '2' })).toBe('a=2,z=1');
    expect(formatLabels(undefined)).toBe('<none>');
  });
});

describe('jsonpath', () => {
  const list = {
    kind: 'List',
    items: [
      {
        metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'x' } },
        status: {
          conditions: [
            { type: 'Ready', status: 'True' },
            { type: 'X', status: 'False' },
          ],
        },
      },
      { metadata: { name: 'b' }, spec: { replicas: 3 } },
    ],
  };
  it.each([
    ['{.kind}', 'List'],
    ['{.items[*].metadata.name}', 'a b'],
    ['{.items[0].metadata.name}', 'a'],
    ['{.items[-1].metadata.name}', 'b'],
    ['{.items[0:1].metadata.name}', 'a'],
    ['{.items[1].spec.replicas}', '3'],
    ['{.items[1].spec}', '{"replicas":3}'],
    ['{.items[0].metadata.labels.app\\.kubernetes\\.io/name}', 'x'],
    ["{.items[0].metadata['name']}", 'a'],
    ['{.items[0].status.conditions[?(@.type=="Ready")].status}', 'True'],
    ['{.items[*].missing}', ''],
    ['{range .items[*]}{.metadata.name}{"\\n"}{end}', 'a\nb\n'],
    ['names: {.items[*].metadata.name}!', 'names: a b!'],
  ])('%s', (tpl, want) => {
    expect(executeTemplate(tpl, list)).toBe(want);
  });
  it('rejects malformed templates', () => {
    expect(() => executeTemplate('{.a', {})).toThrow(JsonPathError);
    expect(() => executeTemplate('{range .items[*]}{.a}', {})).toThrow(/without \{end\}/);
    expect(() => executeTemplate('{end}', {})).toThrow(JsonPathError);
  });
});

describe('yaml and json output', () => {
  it('leaves managedFields out of objects and list items unless shown (--show-managed-fields)', () => {
    const mf = [{ manager: 'kubectl', operation: 'Apply' }];
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', managedFields: mf } };
    expect(JSON.parse(toJson(obj)).metadata).toEqual({ name: 'a' });
    expect(toYaml({ kind: 'List', items: [obj] })).not.toContain('managedFields');
    expect(JSON.parse(toJson(obj, true)).metadata.managedFields).toEqual(mf);
    expect(toYaml(obj, true)).toContain('manager: kubectl');
    expect(obj.metadata.managedFields).toBe(mf);
  });

  it('sorts keys, keeps YAML 1.1 ambiguous strings quoted, does not indent sequences', () => {
    const y = toYaml({
      metadata: { name: 'p', labels: { tier: 'y' }, creationTimestamp: '2026-01-01T00:00:00Z' },
      apiVersion: 'v1',
      args: ['sleep', '1000'],
      empty: {},
    });
    expect(y).toBe(
      'apiVersion: v1\nargs:\n- sleep\n- "1000"\nempty: {}\nmetadata:\n  creationTimestamp: "2026-01-01T00:00:00Z"\n  labels:\n    tier: "y"\n  name: p\n',
    );
  });
  it('JSON is indented by 4 with sorted keys', () => {
    expect(toJson({ b: 1, a: [1] })).toBe('{\n    "a": [\n        1\n    ],\n    "b": 1\n}\n');
  });
});

describe('watch rows keep the header widths (RememberWidths)', () => {
  it('pads later rows to the widths already printed, growing when needed', () => {
    const widths: number[] = [];
    expect(
      formatColumns(
        [
          ['NAME', 'READY', 'AGE'],
          ['a', '0/1', '5s'],
        ],
        widths,
      ),
    ).toBe('NAME   READY   AGE\na      0/1     5s\n');
    expect(formatColumns([['b', '1/1', '6s']], widths)).toBe('b      1/1     6s\n');
    expect(formatColumns([['a-much-longer', '1/1', '7s']], widths)).toBe('a-much-longer   1/1     7s\n');
  });
});

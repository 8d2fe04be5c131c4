import { describe, expect, it } from 'vitest';
import {
  SelectorError,
  labelSelectorFromObject,
  labelSelectorToString,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  fieldSelectorToString,
} from '../src';

describe('parseLabelSelector + matchesLabels', () => {
  const cases: [string, Record<string, string> | undefined, boolean][] = [
    ['', { a: 'b' }, true],
    ['', undefined, true],
    ['app=web', { app: 'web' }, true],
    ['app==web', { app: 'web' }, true],
    ['app=web', { app: 'db' }, false],
    ['app=web', {}, false],
    ['app!=web', { app: 'db' }, true],
    ['app!=web', {}, true],
    ['app!=web', { app: 'web' }, false],
    ['app in (a,b)', { app: 'b' }, true],
    ['app in (a, b)', { app: 'c' }, false],
    ['app in (a,b)', {}, false],
    ['app notin (a,b)', { app: 'c' }, true],
    ['app notin (a,b)', {}, true],
    ['app notin (a,b)', { app: 'a' }, false],
    ['app', { app: '' }, true],
    ['app', { x: 'y' }, false],
    ['!app', { x: 'y' }, true],
    ['!app', { app: 'y' }, false],
    ['app=web,tier=fe', { app: 'web', tier: 'fe' }, true],
    ['app=web, tier=fe', { app: 'web', tier: 'be' }, false],
    ['app=web,!canary,tier in (fe,be)', { app: 'web', tier: 'be' }, true],
    ['app=web,!canary', { app: 'web', canary: 'true' }, false],
    ['example.com/role=x', { 'example.com/role': 'x' }, true],
    ['x=', { x: '' }, true],
    ['x=', { x: 'a' }, false],
    ['n>5', { n: '6' }, true],
    ['n>5', { n: '5' }, false],
    ['n<5', { n: '4' }, true],
    ['n<5', { n: 'abc' }, false],
    ['n<5', { n: '-3' }, true],
    ['n>9007199254740992', { n: '9007199254740993' }, true],
    ['n<9223372036854775807', { n: '9223372036854775808' }, false],
    ['  app  =  web  ', { app: 'web' }, true],
    ['env in (in,notin)', { env: 'notin' }, true],
  ];
  it.each(cases)('%j matches %j → %s', (sel, labels, want) => {
    expect(matchesLabels(parseLabelSelector(sel), labels)).toBe(want);
  });

  const bad: [string, RegExp][] = [
    ['app in ()', /values set can't be empty/],
    ['app in (a', /expected/],
    ['app in a', /expected: '\('/],
    ['app=web,', /identifier/],
    [',app', /identifier/],
    ['app=a b', /expected: ','/],
    ['-app=x', /name part must consist/],
    ['a/b/c=x', /qualified name/],
    ['app=-x', /invalid label value/],
    ['app=' + 'x'.repeat(64), /no more than 63/],
    ['Example.com/role=x', /prefix part/],
    ['n>x', /integer/],
    ['n>-5', /invalid label value/],
    ['n>9223372036854775808', /integer/],
    ['!app=x', /expected: ','/],
    ['app=(x)', /expected: identifier/],
  ];
  it.each(bad)('rejects %j', (sel, msg) => {
    expect(() => parseLabelSelector(sel)).toThrow(SelectorError);
    expect(() => parseLabelSelector(sel)).toThrow(msg);
  });

  it.each([
    ['b=2,a=1', 'a=1,b=2'],
    ['x in (c,a,b),!y,z', 'x in (a,b,c),!y,z'],
    ['a==1,b!=2', 'a==1,b!=2'],
    ['', ''],
  ])('toString(%j) = %j and round-trips', (src, want) => {
    const s = parseLabelSelector(src);
    expect(labelSelectorToString(s)).toBe(want);
    expect(parseLabelSelector(labelSelectorToString(s))).toEqual(s);
  });
});

describe('labelSelectorFromObject', () => {
  it('combines matchLabels and matchExpressions', () => {
    const s = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['fe', 'be'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'owner', operator: 'Exists' },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });
    expect(labelSelectorToString(s)).toBe('app=web,!canary,env notin (prod),owner,tier in (be,fe)');
    expect(matchesLabels(s, { app: 'web', tier: 'fe', owner: 'me' })).toBe(true);
    expect(matchesLabels(s, { app: 'web', tier: 'fe', owner: 'me', env: 'prod' })).toBe(false);
    expect(matchesLabels(s, { app: 'web', tier: 'fe' })).toBe(false);
    expect(matchesLabels(s, { app: 'web', tier: 'fe', owner: 'me', canary: '1' })).toBe(false);
  });
  it('empty selects everything, null selects nothing', () => {
    expect(matchesLabels(labelSelectorFromObject({}), { a: 'b' })).toBe(true);
    expect(matchesLabels(labelSelectorFromObject(null), { a: 'b' })).toBe(false);
    expect(matchesLabels(labelSelectorFromObject(undefined), {})).toBe(false);
  });
  it('rejects bad operators and values', () => {
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).toThrow(/not a valid label selector operator/);
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrow(SelectorError);
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toThrow(SelectorError);
    expect(() => labelSelectorFromObject({ matchLabels: { 'bad key': 'x' } })).toThrow(SelectorError);
  });
});

describe('field selectors', () => {
  const obj: Record<string, string> = { 'metadata.name': 'a,b', 'spec.nodeName': 'n1', 'status.phase': 'Running' };
  const get = (p: string) => obj[p];
  const cases: [string, boolean][] = [
    ['', true],
    ['spec.nodeName=n1', true],
    ['spec.nodeName==n1', true],
    ['spec.nodeName!=n1', false],
    ['spec.nodeName=n2', false],
    ['spec.nodeName=n1,status.phase=Running', true],
    ['spec.nodeName=n1,status.phase!=Running', false],
    ['metadata.name=a\\,b', true],
    ['spec.schedulerName=', true],
    ['spec.schedulerName!=', false],
  ];
  it.each(cases)('%j → %s', (sel, want) => {
    expect(matchesFields(parseFieldSelector(sel), get)).toBe(want);
  });
  it.each([
    ['spec.nodeName', /can't understand 'spec.nodeName'/],
    ['a=b\\x', /invalid escape sequence: \\x/],
    ['a=b\\', /invalid escape sequence/],
    ['a=b=c', /unescaped character =/],
  ])('rejects %j', (sel, msg) => {
    expect(() => parseFieldSelector(sel)).toThrow(SelectorError);
    expect(() => parseFieldSelector(sel)).toThrow(msg);
  });
  it('prints canonically with escapes', () => {
    expect(fieldSelectorToString(parseFieldSelector('b==2,a=x\\=y'))).toBe('a=x\\=y,b=2');
  });
});

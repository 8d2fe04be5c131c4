import { describe, expect, it } from 'vitest';
import { CliError } from '../src/errors';
import { applySetId, groupKindString, joinSorted, parseAllowlistEntry, parseGroupKind, splitList } from '../src/commands/prune';

describe('apply --prune: the pure parts', () => {
  // Expected ids from openssl: printf NAME.NS.KIND.GROUP | openssl dgst -sha256 -binary | base64 (URL alphabet, no padding).
  it.each([
    ['prod', 'sets', 'Secret', '', 'applyset-MEdDljDoHtGRbDH74UsnyQgIyYUIFXI2aFSE9uSe05s-v1'],
    ['cfg', 'ns1', 'ConfigMap', '', 'applyset-I2XRgV7pEE0p2gHt3LWpN5y5hY274rD5UKaCLEHBeCI-v1'],
  ])('applySetId(%s, %s, %s, %j)', (name, ns, kind, group, id) => {
    expect(applySetId(name, ns, kind, group)).toBe(id);
  });

  it.each([
    ['core/v1/ConfigMap', ['', 'v1', 'ConfigMap']],
    ['apps/v1/Deployment', ['apps', 'v1', 'Deployment']],
    ['networking.k8s.io/v1/Ingress', ['networking.k8s.io', 'v1', 'Ingress']],
  ])('parseAllowlistEntry(%s)', (s, want) => {
    expect(parseAllowlistEntry(s)).toEqual(want);
  });

  it.each(['v1/ConfigMap', 'ConfigMap', 'a/b/c/d', 'apps//Deployment'])("parseAllowlistEntry(%s) is kubectl's format error", (s) => {
    expect(() => parseAllowlistEntry(s)).toThrow(CliError);
    expect(() => parseAllowlistEntry(s)).toThrow(`invalid GroupVersionKind format: ${s}, please follow <group/version/kind>`);
  });

  it.each([
    ['ConfigMap', { group: '', kind: 'ConfigMap' }],
    ['Deployment.apps', { group: 'apps', kind: 'Deployment' }],
    ['Ingress.networking.k8s.io', { group: 'networking.k8s.io', kind: 'Ingress' }],
  ])('parseGroupKind(%s) and back', (s, gk) => {
    expect(parseGroupKind(s)).toEqual(gk);
    expect(groupKindString(gk.group, gk.kind)).toBe(s);
  });

  it('annotation lists: empty and absent are the empty set; written sorted', () => {
    expect(splitList(undefined).size).toBe(0);
    expect(splitList('').size).toBe(0);
    expect(joinSorted(splitList('Secret,ConfigMap,Deployment.apps'))).toBe('ConfigMap,Deployment.apps,Secret');
  });
});

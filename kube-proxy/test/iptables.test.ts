// Where our jumps sit in the built-in chains: they must come first (upstream prepends them).
import { describe, expect, it } from 'vitest';
import { chainRules, misplacedJumps, type Jump } from '../src/iptables';

const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'];
const jumps: Jump[] = [
  { table: 'filter', from: 'FORWARD', to: 'KUBE-SERVICES', comment: 'kubernetes service portals', extra: NEW },
  { table: 'filter', from: 'FORWARD', to: 'KUBE-FORWARD', comment: 'kubernetes forwarding rules' },
  { table: 'nat', from: 'POSTROUTING', to: 'KUBE-POSTROUTING', comment: 'kubernetes postrouting rules' },
  { table: 'filter', from: 'INPUT', to: 'KUBE-FIREWALL' },
];
const ours = {
  services: '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
  forward: '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
  postrouting: '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
  firewall: '-A INPUT -j KUBE-FIREWALL',
};
const dockerForward = '-A FORWARD -i br-pods ! -o br-pods -j ACCEPT';
const dockerMasq = '-A POSTROUTING -s 10.244.0.0/24 ! -o br-pods -j MASQUERADE';

function save(filter: string[], nat: string[]): string {
  return `*nat\n:POSTROUTING ACCEPT [0:0]\n${nat.map((l) => `${l}\n`).join('')}COMMIT\n*filter\n:FORWARD DROP [0:0]\n${filter.map((l) => `${l}\n`).join('')}COMMIT\n`;
}

const misplaced = (s: string) =>
  misplacedJumps((t, c) => chainRules(s, t, c), jumps).map((g) => `${g[0].table}/${g[0].from}:${g.map((j) => j.to).join(',')}`);

describe('misplacedJumps', () => {
  it.each([
    [
      'all first, in order (the last prepended on top), foreign rules after',
      save([ours.forward, ours.services, dockerForward, ours.firewall], [ours.postrouting, dockerMasq]),
      [],
    ],
    [
      'ours first but in another order',
      save([ours.services, ours.forward, ours.firewall], [ours.postrouting]),
      ['filter/FORWARD:KUBE-SERVICES,KUBE-FORWARD'],
    ],
    [
      'nothing written yet',
      save([], []),
      ['filter/FORWARD:KUBE-SERVICES,KUBE-FORWARD', 'nat/POSTROUTING:KUBE-POSTROUTING', 'filter/INPUT:KUBE-FIREWALL'],
    ],
    [
      'Docker inserted above our FORWARD and POSTROUTING jumps',
      save([dockerForward, ours.services, ours.forward, ours.firewall], [dockerMasq, ours.postrouting]),
      ['filter/FORWARD:KUBE-SERVICES,KUBE-FORWARD', 'nat/POSTROUTING:KUBE-POSTROUTING'],
    ],
    [
      'a foreign rule between two of ours',
      save([ours.forward, dockerForward, ours.services, ours.firewall], [ours.postrouting]),
      ['filter/FORWARD:KUBE-SERVICES,KUBE-FORWARD'],
    ],
    ['one jump missing', save([ours.services, ours.firewall], [ours.postrouting]), ['filter/FORWARD:KUBE-SERVICES,KUBE-FORWARD']],
    [
      'same target from another chain does not count',
      save([ours.forward, ours.services, '-A OUTPUT -j KUBE-FIREWALL'], [ours.postrouting]),
      ['filter/INPUT:KUBE-FIREWALL'],
    ],
  ])('%s', (_name, s, want) => {
    expect(misplaced(s)).toEqual(want);
  });

  it("chainRules reads one table's chain only", () => {
    const s = save([ours.forward], [ours.postrouting]);
    expect(chainRules(s, 'filter', 'FORWARD')).toEqual([ours.forward]);
    expect(chainRules(s, 'nat', 'FORWARD')).toEqual([]);
    expect(chainRules(s, 'raw', 'FORWARD')).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, parseConfig } from '../src/config';

describe('scheduler configuration', () => {
  it('defaults as upstream', () => {
    const c = defaultConfig();
    expect(c.profiles.map((p) => p.schedulerName)).toEqual(['default-scheduler']);
    expect(c.profiles[0].filters.map((f) => f.name)).toEqual(['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding', 'InterPodAffinity']);
    expect(c.profiles[0].scores.map((s) => [s.plugin.name, s.weight])).toEqual([
      ['TaintToleration', 3],
      ['NodeAffinity', 2],
      ['NodeResourcesFit', 1],
      ['NodeResourcesBalancedAllocation', 1],
    ]);
    expect(c.leaderElection).toMatchObject({ leaderElect: true, resourceNamespace: 'kube-system', resourceName: 'kube-scheduler' });
  });

  it('parses profiles, enabled/disabled plugins, weights and plugin args', () => {
    const c = parseConfig(`
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
leaderElection:
  leaderElect: false
  leaseDuration: 5s
clientConnection:
  kubeconfig: /etc/k.yaml
profiles:
- schedulerName: default-scheduler
- schedulerName: packer
  plugins:
    filter:
      disabled: [{name: NodePorts}]
    score:
      disabled: [{name: "*"}]
      enabled: [{name: NodeResourcesFit, weight: 5}]
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources: [{name: cpu, weight: 1}]
`);
    expect(c.leaderElection).toMatchObject({ leaderElect: false, leaseDurationSeconds: 5 });
    expect(c.kubeconfig).toBe('/etc/k.yaml');
    const packer = c.profiles[1];
    expect(packer.schedulerName).toBe('packer');
    expect(packer.filters.map((f) => f.name)).not.toContain('NodePorts');
    expect(packer.scores.map((s) => [s.plugin.name, s.weight])).toEqual([['NodeResourcesFit', 5]]);
  });

  it.each([
    ['kind: Other', /kind must be KubeSchedulerConfiguration/],
    ['profiles:\n- plugins: {filter: {enabled: [{name: Bogus}]}}', /plugin "Bogus" does not exist/],
    ['profiles:\n- plugins: {score: {enabled: [{name: NodePorts}]}}', /does not extend Score/],
    ['profiles:\n- schedulerName: a\n- schedulerName: a', /duplicate schedulerName "a"/],
    ['leaderElection: {leaseDuration: soon}', 'leaderElection.leaseDuration: time: invalid duration "soon"'],
    ['leaderElection: {leaseDuration: -5s}', 'leaderElection.leaseDuration: must not be negative'],
    ['{ unclosed', /invalid YAML/],
  ])('rejects %j', (text, err) => {
    expect(() => parseConfig(text)).toThrow(ConfigError);
    expect(() => parseConfig(text)).toThrow(err);
  });
});

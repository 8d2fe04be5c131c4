// Pure parts of the apiserver's pod proxy: which container, which kubelet address.
import { describe, expect, it } from 'vitest';
import { pickContainer, portQuery } from '../src/podproxy';
import { KubeletClient } from '../src/kubeletclient';

const pod = (names: string[], annotations?: Record<string, string>) => ({
  metadata: { name: 'p', namespace: 'default', annotations },
  spec: { nodeName: 'n1', containers: names.map((name) => ({ name })), initContainers: [{ name: 'init' }] },
});

describe('podproxy', () => {
  it('picks the container like upstream', () => {
    expect(pickContainer(pod(['a']), undefined)).toBe('a');
    expect(pickContainer(pod(['a', 'b']), 'b')).toBe('b');
    expect(pickContainer(pod(['a', 'b']), 'init')).toBe('init');
    expect(pickContainer(pod(['a', 'b'], { 'kubectl.kubernetes.io/default-container': 'b' }), undefined)).toBe('b');
    expect(() => pickContainer(pod(['a', 'b']), undefined)).toThrow('a container name must be specified for pod p, choose one of: [a b]');
    expect(() => pickContainer(pod(['a']), 'zz')).toThrow('container zz is not valid for pod p');
  });
  it('finds the kubelet endpoint of a node, by the first --kubelet-preferred-address-types type it has', () => {
    const kubeletAddress = (n: Parameters<KubeletClient['address']>[0]) =>
      new KubeletClient({ preferredAddressTypes: ['InternalIP', 'Hostname'] }).address(n);
    const hostnameFirst = new KubeletClient({
      preferredAddressTypes: ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'],
    });
    expect(
      hostnameFirst.address({
        status: {
          addresses: [
            { type: 'InternalIP', address: '10.0.0.2' },
            { type: 'Hostname', address: 'node-1' },
          ],
        },
      }),
    ).toEqual({ host: 'node-1', port: 10250 });
    expect(
      new KubeletClient({ preferredAddressTypes: ['ExternalIP'] }).address({
        status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] },
      }),
    ).toBeUndefined();
    expect(
      kubeletAddress({
        status: {
          addresses: [
            { type: 'Hostname', address: 'h' },
            { type: 'InternalIP', address: '10.0.0.2' },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: 10251 } },
        },
      }),
    ).toEqual({ host: '10.0.0.2', port: 10251 });
    expect(kubeletAddress({ status: { addresses: [{ type: 'Hostname', address: 'h' }] } })).toEqual({ host: 'h', port: 10250 });
    expect(kubeletAddress({ status: {} })).toBeUndefined();
  });
});

describe('podproxy port-forward query', () => {
  it.each([
    [[], ''],
    [['80'], '?port=80'],
    [['80,8080', '9090'], '?port=80&port=8080&port=9090'],
  ])('ports=%j → %s', (values, want) => expect(portQuery(values)).toBe(want));
  it.each([['x'], ['0'], ['65536'], ['80,'], ['']])('ports=%j is a 400', (v) =>
    expect(portQuery([v])).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest' }),
  );
});

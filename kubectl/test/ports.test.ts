import { describe, expect, it } from 'vitest';
import { parseAddresses, parsePorts, podPorts, servicePorts } from '../src/ports';

const pod = {
  metadata: { name: 'web' },
  spec: { containers: [{ ports: [{ name: 'http', containerPort: 8080 }] }, { ports: [{ name: 'metrics', containerPort: 9090 }] }] },
};
const svc = {
  metadata: { name: 'web' },
  spec: {
    ports: [
      { name: 'web', port: 80, targetPort: 'http' },
      { name: 'direct', port: 90, targetPort: 9091 },
      { port: 100, targetPort: 0 },
      { name: 'num', port: 110, targetPort: '8081' },
    ],
  },
};

describe('port-forward port specs', () => {
  it.each([
    [['8080:80'], [{ local: 8080, remote: 80 }]],
    [[':80'], [{ local: 0, remote: 80 }]],
    [['80'], [{ local: 80, remote: 80 }]],
    [
      ['0:80', '5000:6000'],
      [
        { local: 0, remote: 80 },
        { local: 5000, remote: 6000 },
      ],
    ],
  ])('%j', (specs, want) => {
    expect(parsePorts(specs)).toEqual(want);
  });

  it.each([
    [['1:2:3'], "invalid port format '1:2:3'"],
    [['x:80'], 'error parsing local port \'x\': strconv.ParseUint: parsing "x": invalid syntax'],
    [['80:y'], 'error parsing remote port \'y\': strconv.ParseUint: parsing "y": invalid syntax'],
    [['70000'], 'error parsing remote port \'70000\': strconv.ParseUint: parsing "70000": value out of range'],
    [['8080:0'], 'remote port must be > 0'],
    [['0'], 'remote port must be > 0'],
  ])('%j fails as kubectl does', (specs, message) => {
    expect(() => parsePorts(specs)).toThrow(message);
  });
});

describe('named ports', () => {
  it.each([
    [['http'], ['8080']],
    [['5000:http'], ['5000:8080']],
    [[':metrics'], [':9090']],
    [['8080:80'], ['8080:80']],
    [['80'], ['80']],
  ])('pod %j → %j', (specs, want) => {
    expect(podPorts(specs, pod)).toEqual(want);
  });

  it('a pod port name that is not there', () => {
    expect(() => podPorts(['nope'], pod)).toThrow("Pod 'web' does not have a named port 'nope'");
  });

  it.each([
    [['80'], ['80:8080']],
    [[':80'], [':8080']],
    [['web'], ['80:8080']],
    [['7000:web'], ['7000:8080']],
    [['90'], ['90:9091']],
    [['100'], ['100']],
    [['110'], ['110:8081']],
  ])('service %j → %j (targetPort by name, number, or the port itself)', (specs, want) => {
    expect(servicePorts(specs, svc, pod)).toEqual(want);
  });

  it.each([
    [['81'], 'Service web does not have a service port 81'],
    [['nope'], "Service 'web' does not have a named port 'nope'"],
  ])('service %j fails: %s', (specs, message) => {
    expect(() => servicePorts(specs, svc, pod)).toThrow(message);
  });
});

describe('--address', () => {
  it.each([
    [
      ['localhost'],
      [
        { address: '127.0.0.1', family: 4, failureMode: 'all' },
        { address: '::1', family: 6, failureMode: 'all' },
      ],
    ],
    // a given IP overrides localhost's entry for it, as in kubectl
    [
      ['0.0.0.0', 'localhost', '127.0.0.1'],
      [
        { address: '0.0.0.0', family: 4, failureMode: 'any' },
        { address: '127.0.0.1', family: 4, failureMode: 'any' },
        { address: '::1', family: 6, failureMode: 'all' },
      ],
    ],
    [
      ['::', '10.0.0.1'],
      [
        { address: '10.0.0.1', family: 4, failureMode: 'any' },
        { address: '::', family: 6, failureMode: 'any' },
      ],
    ],
  ])('%j', (list, want) => {
    expect(parseAddresses(list)).toEqual(want);
  });

  it.each([['example.com'], ['256.1.1.1']])('%s is not an IP', (a) => {
    expect(() => parseAddresses([a])).toThrow(`${a} is not a valid IP`);
  });
});

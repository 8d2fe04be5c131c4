import { describe, expect, it } from 'vitest';
import {
  base32,
  endpointChainName,
  externalChainName,
  isServiceChainName,
  portProtoHash,
  serviceChainName,
} from '../src/proxy/chain-names';

describe('chain name hash (upstream fixtures)', () => {
  it.each([
    ['ns1/svc1:p80', 'tcp', 'XPGD46QRK7WJZT7O'],
    ['ns1/svc1:p80', 'TCP', 'XPGD46QRK7WJZT7O'],
    ['default/web:http', 'tcp', 'CDGGSHYLG3RE2FKL'],
  ])('portProtoHash(%s, %s) = %s', (spn, proto, want) => {
    expect(portProtoHash(spn, proto)).toBe(want);
  });

  it('names the chains like upstream', () => {
    expect(serviceChainName('ns1/svc1:p80', 'TCP')).toBe('KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(externalChainName('ns1/svc1:p80', 'TCP')).toBe('KUBE-EXT-XPGD46QRK7WJZT7O');
    expect(endpointChainName('ns1/svc1:p80', 'TCP', '10.180.0.1:80')).toBe('KUBE-SEP-SXIVWICOYRO3J4NJ');
    expect(endpointChainName('default/web:http', 'TCP', '10.244.1.2:8080')).toBe('KUBE-SEP-UIQK3OSOSTRHRPBX');
    expect(endpointChainName('default/web:http', 'TCP', '10.244.1.3:8080')).toBe('KUBE-SEP-2AZ33KU3V5PGPQZH');
  });

  it('base32 is RFC 4648', () => {
    expect(base32(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32(Buffer.from('f'))).toBe('MY');
  });

  it('recognises service chains only', () => {
    expect(isServiceChainName('KUBE-SEP-SXIVWICOYRO3J4NJ')).toBe(true);
    expect(isServiceChainName('KUBE-SVC-XPGD46QRK7WJZT7O')).toBe(true);
    expect(isServiceChainName('KUBE-SERVICES')).toBe(false);
    expect(isServiceChainName('KUBE-MARK-MASQ')).toBe(false);
    expect(isServiceChainName('DOCKER')).toBe(false);
  });
});

// Flags: defaults as ingress-nginx's, and a clear error for every bad value.
import { describe, expect, it } from 'vitest';
import { parseFlags } from '../src/flags';

describe('parseFlags', () => {
  it('has upstream-like defaults', () => {
    expect(parseFlags([])).toMatchObject({ controllerClass: 'minik8s.io/ingress-nginx', httpPort: 80, httpsPort: 443, statusPort: 10246, healthzPort: 10254, healthzHost: '0.0.0.0', bindAddress: '', watchIngressWithoutClass: false, confDir: '/etc/nginx', accessLog: '/dev/stdout', publishStatusAddress: [] });
  });

  it('takes --flag value, --flag=value and bare booleans', () => {
    expect(parseFlags(['--http-port', '8080', '--https-port=8443', '--watch-ingress-without-class', '--publish-status-address', '127.0.0.1, ingress.example.com'])).toMatchObject({
      httpPort: 8080, httpsPort: 8443, watchIngressWithoutClass: true, publishStatusAddress: ['127.0.0.1', 'ingress.example.com'],
    });
  });

  const bad: Array<[string[], string]> = [
    [['--http-port', '0x50'], '--http-port: want an integer in 1..65535, got "0x50"'],
    [['--https-port', '70000'], '--https-port: want an integer in 1..65535, got "70000"'],
    [['--http-port', '443'], '--http-port, --https-port and --status-port must differ (443, 443, 10246)'],
    [['--nope', '1'], 'unknown flag --nope'],
    [['--controller-class', 'nginx'], '--controller-class: want a domain-prefixed path such as "minik8s.io/ingress-nginx", got "nginx"'],
    [['--publish-status-address', 'a b'], '--publish-status-address: "a b" is neither an IP address nor a DNS name'],
    [['--bind-address', 'localhost'], '--bind-address: want an IPv4 address, got "localhost"'],
    [['--conf-dir', 'relative'], '--conf-dir: want an absolute directory path, got "relative"'],
    [['--access-log', '/tmp/x;y'], '--access-log: want an absolute file path or "off", got "/tmp/x;y"'],
    [['--worker-processes', '0'], '--worker-processes: want "auto" or a count, got "0"'],
    [['--watch-ingress-without-class=yes'], '--watch-ingress-without-class: want true or false, got "yes"'],
    [['--master'], 'flag --master needs a value'],
  ];
  for (const [argv, msg] of bad) it(`refuses ${argv.join(' ')}`, () => expect(() => parseFlags(argv)).toThrow(msg));
});

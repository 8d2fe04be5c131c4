// Backends for the benchmark and the integration test: busybox httpd "pods" on the host's Docker
// engine, each with its own IP on Docker's default bridge (as a pod has one on its node's bridge),
// answering GET / with its name. Every container carries a label, so cleanup removes exactly those.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const REPO = resolve(__dirname, '../../..');
export const IMAGE = 'minik8s/busybox:1.36';

export interface HttpdPod {
  name: string;
  id: string;
  ip: string;
}

function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Build the busybox image from the host's busybox-static when missing (one build at a time on the machine). */
export function ensureImage(): void {
  execFileSync('flock', ['/tmp/minik8s-image-busybox.lock', 'sh', resolve(REPO, 'images/busybox/build.sh')], { stdio: 'pipe' });
}

export class HttpdPods {
  constructor(readonly label: string) {}

  /** Start a pod answering its name on :8080; resolves with its IP once its server listens. */
  start(name: string): HttpdPod {
    if (!/^[a-z0-9-]{1,40}$/.test(name)) throw new Error(`bad pod name ${name}`);
    const id = docker([
      'run', '-d', '--label', `minik8s.ingress-test=${this.label}`, '--name', `${this.label}-${name}`, IMAGE,
      'sh', '-c', `mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -p 8080 -h /www`,
    ]);
    const ip = docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', id]);
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new Error(`pod ${name} has no IP on Docker's bridge (${ip})`);
    return { name, id, ip };
  }

  stop(p: HttpdPod): void {
    docker(['rm', '-f', p.id]);
  }

  /** Remove every container of this label (also those of a run that was cut off). */
  removeAll(): void {
    const ids = docker(['ps', '-aq', '--filter', `label=minik8s.ingress-test=${this.label}`]).split('\n').filter(Boolean);
    if (ids.length) docker(['rm', '-f', ...ids]);
  }
}

// What every command gets: the global flags, a lazily built API client and the namespace to use.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Discovery } from './discovery';
import type { ApiClient } from './shared';

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  server?: string;
  v?: string;
  cacheDir?: string;
}

export const USER_AGENT = 'mkctl/v1.32.0 (linux/amd64) minik8s';

export class Ctx {
  private cachedClient?: ApiClient;
  private kubeconfigNamespace?: string;
  private cachedDiscovery?: Discovery;

  constructor(readonly globals: GlobalOptions) {}

  get client(): ApiClient {
    if (!this.cachedClient) {
      // Loaded on first use: `version --client`, `completion` and `config` never pay for them.
      /* eslint-disable @typescript-eslint/no-require-imports -- lazy, see above */
      const { loadKubeconfig, ApiClient } = require('@minik8s/shared/client') as typeof import('@minik8s/shared/client');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const cfg = loadKubeconfig({ path: this.globals.kubeconfig, context: this.globals.context, server: this.globals.server });
      this.kubeconfigNamespace = cfg.namespace;
      const level = this.verbosity;
      let observe;
      if (level >= 6) {
        /* eslint-disable @typescript-eslint/no-require-imports -- loaded only at -v=6 and above */
        const { requestLogger, logConfigLoaded } = require('./verbose') as typeof import('./verbose');
        const { kubeconfigFiles } = require('@minik8s/shared/client') as typeof import('@minik8s/shared/client');
        /* eslint-enable @typescript-eslint/no-require-imports */
        logConfigLoaded(level, kubeconfigFiles({ path: this.globals.kubeconfig })[0]);
        observe = requestLogger(level);
      }
      // server warnings on stderr, each once, as kubectl's default warning writer
      const warned = new Set<string>();
      const onWarning = (text: string) => {
        if (warned.has(text)) return;
        warned.add(text);
        process.stderr.write(`Warning: ${text}\n`);
      };
      this.cachedClient = new ApiClient({ ...cfg, userAgent: USER_AGENT, observe, onWarning });
    }
    return this.cachedClient;
  }

  /** -v N (0 when not given). */
  get verbosity(): number {
    const n = Number((this.globals.v ?? '0').replace(/^=/, ''));
    return Number.isInteger(n) && n > 0 ? n : 0;
  }

  /** Resource types from the server's discovery, through kubectl's disk cache. */
  get discovery(): Discovery {
    if (!this.cachedDiscovery) {
      const { Discovery, cacheDirFor } = require('./discovery') as typeof import('./discovery'); // eslint-disable-line @typescript-eslint/no-require-imports
      const parent = this.globals.cacheDir ?? process.env.KUBECACHEDIR ?? join(process.env.HOME || homedir(), '.kube', 'cache');
      this.cachedDiscovery = new Discovery(this.client, cacheDirFor(join(parent, 'discovery'), this.client.server));
    }
    return this.cachedDiscovery;
  }

  /** -n, else the context's namespace, else "default" (as kubectl). */
  get namespace(): string {
    if (this.globals.namespace) return this.globals.namespace;
    void this.client;
    return this.kubeconfigNamespace ?? 'default';
  }

  /** Whether the namespace was given explicitly (-n or by the context). */
  get namespaceExplicit(): boolean {
    return !!this.globals.namespace;
  }

  close(): void {
    this.cachedClient?.close();
  }
}

// The built-in kinds as the apiserver serves them, for unit tests (no store behind them).
import { KindRegistry, type ServedResource } from '../src/registry/kinds';
import { builtinKinds, type KindsConfig } from '../src/kinds';
import { IpRange } from '../src/kinds/core/service';
import type { Store } from '../src/storage/etcd';

/** Tokens are neither issued nor reviewed in these tests. */
const auth = {} as KindsConfig['auth'];

export function builtinKindRegistry(store = {} as Store): KindRegistry {
  return new KindRegistry(
    builtinKinds({ store, root: '/registry', services: { ipRange: new IpRange('10.96.0.0/12'), portRange: [30000, 32767] }, auth }),
  );
}

export const kinds = builtinKindRegistry();

/** A built-in kind at its storage version, e.g. kind('pods'), kind('deployments', 'apps'). */
export function kind(resource: string, group = ''): ServedResource {
  const r = kinds.get(group, resource);
  if (!r) throw new Error(`no kind ${resource}.${group}`);
  return r;
}

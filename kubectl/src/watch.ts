// Follow one object (or a collection) with a watch from a known resourceVersion until a check is satisfied,
// the object is deleted, or the deadline passes; the watch is reopened when the server ends it.
import type { Ctx } from './context';
import { ResourceClient, type KubeObject, type ResourceType, type WatchEvent } from './shared';

export type Verdict = 'done' | undefined;

/**
 * Resolves 'done' when `check` says so, 'deleted' when the object goes (check decides first: a wait for
 * deletion returns 'done' on DELETED), 'timeout' at the deadline.
 */
export async function watchObject(
  ctx: Ctx,
  rt: ResourceType,
  ns: string | undefined,
  name: string,
  fromVersion: string | undefined,
  deadline: number,
  check: (ev: WatchEvent<KubeObject>) => Verdict,
): Promise<'done' | 'deleted' | 'timeout'> {
  const rc = new ResourceClient(ctx.client, rt);
  let rv = fromVersion;
  while (Date.now() < deadline) {
    let result: 'done' | 'deleted' | undefined;
    const left = deadline === Infinity ? 300 : Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    const w = rc.watch({ namespace: ns, fieldSelector: `metadata.name=${name}`, resourceVersion: rv, timeoutSeconds: left }, (ev) => {
      rv = ev.object?.metadata?.resourceVersion ?? rv;
      if (check(ev) === 'done') result = 'done';
      else if (ev.type === 'DELETED') result = 'deleted';
      if (result) w.stop();
    });
    const timer = deadline === Infinity ? undefined : setTimeout(() => w.stop(), Math.max(0, deadline - Date.now()));
    try {
      await w.done;
    } finally {
      clearTimeout(timer);
    }
    if (result) return result;
  }
  return 'timeout';
}

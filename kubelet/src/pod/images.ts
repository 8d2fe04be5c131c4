// Image pulls per imagePullPolicy, with upstream's back-off (ErrImagePull, then ImagePullBackOff) and
// Events (Pulling, Pulled, Failed, BackOff).
import type { core } from '@minik8s/shared';
import type { Pod } from '../kinds';
import { pullPolicy } from './config';
import type { PodContext } from './context';
import type { Waiting } from './status';

/** Undefined when the image is there to use; else why the container waits. */
export async function ensureImage(ctx: PodContext, pod: Pod, c: core.Container): Promise<Waiting | undefined> {
  const { runtime } = ctx.o;
  const image = c.image ?? '';
  const policy = pullPolicy(c);
  const present = await runtime.imageStatus(image);
  if (present && (policy !== 'Always' || ctx.o.preferLocalImages)) {
    ctx.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
    return undefined;
  }
  if (policy === 'Never') {
    const message = `Container image "${image}" is not present with pull policy of Never`;
    ctx.event(pod, 'Warning', 'ErrImageNeverPull', message);
    return { reason: 'ErrImageNeverPull', message };
  }
  const key = `${pod.metadata.uid}/pull/${image}`;
  const { backoff, pullFailures } = ctx.mem;
  const wait = backoff.remaining(key, pullFailures.get(key) ?? 0);
  if (wait > 0) {
    const message = `Back-off pulling image "${image}"`;
    ctx.event(pod, 'Normal', 'BackOff', message);
    ctx.requeue(pod, wait + 50);
    return { reason: 'ImagePullBackOff', message };
  }
  ctx.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
  const t0 = Date.now();
  try {
    await runtime.pullImage(image);
    backoff.reset(key);
    ctx.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${Date.now() - t0}ms`);
    return undefined;
  } catch (e) {
    if (present) {
      ctx.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${(e as Error).message}; using the local image`);
      return undefined;
    }
    const now = Date.now();
    pullFailures.set(key, now);
    backoff.next(key, now);
    const message = `Failed to pull image "${image}": ${(e as Error).message}`;
    ctx.event(pod, 'Warning', 'Failed', message);
    ctx.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
    ctx.requeue(pod, 1000);
    return { reason: 'ErrImagePull', message };
  }
}

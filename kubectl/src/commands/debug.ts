// debug POD --image=IMAGE [-i] [-t] [--target=C] [-c NAME] [-- COMMAND...]: an ephemeral container added
// through the pods/ephemeralcontainers subresource (a strategic merge patch, as kubectl sends it), then
// with -i attached to once it runs. Profile "legacy" (kubectl's default, with its deprecation warning) and
// "general". A server without the subresource gets kubectl's intended message (kubectl 1.32 itself panics).
import { randomInt } from 'node:crypto';
import { getObject } from '../api';
import { builtinType } from '../args';
import type { Ctx } from '../context';
import { CliError } from '../errors';
import { sortKeys } from '../print/yaml';
import { ApiError, resourcePath } from '../shared';
import { watchObject } from '../watch';
import { attachTo, resolvePod, type Pod } from './pods';

export interface DebugOptions {
  image?: string;
  stdin?: boolean;
  tty?: boolean;
  container?: string;
  target?: string;
  profile?: string;
  imagePullPolicy?: string;
  env?: string[];
  quiet?: boolean;
  attach?: boolean;
  argumentsOnly?: boolean;
  copyTo?: string;
  afterDash?: string[];
}

const RAND = 'bcdfghjklmnpqrstvwxz2456789';
/** kubectl's utilrand.String(5). */
export const randomSuffix = () => Array.from({ length: 5 }, () => RAND[randomInt(RAND.length)]).join('');

/** The ephemeral container kubectl's debug builds (legacy and general profiles), in Go's field order. */
export function ephemeralContainer(name: string, o: DebugOptions, command: string[]): Record<string, unknown> {
  const c: Record<string, unknown> = { name, image: o.image };
  if (command.length) c[o.argumentsOnly ? 'args' : 'command'] = command;
  if (o.env?.length) c.env = o.env.map((kv) => ({ name: kv.split('=')[0], value: kv.slice(kv.indexOf('=') + 1) }));
  c.resources = {};
  c.terminationMessagePolicy = 'File';
  if (o.imagePullPolicy) c.imagePullPolicy = o.imagePullPolicy;
  // the general profile's allowProcessTracing
  if (o.profile === 'general') c.securityContext = { capabilities: { add: ['SYS_PTRACE'] } };
  if (o.stdin) c.stdin = true;
  if (o.tty) c.tty = true;
  if (o.target) c.targetContainerName = o.target;
  return c;
}

export async function debug(ctx: Ctx, args: string[], o: DebugOptions): Promise<number> {
  const command = o.afterDash ?? [];
  const targets = args.slice(0, args.length - command.length);
  if (!o.image && !o.copyTo) throw new CliError('you must specify --image when not using --copy-to.');
  if (targets.length === 0) throw new CliError('NAME is required for debug');
  if (o.copyTo) throw new CliError('--copy-to is not supported by mkctl (debug adds an ephemeral container to the pod itself)');
  const profile = o.profile ?? 'legacy';
  if (!['legacy', 'general'].includes(profile)) throw new CliError(`unknown profile: ${profile} (mkctl supports legacy and general)`);
  if (!o.profile) process.stderr.write('--profile=legacy is deprecated and will be removed in the future. It is recommended to explicitly specify a profile, for example "--profile=general".\n');
  if (targets[0].startsWith('node/') || targets[0].startsWith('nodes/')) throw new CliError('debugging a node (a pod in its host namespaces) is not supported by mkctl');
  const pod = await resolvePod(ctx, targets[0]);
  const name = o.container ?? `debugger-${randomSuffix()}`;
  // kubectl writes these two to its output stream, not its error stream
  if (o.target && !o.quiet) process.stdout.write(`Targeting container "${o.target}". If you don't see processes from this container it may be because the container runtime doesn't support this feature.\n`);
  if (!o.container && !o.quiet) process.stdout.write(`Defaulting debug container name to ${name}.\n`);
  const patch = { spec: { ephemeralContainers: [ephemeralContainer(name, o, command)] } };
  const pods = builtinType('pods');
  try {
    await ctx.client.request('PATCH', resourcePath(pods, pod.metadata.namespace, pod.metadata.name, 'ephemeralcontainers'), {
      body: JSON.stringify(sortKeys(patch)),
      contentType: 'application/strategic-merge-patch+json',
    });
  } catch (e) {
    if (e instanceof ApiError && e.code === 404 && !e.status.details?.name) {
      throw new CliError(`ephemeral containers are disabled for this cluster (error from server: ${JSON.stringify(e.message)}).`, 1, { cause: e });
    }
    throw e;
  }
  if (!(o.attach ?? o.stdin)) return 0;
  // Attach once the kubelet runs it.
  const running = (p: Pod) => (p.status?.ephemeralContainerStatuses ?? []).some((s: { name: string; state?: { running?: unknown; terminated?: unknown } }) => s.name === name && (s.state?.running || s.state?.terminated));
  const fresh = await getObject<Pod>(ctx, pods, pod.metadata.namespace, pod.metadata.name!);
  if (!running(fresh)) {
    const r = await watchObject(ctx, pods, pod.metadata.namespace, pod.metadata.name!, fresh.metadata.resourceVersion, Date.now() + 60_000, (ev) => (running(ev.object as Pod) ? 'done' : undefined));
    if (r !== 'done') throw new CliError(`timed out waiting for the ephemeral container ${name} to start`);
  }
  const attached = await getObject<Pod>(ctx, pods, pod.metadata.namespace, pod.metadata.name!);
  const spec = { ...attached, spec: { ...attached.spec, containers: [...(attached.spec?.containers ?? []), ...(attached.spec?.ephemeralContainers ?? [])] } };
  return (await attachTo(ctx, spec, { container: name, stdin: o.stdin, tty: o.tty, quiet: o.quiet })).code;
}

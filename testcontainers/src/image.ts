// The all-in-one image, made available before a cluster starts: already on the engine, else built by
// `npm run up`'s image step in the minik8s checkout this package comes from (or MINIK8S_SOURCE),
// with its progress shown, else pulled.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ImageName, type ContainerRuntimeClient } from 'testcontainers';

export const DEFAULT_IMAGE = 'minik8s/allinone';
/** How long building every image may take (the first build on a machine without a registry makes a Debian base). */
export const BUILD_TIMEOUT_MS = 20 * 60_000;

/** `missing`: build only when the engine lacks the image; `always`: run the image step first (it rebuilds only what changed). */
export type BuildPolicy = 'missing' | 'always';

const isSource = (dir: string) => existsSync(join(dir, 'scripts', 'images.sh')) && existsSync(join(dir, 'images', 'allinone', 'Dockerfile'));

/** The minik8s checkout to build the image from: $MINIK8S_SOURCE, else the one holding this package. */
export function findSource(from = __dirname, env = process.env.MINIK8S_SOURCE): string | undefined {
  if (env) {
    if (!isSource(env)) throw new Error(`MINIK8S_SOURCE=${env} is not a minik8s checkout (no scripts/images.sh and images/allinone there)`);
    return env;
  }
  for (let d = from; ; d = dirname(d)) {
    if (isSource(d)) return d;
    if (dirname(d) === d) return undefined;
  }
}

function buildImages(source: string, status: (line: string) => void): Promise<void> {
  const cluster = createRequire(join(source, 'package.json'))('./scripts/cluster.js') as {
    buildImages(o: { status: (s: string) => void; timeoutMs: number }): Promise<void>;
  };
  return cluster.buildImages({ status, timeoutMs: BUILD_TIMEOUT_MS });
}

/** Progress on stderr, one line per step of the build. */
export function stderrProgress(image: string, source: string): (line: string) => void {
  let last = '';
  process.stderr.write(`minik8s: building ${image} from ${source} (scripts/images.sh; the first build on a machine takes minutes)\n`);
  return (line) => {
    if (line && line !== last) process.stderr.write(`minik8s:   ${(last = line)}\n`);
  };
}

export async function ensureImage(
  client: Pick<ContainerRuntimeClient, 'image'>,
  image: string,
  policy: BuildPolicy,
  progress?: (line: string) => void,
  sourceOf: () => string | undefined = findSource,
): Promise<void> {
  const name = ImageName.fromString(image);
  const have = await client.image.exists(name);
  if (have && policy === 'missing') return;
  const ours = name.string === ImageName.fromString(DEFAULT_IMAGE).string;
  const source = ours ? sourceOf() : undefined;
  if (source) {
    await buildImages(source, progress ?? stderrProgress(name.string, source));
    if (!(await client.image.exists(name))) throw new Error(`the image step finished but the engine has no ${name.string}`);
    return;
  }
  if (have) return;
  try {
    await client.image.pull(name, { force: false, platform: undefined });
  } catch (e) {
    const how = ours
      ? `build it in a minik8s checkout (npm run up, or bash scripts/images.sh), or set MINIK8S_SOURCE to a checkout to build it from`
      : `check the name (docker images lists the local ones)`;
    throw new Error(`the Docker engine has no image ${name.string} and cannot pull it (${(e as Error).message.split('\n')[0]}): ${how}`, { cause: e });
  }
}

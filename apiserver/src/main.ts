// kube-apiserver for minik8s: `node apiserver/dist/main.js --etcd-servers URL [--bind-address ...]`.
import { createLogger, onShutdown } from '@minik8s/shared';
import { parseFlags, advertiseAddressFor } from './flags';
import { startServer } from './server';

async function main(): Promise<void> {
  const log = createLogger('apiserver');
  let flags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (e) {
    console.error(`apiserver: ${(e as Error).message}`);
    process.exit(2);
  }
  const server = await startServer({
    ...flags,
    advertiseAddress: advertiseAddressFor(flags),
    bookmarkIntervalMs: Number(process.env.MINIK8S_BOOKMARK_INTERVAL_MS ?? 10_000),
    logger: log,
  });
  onShutdown(() => server.close());
}

main().catch((e) => {
  console.error('apiserver failed to start:', e);
  process.exit(1);
});

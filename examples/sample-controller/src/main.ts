// sample-controller: an example operator on @minik8s/shared, in the shape of upstream's
// k8s.io/sample-controller. Runs against any cluster a kubeconfig reaches:
//   node examples/sample-controller/dist/main.js [--kubeconfig FILE] [--master URL] [--image IMAGE]
//     [--command ARG]... [--workers N]
import { parseArgs } from 'node:util';
import { ApiClient, createLogger, onShutdown } from '@minik8s/shared';
import { FooController } from './controller';

const USAGE = `usage: sample-controller [--kubeconfig FILE] [--master URL] [--image IMAGE] [--command ARG]... [--workers N]`;

function flags(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      master: { type: 'string' },
      image: { type: 'string', default: 'nginx:latest' },
      command: { type: 'string', multiple: true },
      workers: { type: 'string', default: '2' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const workers = Number(values.workers);
  if (!/^\d+$/.test(values.workers) || workers < 1 || workers > 64)
    throw new Error(`--workers must be an integer from 1 to 64, not ${JSON.stringify(values.workers)}`);
  return { ...values, workers };
}

async function main(): Promise<void> {
  let o: ReturnType<typeof flags>;
  try {
    o = flags(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = createLogger('sample-controller');
  const client = ApiClient.fromKubeconfig({ path: o.kubeconfig, server: o.master, userAgent: 'sample-controller' });
  const controller = new FooController(client, { image: o.image, command: o.command }, log);
  onShutdown(() => controller.stop());
  await controller.run(o.workers);
}

main().catch((e: unknown) => {
  process.stderr.write(`sample-controller: ${(e as Error).message}\n`);
  process.exit(1);
});

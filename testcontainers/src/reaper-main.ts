// The reaper of one test process (see reaper.ts): node reaper-main.js PID SESSION. Checks every second
// whether PID still runs; once it does not, removes every container and network labelled with the
// Testcontainers session SESSION, and exits. Testcontainers is loaded only then, so it idles small.
import { alive, removeLabelled } from './cleanup';

const [pidArg, session] = process.argv.slice(2);
const pid = Number(pidArg);
if (!Number.isInteger(pid) || pid <= 1 || !/^[A-Za-z0-9-]{1,64}$/.test(session ?? '')) {
  console.error('usage: reaper-main.js PID SESSION');
  process.exit(2);
}

async function reap(): Promise<void> {
  const { getContainerRuntimeClient, LABEL_TESTCONTAINERS_SESSION_ID } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  await removeLabelled(client.container.dockerode, `${LABEL_TESTCONTAINERS_SESSION_ID}=${session}`);
}

const timer = setInterval(() => {
  if (alive(pid)) return;
  clearInterval(timer);
  reap().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}, 1000);

// Graceful shutdown: SIGTERM/SIGINT run every registered hook once (latest first, like defers), then exit.
// A hook that hangs cannot keep the process alive past the grace timeout.

type Hook = () => void | Promise<void>;

const hooks: Hook[] = [];
let installed = false;
let running: Promise<void> | undefined;
let graceMs = 10_000;

/** Register a hook run on SIGTERM/SIGINT (or shutdown()). Returns a function that unregisters it. */
export function onShutdown(fn: Hook): () => void {
  hooks.push(fn);
  if (!installed) {
    installed = true;
    process.once('SIGTERM', () => void shutdown(0));
    process.once('SIGINT', () => void shutdown(130));
  }
  return () => {
    const i = hooks.indexOf(fn);
    if (i >= 0) hooks.splice(i, 1);
  };
}

/** How long hooks may take in total before the process exits anyway (default 10 s). */
export function setShutdownGracePeriod(ms: number): void {
  graceMs = ms;
}

/** Run the hooks once (concurrent callers share the run), then exit with `code` (unless exit is false). */
export function shutdown(code = 0, exit = true): Promise<void> {
  if (!running) {
    running = (async () => {
      const timer = setTimeout(() => {
        process.stderr.write(`shutdown hooks did not finish within ${graceMs} ms; exiting\n`);
        process.exit(code || 1);
      }, graceMs);
      timer.unref();
      for (const h of [...hooks].reverse()) {
        try {
          await h();
        } catch (e) {
          process.stderr.write(`shutdown hook failed: ${e instanceof Error ? e.stack : String(e)}\n`);
        }
      }
      clearTimeout(timer);
    })();
  }
  return running.then(() => {
    if (exit) process.exit(code);
  });
}

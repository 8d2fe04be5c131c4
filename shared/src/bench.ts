// What the benchmarks (npm run bench:*) and the process harnesses share: a free port, polling until a
// condition holds, and nearest-rank percentiles of latency samples.
import { createServer } from 'node:net';

/** A port the kernel just handed out on `host`; another socket may take it before the caller binds it. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/**
 * Poll `fn` every `everyMs` until it returns a value other than undefined or false (a throw counts as
 * "not yet"); after `timeoutMs` fail, naming what it waited for and the last error.
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`, { cause: last });
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** true once `url` answers 2xx, else undefined (made for `until`): an error or refusal reads as not yet. */
export const httpOk = async (url: string): Promise<true | undefined> => ((await fetch(url).catch(() => undefined))?.ok ? true : undefined);

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN without samples. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const median = (xs: number[]): number => percentile(xs, 50);

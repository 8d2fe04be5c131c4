// pino logger setup shared by every component: JSON lines on stdout, one `component` field per line.
// Level: LOG_LEVEL (pino names) wins; else klog-style --v=N (0-1 info, 2-4 debug, 5+ trace).
import pino from 'pino';

export type Logger = pino.Logger;

/** The klog verbosity from argv (`--v=4`, `--v 4`, `-v=4`), if given. */
export function verbosityFromArgs(argv: readonly string[] = process.argv): number | undefined {
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?v(?:=(\d+))?$/.exec(argv[i]);
    if (!m) continue;
    const v = m[1] ?? argv[i + 1];
    if (v !== undefined && /^\d+$/.test(v)) return Number(v);
  }
  return undefined;
}

export function levelFor(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv): pino.LevelWithSilent {
  const fromEnv = env.LOG_LEVEL?.toLowerCase();
  if (fromEnv && fromEnv in pino.levels.values) return fromEnv as pino.Level;
  if (fromEnv === 'silent') return 'silent';
  const v = verbosityFromArgs(argv);
  if (v === undefined || v < 2) return 'info';
  return v < 5 ? 'debug' : 'trace';
}

export function createLogger(component: string, opts: { level?: pino.LevelWithSilent; destination?: pino.DestinationStream } = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? levelFor(),
    base: { component, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

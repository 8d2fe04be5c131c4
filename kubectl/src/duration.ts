// A Go duration flag ("1h30m", "90s", "500ms", "0") as kubectl's flag parser reports it: the grammar is
// shared's (Go's time.ParseDuration); only the wording of the error is the CLI's.
import { parseDuration as parseGoDuration } from '@minik8s/shared/rules';
import { CliError, CodeExitError } from './errors';

/** Milliseconds (negative allowed: `wait --timeout=-1s` means a week). With the command, worded as cobra prints flag errors. */
export function parseDuration(s: string, flag: string, command?: string): number {
  try {
    return parseGoDuration(s.trim());
  } catch (e) {
    const msg = `invalid argument "${s}" for "--${flag}" flag: ${(e as Error).message}`;
    throw command ? new CodeExitError(`Error: ${msg}\nSee 'mkctl ${command} --help' for usage.`, 1) : new CliError(msg, 1, { cause: e });
  }
}

// Errors as kubectl prints them: one line on stderr, exit code 1 (or the remote command's code for exec).
// This file is loaded on every run: it imports nothing at run time.
import type { ApiError } from '@minik8s/shared/client';

/** A usage or input error found on the client side; printed as `error: <message>`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** An error that carries the exit code and is printed as it is, without `error: ` (kubectl's CodeExitError). */
export class CodeExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CodeExitError';
  }
}

/** A usage error as cmdutil.CheckErr prints it: `error: <message>` and a pointer to the command's help. */
export function usageError(message: string, command: string): CliError {
  return new CliError(`${message}\nSee 'mkctl ${command} -h' for help and examples`);
}

/** Exit with this code and print nothing more (e.g. exec's remote exit code, already reported). */
export class ExitCode extends Error {
  constructor(readonly exitCode: number) {
    super(`exit code ${exitCode}`);
    this.name = 'ExitCode';
  }
}

/** `Error from server (NotFound): pods "x" not found`, or `Error from server: msg` when the Status has no reason. */
export function serverErrorLine(e: ApiError, context?: string): string {
  const reason = e.status.reason;
  // kubectl words validation errors without the server prefix or the request context.
  if (reason === 'Invalid') return `The ${e.status.message ?? ''}`;
  const msg = context ? `${context}: ${e.status.message ?? ''}` : (e.status.message ?? '');
  return reason && reason !== 'Unknown' ? `Error from server (${reason}): ${msg}` : `Error from server: ${msg}`;
}

/** The text kubectl would print for this error (no trailing newline). */
export function formatError(e: unknown): string {
  // By name, not instanceof: the shared error classes (and the resource registry behind them) stay unloaded
  // on runs without errors.
  const name = e instanceof Error ? e.name : '';
  if (name === 'ApiError') return serverErrorLine(e as ApiError);
  if (e instanceof CodeExitError) return e.message.replace(/\n$/, '');
  if (name === 'ConnectionError') return (e as Error).message;
  if (name === 'KlogError') return (require('./klog') as typeof import('./klog')).klogCommandFailed((e as Error).message); // eslint-disable-line @typescript-eslint/no-require-imports
  if (e instanceof Error) return `error: ${e.message}`;
  return `error: ${String(e)}`;
}

export function exitCodeOf(e: unknown): number {
  if (e instanceof ExitCode || e instanceof CliError || e instanceof CodeExitError) return e.exitCode;
  return 1;
}

// Where --from-literal, --from-file and --from-env-file values come from, read as kubectl reads them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CliError } from '../errors';
import type { DataEntry } from './generators';

/** `key=value` (the value may hold more `=`). */
export function parseLiteralSource(source: string): DataEntry {
  const i = source.indexOf('=');
  if (i <= 0) throw new CliError(`invalid literal source ${source}, expected key=value`);
  return { key: source.slice(0, i), value: Buffer.from(source.slice(i + 1)) };
}

/** `[key=]path`: the key defaults to the file's base name. */
export function parseFileSource(source: string): { key: string; path: string } {
  const n = source.split('=').length - 1;
  if (n === 0) return { key: basename(source), path: source };
  if (n === 1 && source.startsWith('=')) throw new CliError(`key name for file path ${source.slice(1)} missing`);
  if (n === 1 && source.endsWith('=')) throw new CliError(`file path for key name ${source.slice(0, -1)} missing`);
  if (n > 1) throw new CliError("key names or file paths cannot contain '='");
  const [key, path] = source.split('=');
  return { key, path };
}

function statOrFail(path: string) {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`error reading ${path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`, 1, { cause: e });
  }
}

/** Files of --from-file: one entry per file, every regular file of a directory (by its name). */
export function fileEntries(sources: string[]): DataEntry[] {
  const out: DataEntry[] = [];
  for (const src of sources) {
    const { key, path } = parseFileSource(src);
    if (statOrFail(path).isDirectory()) {
      if (src.includes('=')) throw new CliError('cannot give a key name for a directory path');
      for (const e of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.isFile()) out.push({ key: e.name, value: readFileSync(join(path, e.name)) });
      }
    } else out.push({ key, value: readFileSync(path) });
  }
  return out;
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** An env file's `KEY=value` lines (`#` comments and blank lines skipped; `KEY` alone takes the value from the environment). */
export function parseEnvFile(text: string, env: NodeJS.ProcessEnv = process.env): DataEntry[] {
  const out: DataEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    let line = raw.replace(/\r$/, '');
    if (i === 0) line = line.replace(/^\uFEFF/, '');
    line = line.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq >= 0 ? line.slice(0, eq) : line;
    if (!ENV_NAME.test(key)) {
      throw new CliError(
        `${JSON.stringify(key)} is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`,
      );
    }
    out.push({ key, value: Buffer.from(eq >= 0 ? line.slice(eq + 1) : (env[key] ?? '')) });
  });
  return out;
}

export function envFileEntries(sources: string[], what: 'config' | 'secret'): DataEntry[] {
  const out: DataEntry[] = [];
  for (const src of sources) {
    if (statOrFail(src).isDirectory()) throw new CliError(`env ${what} file cannot be a directory`);
    out.push(...parseEnvFile(readFileSync(src, 'utf8')));
  }
  return out;
}

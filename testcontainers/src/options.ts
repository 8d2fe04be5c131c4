// The builder's inputs, checked before anything starts: flags end up on the command lines of the
// components inside the container (through environment variables the entrypoint splits on spaces).

export const MAX_NODES = 10;

/** Characters a flag or its value may hold: no spaces, quotes, `$`, or glob characters for the shell to expand. */
const TOKEN = /^[A-Za-z0-9._:/,=@+%-]+$/;

export function checkNodeCount(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_NODES) throw new RangeError(`withNodes(${n}): the number of nodes must be a whole number from 1 to ${MAX_NODES}`);
  return n;
}

/**
 * Extra flags of a component: each a `--flag`, `--flag=value` or the value of the flag before it.
 * Returns them joined by spaces, as the entrypoint reads them.
 */
export function checkFlags(component: string, flags: string[]): string {
  flags.forEach((f, i) => {
    if (typeof f !== 'string' || f === '') throw new TypeError(`${component} flag ${i + 1} is empty`);
    if (!TOKEN.test(f)) {
      throw new TypeError(`${component} flag ${JSON.stringify(f)}: only letters, digits and . _ : / , = @ + % - are allowed (pass a flag and its value as two items, or as --flag=value)`);
    }
    if (i === 0 && !f.startsWith('--')) throw new TypeError(`${component} flags must start with a --flag, not ${JSON.stringify(f)}`);
  });
  return flags.join(' ');
}

/** A container name prefix: what `docker run --name` accepts, short enough for the node names after it. */
export function checkName(name: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,47}$/.test(name)) throw new TypeError(`withName(${JSON.stringify(name)}): a name is 1 to 48 letters, digits, and . _ -, starting with a letter or digit`);
  return name;
}

/** A timeout in milliseconds: a positive whole number. */
export function checkTimeout(what: string, ms: number): number {
  if (!Number.isInteger(ms) || ms <= 0) throw new RangeError(`${what}(${ms}): a timeout is a positive number of milliseconds`);
  return ms;
}

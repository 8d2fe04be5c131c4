// Shell completion: command names, flags and resource types, generated from the command tree.
import type { Command } from 'commander';
import type { Ctx } from '../context';
import { CliError } from '../errors';
import { RESOURCES } from '../shared';

function words(cmd: Command): { commands: string[]; flags: string[] } {
  const commands = cmd.commands.map((c) => c.name());
  const flags = [...cmd.options, ...cmd.commands.flatMap((c) => c.options)]
    .flatMap((o) => [o.long, o.short])
    .filter((x): x is string => !!x);
  return { commands, flags: [...new Set(flags)].sort() };
}

export function completion(program: Command) {
  return async (_ctx: Ctx, shell: string): Promise<number> => {
    const { commands, flags } = words(program);
    const types = [...new Set(RESOURCES.flatMap((r) => [r.resource, ...r.shortNames]))].sort();
    const fn = `_mkctl_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=( $(compgen -W "${commands.join(' ')}" -- "$cur") ); return; fi
  case "$cur" in -*) COMPREPLY=( $(compgen -W "${flags.join(' ')}" -- "$cur") ); return;; esac
  COMPREPLY=( $(compgen -W "${types.join(' ')} all" -- "$cur") )
}
`;
    if (shell === 'bash') process.stdout.write(`${fn}complete -F _mkctl_complete mkctl\n`);
    else if (shell === 'zsh')
      process.stdout.write(`#compdef mkctl\nautoload -U +X bashcompinit && bashcompinit\n${fn}complete -F _mkctl_complete mkctl\n`);
    else throw new CliError(`Unsupported shell type "${shell}".`);
    return 0;
  };
}

#!/usr/bin/env node
// mkctl: kubectl's verbs, flags, output and exit codes for minik8s. This entry only declares the
// commands; each one's code is loaded when it runs, so start-up stays small.
import { Command, CommanderError, Option } from 'commander';
import { Ctx, type GlobalOptions } from './context';
import { exitCodeOf, formatError } from './errors';

type Action = (ctx: Ctx, ...args: any[]) => Promise<number | void>; // eslint-disable-line @typescript-eslint/no-explicit-any

const program = new Command('mkctl')
  .description('mkctl controls the minik8s cluster manager (kubectl-compatible).')
  .option('--kubeconfig <file>', 'Path to the kubeconfig file to use for CLI requests.')
  .option('--context <name>', 'The name of the kubeconfig context to use')
  .option('-n, --namespace <namespace>', 'If present, the namespace scope for this CLI request')
  .option('-s, --server <url>', 'The address and port of the Kubernetes API server')
  .option('-v, --v <level>', 'number for the log level verbosity (accepted for compatibility)')
  .option('--request-timeout <duration>', 'accepted for compatibility')
  .showHelpAfterError(false)
  .exitOverride()
  .configureOutput({ outputError: (str, write) => write(rewordCommanderError(str, 'mkctl')) });

/** Commander's wording → kubectl's ("Error: unknown flag: --foo" + the help hint). */
function rewordCommanderError(str: string, cmd: string): string {
  const s = str.trim();
  let m = /unknown option '([^']+)'/.exec(s);
  if (m) return `Error: unknown flag: ${m[1]}\nSee '${cmd} --help' for usage.\n`;
  m = /unknown command '([^']+)'/.exec(s);
  if (m) return `error: unknown command "${m[1]}" for "mkctl"\n`;
  m = /option '([^']+)' argument missing/.exec(s);
  if (m) return `error: flag needs an argument: ${m[1]}\nSee '${cmd} --help' for usage.\n`;
  return s.replace(/^error: /, 'error: ') + '\n';
}

/** A subcommand whose action loads `mod` and calls `fn` with the context, positional args and options. */
function sub(parent: Command, name: string, description: string): Command {
  const c = parent.command(name).description(description);
  const full = parent === program ? `mkctl ${c.name()}` : `mkctl ${parent.name()} ${c.name()}`;
  c.configureOutput({ outputError: (str, write) => write(rewordCommanderError(str, full)) });
  return c;
}

function act(load: () => Promise<Action>) {
  return async (...all: unknown[]) => {
    const cmd = all[all.length - 1] as Command;
    const positional = all.slice(0, -2);
    const globals = cmd.optsWithGlobals() as GlobalOptions;
    if (globals.v?.startsWith('=')) globals.v = globals.v.slice(1);
    const ctx = new Ctx(globals);
    try {
      const fn = await load();
      const rc = await fn(ctx, ...positional, cmd.opts());
      process.exitCode = typeof rc === 'number' ? rc : 0;
    } catch (e) {
      process.stderr.write(formatError(e) + '\n');
      process.exitCode = exitCodeOf(e);
    } finally {
      ctx.close();
    }
  };
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',')];
const collect2 = (v: string, prev: string[] = []) => [...prev, v];
const outputOpt = (desc = 'Output format: json|yaml|name|wide|jsonpath=...|custom-columns=...') => new Option('-o, --output <format>', desc);

// ---- basic info ----------------------------------------------------------------------------------
sub(program, 'version', 'Print the client and server version information')
  .option('--client', 'If true, shows client version only (no server required).')
  .addOption(outputOpt('One of yaml or json.'))
  .action(act(async () => (await import('./commands/info')).version));

sub(program, 'api-resources', 'Print the supported API resources on the server')
  .addOption(outputOpt('Output format: wide|name.'))
  .option('--namespaced <bool>', 'If false, non-namespaced resources will be returned, otherwise only namespaced ones.')
  .option('--no-headers', "When using the default or custom-column output format, don't print headers.")
  .action(act(async () => (await import('./commands/info')).apiResources));

sub(program, 'cluster-info', 'Display cluster information').action(act(async () => (await import('./commands/info')).clusterInfo));

const config = sub(program, 'config', 'Modify kubeconfig files');
sub(config, 'view', 'Display merged kubeconfig settings')
  .addOption(outputOpt('yaml|json'))
  .option('--minify', 'Remove all information not used by current-context from the output')
  .option('--raw', 'Display raw byte data and sensitive data')
  .action(act(async () => (await import('./commands/info')).configView));
sub(config, 'current-context', 'Display the current-context').action(act(async () => (await import('./commands/info')).currentContext));
sub(config, 'use-context', 'Set the current-context in a kubeconfig file')
  .argument('<context>')
  .action(act(async () => (await import('./commands/info')).useContext));
sub(config, 'get-contexts', 'Describe one or many contexts')
  .argument('[names...]')
  .addOption(outputOpt('name'))
  .option('--no-headers', "Don't print headers")
  .action(act(async () => (await import('./commands/info')).getContexts));

// ---- reading ----------------------------------------------------------------------------------------
sub(program, 'get', 'Display one or many resources')
  .argument('[resources...]', 'TYPE[,TYPE] [NAME...] | TYPE/NAME ... | all')
  .addOption(outputOpt())
  .option('-l, --selector <selector>', 'Selector (label query) to filter on')
  .option('--field-selector <selector>', 'Selector (field query) to filter on')
  .option('-A, --all-namespaces', 'List the requested object(s) across all namespaces')
  .option('--show-labels', 'When printing, show all labels as the last column')
  .option('--sort-by <jsonpath>', 'Sort list types using this field specification (JSONPath)')
  .option('-w, --watch', 'After listing/getting the requested object, watch for changes')
  .option('--no-headers', "Don't print headers")
  .option('-L, --label-columns <keys>', 'Columns for the values of these labels', collect)
  .option('--ignore-not-found', 'Treat "resource not found" as a successful retrieval')
  .option('--chunk-size <n>', 'accepted for compatibility')
  .action(act(async () => (await import('./commands/get')).get));

// ---- writing ----------------------------------------------------------------------------------------
const fileOpts = (c: Command, what: string) =>
  c.option('-f, --filename <file>', `Filename, directory, or URL to files ${what} ("-" for stdin)`, collect2)
    .option('-R, --recursive', 'Process the directory used in -f, --filename recursively.')
    .option('--validate <mode>', 'accepted for compatibility (the server validates)');

fileOpts(sub(program, 'apply', 'Apply a configuration to a resource by file name or stdin'), 'that contain the configuration to apply')
  .addOption(outputOpt('name'))
  .action(act(async () => (await import('./commands/apply')).apply));
fileOpts(sub(program, 'create', 'Create a resource from a file or from stdin'), 'to use to create the resource')
  .addOption(outputOpt('name'))
  .option('--save-config', 'Save the configuration in the last-applied annotation (for later apply)')
  .action(act(async () => (await import('./commands/apply')).create));
fileOpts(sub(program, 'replace', 'Replace a resource by file name or stdin'), 'to use to replace the resource')
  .action(act(async () => (await import('./commands/apply')).replace));

const selectOpts = (c: Command) =>
  c.option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('--all', 'Select all resources of the type in the namespace')
    .option('-A, --all-namespaces', 'With -l / --all: across all namespaces')
    .option('-f, --filename <file>', 'Files identifying the resources', collect2)
    .option('-R, --recursive', 'Process the directory used in -f recursively.');

selectOpts(sub(program, 'delete', 'Delete resources by file names, stdin, resources and names, or by resources and label selector'))
  .argument('[resources...]')
  .option('--grace-period <seconds>', 'Period of time in seconds given to the resource to terminate gracefully (-1: the default)')
  .option('--cascade <mode>', 'background, foreground, or orphan (default background)')
  .option('--now', 'Signal resources for immediate shutdown (grace period 1)')
  .option('--force', 'Immediately remove resources from the API (grace period 0 unless given)')
  .option('--wait [bool]', 'Wait for resources to be gone before returning (default true)', (v: string) => v !== 'false')
  .option('--timeout <duration>', 'How long to wait for the deletion')
  .option('--ignore-not-found', 'Treat "resource not found" as a successful delete')
  .action(act(async () => (await import('./commands/modify')).del));

for (const [name, desc] of [['label', 'Update the labels on a resource'], ['annotate', 'Update the annotations on a resource']] as const) {
  selectOpts(sub(program, name, desc))
    .argument('[args...]', 'TYPE NAME KEY_1=VAL_1 ... KEY_N- | TYPE/NAME ...')
    .option('--overwrite', 'Allow replacing existing values')
    .option('--resource-version <rv>', 'Only update if the resource is unchanged from this version')
    .action(act(async () => (await import('./commands/modify'))[name]));
}

selectOpts(sub(program, 'scale', 'Set a new size for a deployment, replica set or stateful set'))
  .argument('[resources...]')
  .option('--replicas <n>', 'The new desired number of replicas. Required.')
  .option('--current-replicas <n>', 'Precondition for current size.')
  .action(act(async () => (await import('./commands/modify')).scale));

program.addHelpText('after', '\nUse "mkctl <command> --help" for more information about a given command.');

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 1;
      return;
    }
    process.stderr.write(formatError(e) + '\n');
    process.exitCode = 1;
  }
}

void main();

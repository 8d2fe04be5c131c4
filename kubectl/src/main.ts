#!/usr/bin/env node
// mkctl: kubectl's verbs, flags, output and exit codes for minik8s. This entry only declares the
// commands; each one's code is loaded when it runs, so start-up stays small.
import { Command, CommanderError, Option } from 'commander';
import { Ctx, type GlobalOptions } from './context';
import { ExitCode, exitCodeOf, formatError } from './errors';

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
      const opts = cmd.opts();
      // commander turns `--no-headers` into `headers: false`; commands read kubectl's name for it.
      if (opts.headers === false) opts.noHeaders = true;
      const rc = await fn(ctx, ...positional, opts);
      process.exitCode = typeof rc === 'number' ? rc : 0;
    } catch (e) {
      if (!(e instanceof ExitCode)) process.stderr.write(formatError(e) + '\n');
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
  .action(act(async () => (await import('./commands/version')).version));

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

sub(program, 'describe', 'Show details of a specific resource or group of resources')
  .argument('<resources...>')
  .option('-l, --selector <selector>', 'Selector (label query) to filter on')
  .option('-A, --all-namespaces', 'Across all namespaces')
  .action(act(async () => (await import('./commands/describe')).describe));
(require('./commands/top') as typeof import('./commands/top')).registerTop(sub(program, 'top', 'Display resource (CPU/memory) usage'), sub, act); // eslint-disable-line @typescript-eslint/no-require-imports

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

sub(program, 'edit', 'Edit a resource on the server ($KUBE_EDITOR, $EDITOR or vi)')
  .argument('<resources...>')
  .action(act(async () => (await import('./commands/edit')).edit));

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

// ---- workloads --------------------------------------------------------------------------------------
const afterDash = () => {
  const i = process.argv.indexOf('--');
  return i >= 0 ? process.argv.slice(i + 1) : [];
};

sub(program, 'run', 'Run a particular image in a pod')
  .argument('<name>')
  .argument('[command...]', 'after --: the arguments (or the command with --command)')
  .option('--image <image>', 'The image for the container to run.')
  .option('--restart <policy>', 'Always, OnFailure or Never (default Always)')
  .option('--labels <labels>', 'Comma separated labels to apply to the pod (default run=NAME)')
  .option('--env <kv>', 'Environment variables to set in the container', collect2)
  .option('--port <port>', 'The port that this container exposes.')
  .option('--command', 'Use the extra arguments as the command instead of the args')
  .option('--dry-run <mode>', 'client: only print the object')
  .addOption(outputOpt('yaml (with --dry-run=client)'))
  .option('-i, --stdin', 'Keep stdin open on the container in the pod, even if nothing is attached.')
  .option('-t, --tty', 'Allocate a TTY for the container in the pod.')
  .option('--attach [bool]', 'Wait for the Pod to start running, and then attach to it (default with -i)', (v: string) => v !== 'false')
  .option('--rm', 'Delete the pod after it exits (only when attaching)')
  .option('--leave-stdin-open', 'Leave stdin open after the first attach completes')
  .option('-q, --quiet', 'Suppress prompt messages')
  .option('--pod-running-timeout <duration>', 'How long to wait until the pod is running (default 1m0s)')
  .action(act(async () => {
    const { runPod } = await import('./commands/workloads');
    return (ctx: Ctx, name: string, _cmd: string[], o: object) => runPod(ctx, name, afterDash(), o);
  }));

sub(program, 'expose', 'Take a deployment, replica set, pod or service and expose it as a new Kubernetes service')
  .argument('<resources...>')
  .option('--port <port>', 'The port that the service should serve on.')
  .option('--target-port <port>', 'Name or number for the port on the container that the service should direct traffic to.')
  .option('--name <name>', 'The name for the newly created object.')
  .option('--type <type>', 'Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName.')
  .option('--protocol <protocol>', 'The network protocol for the service to be created (default TCP).')
  .option('--selector <selector>', 'A label selector to use for this service.')
  .action(act(async () => (await import('./commands/workloads')).expose));

const set = sub(program, 'set', 'Set specific features on objects');
sub(set, 'image', 'Update the image of a pod template')
  .argument('<args...>', 'TYPE NAME CONTAINER=IMAGE ... | TYPE/NAME CONTAINER=IMAGE ...')
  .action(act(async () => (await import('./commands/workloads')).setImage));

const rollout = sub(program, 'rollout', 'Manage the rollout of a resource');
sub(rollout, 'status', 'Show the status of the rollout')
  .argument('<resources...>')
  .option('--timeout <duration>', 'The length of time to wait before ending watch (e.g. 60s)')
  .option('--revision <n>', 'Pin to a specific revision for showing its status.')
  .option('-w, --watch [bool]', 'Watch the status of the rollout until it is done (default true)', (v: string) => v !== 'false')
  .action(act(async () => (await import('./commands/workloads')).rolloutStatus));
sub(rollout, 'history', 'View rollout history')
  .argument('<resources...>')
  .option('--revision <n>', 'See the details, including podTemplate of the revision specified')
  .action(act(async () => (await import('./commands/workloads')).rolloutHistory));
sub(rollout, 'undo', 'Undo a previous rollout')
  .argument('<resources...>')
  .option('--to-revision <n>', 'The revision to rollback to. Default to 0 (last revision).')
  .action(act(async () => (await import('./commands/workloads')).rolloutUndo));
for (const [verb, desc, fn] of [
  ['pause', 'Mark the provided resource as paused', 'rolloutPause'],
  ['resume', 'Resume a paused resource', 'rolloutResume'],
  ['restart', 'Restart a resource', 'rolloutRestart'],
] as const) {
  sub(rollout, verb, desc)
    .argument('<resources...>')
    .action(act(async () => (await import('./commands/workloads'))[fn]));
}

// ---- pods ---------------------------------------------------------------------------------------------
sub(program, 'logs', 'Print the logs for a container in a pod')
  .argument('[args...]', 'POD [CONTAINER] | TYPE/NAME')
  .option('-f, --follow', 'Specify if the logs should be streamed.')
  .option('--tail <lines>', 'Lines of recent log file to display (default -1: all; 10 with -l)')
  .option('-c, --container <name>', 'Print the logs of this container')
  .option('-p, --previous', 'Print the logs for the previous instance of the container')
  .option('--timestamps', 'Include timestamps on each line in the log output')
  .option('-l, --selector <selector>', 'Selector (label query) to filter on')
  .option('--since <seconds>', 'accepted as seconds only')
  .option('--all-containers', 'Get all containers\' logs in the pod(s).')
  .option('--prefix', 'Prefix each log line with the log source (pod name and container name)')
  .action(act(async () => (await import('./commands/pods')).logs));

sub(program, 'exec', 'Execute a command in a container')
  .argument('<args...>', 'POD|TYPE/NAME -- COMMAND [args...]')
  .option('-c, --container <name>', 'Container name. If omitted, the first container (or the default-container annotation)')
  .option('-i, --stdin', 'Pass stdin to the container')
  .option('-t, --tty', 'Stdin is a TTY')
  .action(act(async () => (await import('./commands/pods')).exec));

sub(program, 'attach', 'Attach to a running container')
  .argument('[args...]', 'POD | TYPE/NAME | TYPE NAME')
  .option('-c, --container <name>', 'Container name. If omitted, the default-container annotation or the first container')
  .option('-i, --stdin', 'Pass stdin to the container')
  .option('-t, --tty', 'Stdin is a TTY')
  .option('-q, --quiet', 'Only print output from the remote session')
  .option('--pod-running-timeout <duration>', 'accepted for compatibility')
  .action(act(async () => (await import('./commands/pods')).attach));

sub(program, 'port-forward', 'Forward one or more local ports to a pod')
  .argument('<args...>', 'TYPE/NAME [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]')
  .option('--address <addresses>', 'Addresses to listen on (comma separated). Only accepts IP addresses or localhost as a value. (default localhost)', collect)
  .option('--pod-running-timeout <duration>', 'accepted for compatibility')
  .action(act(async () => (await import('./commands/portforward')).portForward));

// ---- beyond kubectl ---------------------------------------------------------------------------------
sub(program, 'trace', 'Show how a pod came to be: created → scheduled → pulled → started → ready, by whom and when')
  .argument('<pod>', 'pod/NAME or pod NAME')
  .argument('[name]')
  .action(act(async () => {
    const { trace } = await import('./commands/describe');
    return (ctx: Ctx, a: string, b: string | undefined) => trace(ctx, b ? [a, b] : [a]);
  }));

sub(program, 'explain-route', "Show the path a packet to a Service takes through kube-proxy's rules (iptables and nftables mode), down to the pods")
  .argument('<service...>', 'svc/NAME or svc NAME')
  .option('--node <name>', 'Mark the endpoints local to this node')
  .action(act(async () => (await import('./commands/route')).explainRoute));

sub(program, 'completion', 'Output shell completion code for the specified shell (bash or zsh)')
  .argument('<shell>')
  .action(act(async () => (await import('./commands/completion')).completion(program)));

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

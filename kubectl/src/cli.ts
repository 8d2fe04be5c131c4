// mkctl: kubectl's verbs, flags, output and exit codes for minik8s. Only the command the command line names
// is declared (commander's objects for every verb were most of mkctl's own start-up), and its code is loaded
// when it runs. main.ts runs this file, bundled.
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
  .option('--cache-dir <dir>', 'Default cache directory (default $KUBECACHEDIR, else ~/.kube/cache)')
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

/** The action of a command: load its module, run it with the context, the positional arguments and the options
 * (`inherit`: the options of its parent commands too, as `create <kind>` reads `create`'s -o and --dry-run). */
function act(load: () => Promise<Action>, inherit = false) {
  return async (...all: unknown[]) => {
    const cmd = all[all.length - 1] as Command;
    const positional = all.slice(0, -2);
    const globals = cmd.optsWithGlobals<GlobalOptions>();
    if (globals.v?.startsWith('=')) globals.v = globals.v.slice(1);
    const ctx = new Ctx(globals);
    try {
      const fn = await load();
      const opts = inherit ? { ...cmd.optsWithGlobals(), ...cmd.opts(), afterDash: afterDash() } : cmd.opts();
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

const registry: { names: string[]; define: () => void }[] = [];

/** Declare a top-level command (its names, and how to build it with commander). */
function command(names: string[], define: () => void): void {
  registry.push({ names, define });
}

const GLOBAL_WITH_VALUE = new Set([
  '--kubeconfig',
  '--context',
  '-n',
  '--namespace',
  '-s',
  '--server',
  '-v',
  '--v',
  '--request-timeout',
  '--cache-dir',
]);

/** The verb of a command line: its first word that is neither a global flag nor a global flag's value. */
export function verbOf(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return undefined;
    if (!a.startsWith('-')) return a;
    if (GLOBAL_WITH_VALUE.has(a)) i++;
  }
  return undefined;
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',')];
const collect2 = (v: string, prev: string[] = []) => [...prev, v];
const outputOpt = (desc = 'Output format: json|yaml|name|wide|jsonpath=...|custom-columns=...') =>
  new Option('-o, --output <format>', desc);

// ---- basic info ----------------------------------------------------------------------------------
command(['version'], () => {
  sub(program, 'version', 'Print the client and server version information')
    .option('--client', 'If true, shows client version only (no server required).')
    .addOption(outputOpt('One of yaml or json.'))
    .action(act(async () => (await import('./commands/version')).version));
});

command(['api-resources'], () => {
  sub(program, 'api-resources', 'Print the supported API resources on the server')
    .addOption(outputOpt('Output format: wide|name.'))
    .option('--namespaced <bool>', 'If false, non-namespaced resources will be returned, otherwise only namespaced ones.')
    .option('--no-headers', "When using the default or custom-column output format, don't print headers.")
    .action(act(async () => (await import('./commands/info')).apiResources));
});

command(['cluster-info'], () => {
  sub(program, 'cluster-info', 'Display cluster information').action(act(async () => (await import('./commands/info')).clusterInfo));
});

command(['config'], () => {
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
});

// ---- reading ----------------------------------------------------------------------------------------
command(['get'], () => {
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
    .option('--show-managed-fields', 'If true, keep the managedFields when printing objects in JSON or YAML format.')
    .option('--chunk-size <n>', 'accepted for compatibility')
    .action(act(async () => (await import('./commands/get')).get));
});

command(['describe'], () => {
  sub(program, 'describe', 'Show details of a specific resource or group of resources')
    .argument('<resources...>')
    .option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('-A, --all-namespaces', 'Across all namespaces')
    .action(act(async () => (await import('./commands/describe')).describe));
});
command(['top'], () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when `top` is the command
  (require('./commands/top') as typeof import('./commands/top')).registerTop(
    sub(program, 'top', 'Display resource (CPU/memory) usage'),
    sub,
    act,
  );
});

// ---- writing ----------------------------------------------------------------------------------------
const fileOpts = (c: Command, what: string) =>
  c
    .option('-f, --filename <file>', `Filename, directory, or URL to files ${what} ("-" for stdin)`, collect2)
    .option('-R, --recursive', 'Process the directory used in -f, --filename recursively.')
    .option('--validate <mode>', 'accepted for compatibility (the server validates)');

command(['apply'], () => {
  fileOpts(sub(program, 'apply', 'Apply a configuration to a resource by file name or stdin'), 'that contain the configuration to apply')
    .option('-k, --kustomize <dir>', 'Process a kustomization directory')
    .addOption(outputOpt('name'))
    .option('--server-side', 'Apply on the server (server-side apply with field ownership) instead of the client')
    .option('--force-conflicts', 'With --server-side: take ownership of fields other managers own instead of failing')
    .option(
      '--field-manager <name>',
      'Name of the manager used to track field ownership (default kubectl, or kubectl-client-side-apply without --server-side)',
    )
    .option('--dry-run [mode]', 'none, client (print what would be applied) or server (the server validates, nothing is stored)')
    .option('--prune', 'Delete objects no longer in the applied configuration: with -l/--all (previously applied ones) or --applyset')
    .option('-l, --selector <selector>', 'Selector (label query) to filter on, for --prune')
    .option('--all', 'With --prune and no selector: consider every previously applied object of the allowlisted kinds')
    .option('--prune-allowlist <gvk>', 'group/version/Kind (core for the core group) to prune, instead of the default list', collect)
    .option(
      '--applyset <parent>',
      '[RESOURCE][.GROUP]/NAME of the ApplySet parent (default a Secret in the namespace); needs KUBECTL_APPLYSET=true and --prune',
    )
    .action(act(async () => (await import('./commands/apply')).apply));
});
command(['diff'], () => {
  fileOpts(sub(program, 'diff', 'Diff the live version against a would-be applied version'), 'containing the configuration to diff')
    .argument('[args...]')
    .option('-k, --kustomize <dir>', 'Process the kustomization directory')
    .option('--field-manager <name>', 'Name of the manager used to track field ownership (default kubectl-client-side-apply)')
    .action(act(async () => (await import('./commands/diff')).diff));
});
command(['kustomize'], () => {
  sub(program, 'kustomize', 'Build a kustomization target from a directory')
    .argument('[dir]', 'a directory with a kustomization.yaml (default .)')
    .action(act(async () => (await import('./commands/kustomize')).kustomize));
});
command(['create'], () => {
  const create = fileOpts(sub(program, 'create', 'Create a resource from a file or from stdin'), 'to use to create the resource')
    .argument('[args...]')
    .addOption(outputOpt('name|yaml|json|jsonpath=...'))
    .option('--save-config', 'Save the configuration in the last-applied annotation (for later apply)')
    .option('--dry-run [mode]', 'none, client (print the object only) or server (the server validates, nothing is stored)')
    .option('--field-manager <name>', 'Name of the manager used to track field ownership (default kubectl-create)')
    .action(act(async () => (await import('./commands/apply')).create));
  const gen = (parent: Command, names: string[], description: string, fn: keyof typeof import('./commands/create'), args = '<name>') => {
    const c = sub(parent, names[0], description).argument(args === '<name>' ? '[name...]' : args);
    for (const a of names.slice(1)) c.alias(a);
    c.action(act(async () => (await import('./commands/create'))[fn] as Action, true));
    return c;
  };
  const fromSources = (c: Command) =>
    c
      .option('--from-file <sources>', '[key=]path: a file (its name the key) or a directory (each regular file)', collect)
      .option('--from-literal <key=value>', 'A key and literal value', collect2)
      .option('--from-env-file <files>', 'KEY=value lines', collect)
      .option('--append-hash', 'Append a hash of the contents to the name');
  gen(create, ['namespace', 'ns'], 'Create a namespace with the specified name', 'createNamespace');
  gen(create, ['serviceaccount', 'sa'], 'Create a service account with the specified name', 'createServiceAccount');
  gen(create, ['deployment', 'deploy'], 'Create a deployment with the specified name', 'createDeployment')
    .option('--image <images>', 'Image names to run', collect)
    .option('--replicas <n>', 'Number of replicas to create (default 1)')
    .option('--port <port>', 'The containerPort that this deployment exposes');
  gen(create, ['job'], 'Create a job with the specified name', 'createJob')
    .option('--image <image>', 'Image name to run')
    .option('--from <resource>', 'The name of the resource to create a Job from (only cronjob is supported)');
  gen(create, ['cronjob', 'cj'], 'Create a cron job with the specified name', 'createCronJob')
    .option('--image <image>', 'Image name to run')
    .option('--schedule <cron>', 'A schedule in the Cron format the job should be run with')
    .option('--restart <policy>', 'OnFailure (default) or Never');
  fromSources(gen(create, ['configmap', 'cm'], 'Create a config map from a local file, directory or literal value', 'createConfigMap'));
  const secret = sub(create, 'secret', 'Create a secret using a specified subcommand');
  fromSources(gen(secret, ['generic'], 'Create a secret from a local file, directory, or literal value', 'createSecretGeneric')).option(
    '--type <type>',
    'The type of secret to create',
  );
  gen(secret, ['tls'], 'Create a TLS secret', 'createSecretTls')
    .option('--cert <file>', 'Path to PEM encoded public key certificate')
    .option('--key <file>', 'Path to private key associated with given certificate')
    .option('--append-hash', 'Append a hash of the secret to its name');
  gen(secret, ['docker-registry'], 'Create a secret for use with a Docker registry', 'createSecretDockerRegistry')
    .option('--docker-server <server>', 'Server location for Docker registry (default https://index.docker.io/v1/)')
    .option('--docker-username <user>', 'Username for Docker registry authentication')
    .option('--docker-password <password>', 'Password for Docker registry authentication')
    .option('--docker-email <email>', 'Email for Docker registry')
    .option('--from-file <sources>', 'Key files ([key=]path)', collect)
    .option('--append-hash', 'Append a hash of the secret to its name');
  const service = sub(create, 'service', 'Create a service using a specified subcommand').alias('svc');
  for (const [verb, type] of [
    ['clusterip', 'ClusterIP'],
    ['nodeport', 'NodePort'],
    ['loadbalancer', 'LoadBalancer'],
    ['externalname', 'ExternalName'],
  ] as const) {
    const c = sub(service, verb, `Create a ${type} service`)
      .argument('[name...]')
      .option('--tcp <port:targetPort>', 'Port pairs can be specified as <port>:<targetPort>', collect)
      .action(act(async () => (await import('./commands/create')).createService(type) as Action, true));
    if (type === 'ClusterIP') c.option('--clusterip <ip>', 'Assign your own ClusterIP or set to "None" for a headless service');
    if (type === 'NodePort') c.option('--node-port <port>', 'Port used to expose the service on each node in a cluster');
    if (type === 'ExternalName') c.option('--external-name <name>', 'External name of service');
  }
  const rbac = (c: Command) =>
    c
      .option('--verb <verbs>', 'Verbs that apply to the resources contained in the rule', collect)
      .option('--resource <resources>', 'Resources the rule applies to', collect)
      .option(
        '--resource-name <names>',
        'Resource in the white list that the rule applies to, repeat this flag for multiple items',
        collect2,
      );
  rbac(gen(create, ['role'], 'Create a role with single rule', 'createRole'));
  rbac(gen(create, ['clusterrole'], 'Create a cluster role', 'createClusterRole'))
    .option('--non-resource-url <urls>', 'A partial url that user should have access to', collect)
    .option('--aggregation-rule <labels>', 'An aggregation label selector for combining ClusterRoles');
  const binding = (c: Command) =>
    c
      .option('--clusterrole <name>', 'ClusterRole this binding should reference')
      .option('--user <name>', 'Usernames to bind to the role', collect2)
      .option('--group <name>', 'Groups to bind to the role', collect2)
      .option('--serviceaccount <ns:name>', 'Service accounts to bind to the role, in the format <namespace>:<name>', collect2);
  binding(gen(create, ['rolebinding'], 'Create a role binding for a particular role or cluster role', 'createRoleBinding')).option(
    '--role <name>',
    'Role this RoleBinding should reference',
  );
  binding(gen(create, ['clusterrolebinding'], 'Create a cluster role binding for a particular cluster role', 'createClusterRoleBinding'));
  gen(create, ['poddisruptionbudget', 'pdb'], 'Create a pod disruption budget with the specified name', 'createPdb')
    .option('--selector <selector>', 'A label selector to use for this budget')
    .option('--min-available <n>', 'The minimum number or percentage of available pods this budget requires')
    .option('--max-unavailable <n>', 'The maximum number or percentage of unavailable pods this budget requires');
  gen(create, ['quota', 'resourcequota'], 'Create a quota with the specified name', 'createQuota')
    .option('--hard <list>', 'A comma-delimited set of resource=quantity pairs that define a hard limit')
    .option('--scopes <list>', 'A comma-delimited set of quota scopes that must all match each object tracked by the quota');
  gen(create, ['priorityclass', 'pc'], 'Create a priority class with the specified name', 'createPriorityClass')
    .option('--value <n>', 'The value of this priority class')
    .option('--global-default', 'Global-default specifies whether this PriorityClass should be considered as the default priority')
    .option(
      '--description <text>',
      'Description is an arbitrary string that usually provides guidelines on when this priority class should be used',
    )
    .option('--preemption-policy <policy>', 'PreemptLowerPriority (default) or Never');
  gen(create, ['ingress', 'ing'], 'Create an ingress with the specified name', 'createIngress')
    .option('--rule <rule>', 'Rule in format host/path=service:port[,tls=secretname]', collect2)
    .option('--class <name>', 'Ingress Class to be used')
    .option('--default-backend <svc:port>', 'Default service for backend, in format of svcname:port')
    .option('--annotation <key=value>', 'Annotation to insert in the ingress object', collect2);
  gen(create, ['token'], 'Request a service account token', 'createToken')
    .option('--duration <d>', 'Requested lifetime of the issued token')
    .option('--audience <aud>', 'Audience of the requested token', collect2)
    .option('--bound-object-kind <kind>', 'Kind of an object to bind the token to (Pod, Secret, Node)')
    .option('--bound-object-name <name>', 'Name of an object to bind the token to')
    .option('--bound-object-uid <uid>', 'UID of an object to bind the token to');
});
command(['replace'], () => {
  fileOpts(sub(program, 'replace', 'Replace a resource by file name or stdin'), 'to use to replace the resource').action(
    act(async () => (await import('./commands/apply')).replace),
  );
});

command(['edit'], () => {
  sub(program, 'edit', 'Edit a resource on the server ($KUBE_EDITOR, $EDITOR or vi)')
    .argument('<resources...>')
    .action(act(async () => (await import('./commands/edit')).edit));
});

const selectOpts = (c: Command) =>
  c
    .option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('--all', 'Select all resources of the type in the namespace')
    .option('-A, --all-namespaces', 'With -l / --all: across all namespaces')
    .option('-f, --filename <file>', 'Files identifying the resources', collect2)
    .option('-R, --recursive', 'Process the directory used in -f recursively.');

command(['delete'], () => {
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
});

command(['label', 'annotate'], () => {
  for (const [name, desc] of [
    ['label', 'Update the labels on a resource'],
    ['annotate', 'Update the annotations on a resource'],
  ] as const) {
    selectOpts(sub(program, name, desc))
      .argument('[args...]', 'TYPE NAME KEY_1=VAL_1 ... KEY_N- | TYPE/NAME ...')
      .option('--overwrite', 'Allow replacing existing values')
      .option('--resource-version <rv>', 'Only update if the resource is unchanged from this version')
      .action(act(async () => (await import('./commands/modify'))[name]));
  }
});

command(['scale'], () => {
  selectOpts(sub(program, 'scale', 'Set a new size for a deployment, replica set or stateful set'))
    .argument('[resources...]')
    .option('--replicas <n>', 'The new desired number of replicas. Required.')
    .option('--current-replicas <n>', 'Precondition for current size.')
    .action(act(async () => (await import('./commands/modify')).scale));
});

command(['wait'], () => {
  selectOpts(sub(program, 'wait', 'Experimental: Wait for a specific condition on one or many resources'))
    .argument('[resources...]')
    .option('--for <condition>', "delete, create, condition=TYPE[=VALUE] or jsonpath='{JSONPATH}'[=VALUE]")
    .option('--timeout <duration>', 'The length of time to wait before giving up (default 30s; negative: a week)')
    .option('--field-selector <selector>', 'Selector (field query) to filter on')
    .action(act(async () => (await import('./commands/wait')).wait));
});

command(['events'], () => {
  sub(program, 'events', 'List events')
    .option('--for <resource>', 'Filter events to only those pertaining to the specified resource (TYPE/NAME)')
    .option('--types <types>', 'Output only events of given types (Normal, Warning)', collect)
    .option('-A, --all-namespaces', 'List the events across all namespaces')
    .option('-w, --watch', 'After listing the requested events, watch for more events')
    .option('--no-headers', "When using the default output format, don't print headers")
    .addOption(outputOpt('json|yaml|name'))
    .action(act(async () => (await import('./commands/events')).events));
});

command(['auth'], () => {
  const auth = sub(program, 'auth', 'Inspect authorization');
  sub(auth, 'can-i', 'Check whether an action is allowed')
    .argument('[args...]', 'VERB [TYPE | TYPE/NAME | NONRESOURCEURL]')
    .option('--list', 'If true, prints all allowed actions.')
    .option('-q, --quiet', 'If true, suppress output and just return the exit code.')
    .option('-A, --all-namespaces', 'If true, check the specified action in all namespaces.')
    .option('--subresource <name>', 'SubResource such as pod/log or deployment/scale')
    .option('--no-headers', 'If true, prints allowed actions without headers')
    .action(act(async () => (await import('./commands/auth')).canI));
  sub(auth, 'whoami', 'Experimental: Check self subject attributes')
    .addOption(outputOpt('json|yaml'))
    .action(act(async () => (await import('./commands/auth')).whoami));
});

// ---- workloads --------------------------------------------------------------------------------------
const afterDash = () => {
  const i = process.argv.indexOf('--');
  return i >= 0 ? process.argv.slice(i + 1) : [];
};

command(['run'], () => {
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
    .action(
      act(async () => {
        const { runPod } = await import('./commands/workloads');
        return (ctx: Ctx, name: string, _cmd: string[], o: object) => runPod(ctx, name, afterDash(), o);
      }),
    );
});

command(['expose'], () => {
  sub(program, 'expose', 'Take a deployment, replica set, pod or service and expose it as a new Kubernetes service')
    .argument('<resources...>')
    .option('--port <port>', 'The port that the service should serve on.')
    .option('--target-port <port>', 'Name or number for the port on the container that the service should direct traffic to.')
    .option('--name <name>', 'The name for the newly created object.')
    .option('--type <type>', 'Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName.')
    .option('--protocol <protocol>', 'The network protocol for the service to be created (default TCP).')
    .option('--selector <selector>', 'A label selector to use for this service.')
    .action(act(async () => (await import('./commands/workloads')).expose));
});

command(['set'], () => {
  const set = sub(program, 'set', 'Set specific features on objects');
  sub(set, 'image', 'Update the image of a pod template')
    .argument('<args...>', 'TYPE NAME CONTAINER=IMAGE ... | TYPE/NAME CONTAINER=IMAGE ...')
    .action(act(async () => (await import('./commands/workloads')).setImage));
});

command(['rollout'], () => {
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
});

// ---- pods ---------------------------------------------------------------------------------------------
command(['logs'], () => {
  sub(program, 'logs', 'Print the logs for a container in a pod')
    .argument('[args...]', 'POD [CONTAINER] | TYPE/NAME')
    .option('-f, --follow', 'Specify if the logs should be streamed.')
    .option('--tail <lines>', 'Lines of recent log file to display (default -1: all; 10 with -l)')
    .option('-c, --container <name>', 'Print the logs of this container')
    .option('-p, --previous', 'Print the logs for the previous instance of the container')
    .option('--timestamps', 'Include timestamps on each line in the log output')
    .option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('--since <seconds>', 'accepted as seconds only')
    .option('--all-containers', "Get all containers' logs in the pod(s).")
    .option('--prefix', 'Prefix each log line with the log source (pod name and container name)')
    .action(act(async () => (await import('./commands/pods')).logs));
});

command(['exec'], () => {
  sub(program, 'exec', 'Execute a command in a container')
    .argument('<args...>', 'POD|TYPE/NAME -- COMMAND [args...]')
    .option('-c, --container <name>', 'Container name. If omitted, the first container (or the default-container annotation)')
    .option('-i, --stdin', 'Pass stdin to the container')
    .option('-t, --tty', 'Stdin is a TTY')
    .action(act(async () => (await import('./commands/pods')).exec));
});

command(['attach'], () => {
  sub(program, 'attach', 'Attach to a running container')
    .argument('[args...]', 'POD | TYPE/NAME | TYPE NAME')
    .option('-c, --container <name>', 'Container name. If omitted, the default-container annotation or the first container')
    .option('-i, --stdin', 'Pass stdin to the container')
    .option('-t, --tty', 'Stdin is a TTY')
    .option('-q, --quiet', 'Only print output from the remote session')
    .option('--pod-running-timeout <duration>', 'accepted for compatibility')
    .action(act(async () => (await import('./commands/pods')).attach));
});

command(['port-forward'], () => {
  sub(program, 'port-forward', 'Forward one or more local ports to a pod')
    .argument('<args...>', 'TYPE/NAME [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]')
    .option(
      '--address <addresses>',
      'Addresses to listen on (comma separated). Only accepts IP addresses or localhost as a value. (default localhost)',
      collect,
    )
    .option('--pod-running-timeout <duration>', 'accepted for compatibility')
    .action(act(async () => (await import('./commands/portforward')).portForward));
});

command(['cp'], () => {
  sub(program, 'cp', 'Copy files and directories to and from containers')
    .argument('[args...]', '[NAMESPACE/]POD:PATH LOCAL | LOCAL [NAMESPACE/]POD:PATH')
    .option('-c, --container <name>', 'Container name. If omitted, use the default-container annotation or the first container')
    .option('--no-preserve', "The copied file/directory's ownership and permissions will not be preserved in the container")
    .option('--retries <n>', 'accepted for compatibility')
    .action(act(async () => (await import('./commands/cp')).cp));
});

command(['proxy'], () => {
  sub(program, 'proxy', 'Run a proxy to the Kubernetes API server')
    .option('-p, --port <port>', 'The port on which to run the proxy. Set to 0 to pick a random port. (default 8001)')
    .option('--address <ip>', 'The IP address on which to serve on. (default 127.0.0.1)')
    .option('--accept-hosts <regexps>', 'Regular expression for hosts that the proxy should accept.')
    .option('--accept-paths <regexps>', 'Regular expression for paths that the proxy should accept.')
    .option('--reject-paths <regexps>', 'Regular expression for paths that the proxy should reject.')
    .option(
      '--reject-methods <regexps>',
      "Regular expression for HTTP methods that the proxy should reject (example --reject-methods='POST,PUT,PATCH').",
    )
    .option('--api-prefix <prefix>', 'Prefix to serve the proxied API under. (default /)')
    .option('--disable-filter', 'If true, disable request filtering in the proxy. This is dangerous.')
    .action(act(async () => (await import('./commands/proxy')).proxy));
});

command(['debug'], () => {
  sub(program, 'debug', 'Create debugging sessions for troubleshooting workloads (an ephemeral container)')
    .argument('[args...]', 'POD | TYPE/NAME [-- COMMAND [args...]]')
    .option('--image <image>', 'Container image to use for debug container.')
    .option('-i, --stdin', 'Keep stdin open on the container(s) in the pod, even if nothing is attached.')
    .option('-t, --tty', 'Allocate a TTY for the debugging container.')
    .option('-c, --container <name>', 'Container name to use for debug container.')
    .option('--target <container>', 'When using an ephemeral container, target processes in this container name.')
    .option('--profile <profile>', 'Options are "legacy" (the default, deprecated) and "general".')
    .option('--image-pull-policy <policy>', 'The image pull policy for the container.')
    .option('--env <kv>', 'Environment variables to set in the container.', collect2)
    .option('-q, --quiet', 'If true, suppress informational messages.')
    .option(
      '--attach [bool]',
      'If true, wait for the container to start running, and then attach (default with -i)',
      (v: string) => v !== 'false',
    )
    .option('--arguments-only', 'If specified, everything after -- will be passed to the new container as Args instead of Command.')
    .option('--copy-to <name>', 'Create a copy of the target Pod with this name (not supported by mkctl).')
    .action(act(async () => (await import('./commands/debug')).debug, true));
});

// ---- beyond kubectl ---------------------------------------------------------------------------------
command(['trace'], () => {
  sub(
    program,
    'trace',
    'Show how a pod came to be, to the millisecond: created → queued → scheduled → bound → picked up → sandbox → pulled → started → ready',
  )
    .argument('<pod>', 'pod/NAME or pod NAME')
    .argument('[name]')
    .option('-w, --watch', 'Follow the pod live: each step as it happens, until it is Ready')
    .action(
      act(async () => {
        const { trace } = await import('./commands/trace');
        return (ctx: Ctx, a: string, b: string | undefined, o: { watch?: boolean }) => trace(ctx, b ? [a, b] : [a], o);
      }),
    );
});

command(['explain-route'], () => {
  sub(
    program,
    'explain-route',
    "Show the path a packet to a Service takes through kube-proxy's rules (iptables and nftables mode), down to the pods",
  )
    .argument('<service...>', 'svc/NAME or svc NAME')
    .option('--node <name>', 'Mark the endpoints local to this node')
    .action(act(async () => (await import('./commands/route')).explainRoute));
});

command(['completion'], () => {
  sub(program, 'completion', 'Output shell completion code for the specified shell (bash or zsh)')
    .argument('<shell>')
    .action(act(async () => (await import('./commands/completion')).completion(program)));
});

program.addHelpText('after', '\nUse "mkctl <command> --help" for more information about a given command.');

async function main(): Promise<void> {
  const verb = verbOf(process.argv.slice(2));
  const only = verb === 'completion' ? undefined : registry.find((r) => r.names.includes(verb ?? ''));
  for (const r of only ? [only] : registry) r.define();
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

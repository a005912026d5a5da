import { readFileSync } from 'node:fs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { KubeConfig } from '@kubernetes/client-node';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { completionScript } from './completion.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { runInject, type InjectOptions } from './inject-command.ts';
import { processIo, type CliIo } from './io.ts';
import { runRollout, type RolloutOptions } from './rollout-command.ts';
import { runStatus, type StatusOptions } from './status-command.ts';

/**
 * `sidecar-injector`: the operator's tool, built on commander (subcommands with their own help,
 * typed options, choices, errors that name the flag). Results on stdout, reports and errors on
 * stderr, and one set of exit codes across commands (exit-codes.ts, README).
 */

export type { CliIo } from './io.ts';
export { processIo } from './io.ts';

const TOOL_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface CliDeps {
  ssmClient?: Pick<SSMClient, 'send'>;
  kubeConfig?: KubeConfig;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return Number(value);
}

/** The flags that choose the release, shared by inject and status. */
function releaseOptions(command: Command): Command {
  return command
    .option('--sidecar-version <version>', 'sidecar version, offline (default: SSM when SSM_*_PARAMETER are set, else SIDECAR_VERSION)')
    .option('--sidecar-image <image>', 'sidecar image repository or full reference, offline (default: SIDECAR_IMAGE)')
    .addOption(new Option('--version <version>').hideHelp().argParser((): never => {
      throw new InvalidArgumentError('the sidecar version is --sidecar-version (sidecar-injector version prints the tool\'s)');
    }))
    .addOption(new Option('--image <image>').hideHelp().argParser((): never => {
      throw new InvalidArgumentError('the sidecar image is --sidecar-image');
    }));
}

export function buildProgram(env: Record<string, string | undefined>, io: CliIo, deps: CliDeps, done: (code: ExitCode) => void): Command {
  const program = new Command('sidecar-injector')
    .description('Inject the sidecar into manifests, and see and move the fleet to the current sidecar release.')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .version(TOOL_VERSION, '--version', "print the tool's version");

  releaseOptions(
    program
      .command('inject')
      .summary('inject the sidecar into Kubernetes manifests (offline)')
      .description(
        'Reads Kubernetes YAML (multi-document) or JSON, injects the sidecar into Pods and into the pod templates of ' +
          'Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs and CronJobs (and the items of ' +
          'any List), with the webhook\'s own decision and selection, and prints the result. Other documents pass through ' +
          'unchanged. The report goes to stderr. Running it on its own output changes nothing.\n\n' +
          'Exit status: 0 done, 1 a document could not be processed, 2 bad usage or unreadable input, 3 SSM unavailable.',
      )
      .option('-f, --filename <path>', 'a file, a directory of .yaml/.yml/.json files, or - for standard input (repeatable)', collect, [])
      .option('-R, --recursive', 'descend into the subdirectories of -f directories')
      .addOption(new Option('-o, --output <format>', 'output format (default: JSON when every input is JSON, else YAML)').choices(['yaml', 'json']))
      .option('-n, --namespace <namespace>', 'namespace of objects that name none (default: default)')
      .option('--native', 'inject as a native sidecar (init container, restartPolicy: Always)')
      .option('--ignore-selection', "inject objects the webhook's selectors would not send to it")
      .option('--webhook-config <file>', 'take the selectors from this MutatingWebhookConfiguration manifest (default: the stack\'s defaults)')
      .option('--webhook-name <name>', 'the webhook of that configuration, when it has several'),
  ).action(async (options: InjectOptions) => done(await runInject(options, env, io, deps.ssmClient)));

  releaseOptions(
    program
      .command('status')
      .summary("show every pod's sidecar against the current release")
      .description(
        'Lists the pods of the cluster (paged) and classifies each with the webhook\'s own decision: current, outdated, ' +
          'mismatch (annotation and image disagree), missing (selected but no sidecar), skipped (with the reason), not ' +
          'selected, completed. Grouped by namespace and owning workload.\n\n' +
          'Exit status: 0 converged, 1 pods outdated, mismatched or missing, 2 bad usage, 3 cluster or SSM unavailable.',
      )
      .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)')
      .option('--context <name>', 'kubeconfig context (default: its current context)')
      .option('-n, --namespace <namespace>', 'only this namespace (default: all namespaces)')
      .option('-A, --all-namespaces', 'all namespaces (the default; for kubectl habits)')
      .option('-l, --selector <selector>', 'only pods with these labels (kubectl syntax, e.g. app=web,tier!=db)')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'wide', 'json', 'yaml']).default('table'))
      .option('--webhook-configuration <name>', 'the MutatingWebhookConfiguration whose selectors apply', 'sidecar-injector')
      .option('--webhook-name <name>', 'the webhook of that configuration, when it has several')
      .option('--chunk-size <n>', 'pods per LIST page', positiveInteger, 500),
  ).action(async (options: StatusOptions & { allNamespaces?: boolean }) => {
    if (options.allNamespaces && options.namespace !== undefined) throw new CliError(EXIT.USAGE, '-A and -n exclude each other');
    done(await runStatus(options, env, io, deps));
  });

  releaseOptions(
    program
      .command('rollout')
      .summary('bring outdated pods to the current release, in waves')
      .description(
        'Moves every outdated, mismatched or missing sidecar to the release, the canary cohort first. Pods the webhook can ' +
          'upgrade on UPDATE are annotated and only their sidecar restarts; Deployments, StatefulSets and DaemonSets that need ' +
          'new pods are restarted as kubectl rollout restart does. Bare pods and Job pods are reported, never touched. After ' +
          'each wave it waits until the pods are Ready with the release; a wave that does not finish in --timeout stops the ' +
          'rollout. Safe to interrupt and to run again.\n\n' +
          'Exit status: 0 done (or nothing to do), 1 a wave failed, 2 bad usage, 3 cluster or SSM unavailable.',
      )
      .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)')
      .option('--context <name>', 'kubeconfig context (default: its current context)')
      .option('-n, --namespace <namespace>', 'only this namespace (default: all namespaces)')
      .option('-l, --selector <selector>', 'only pods with these labels (kubectl syntax)')
      .option('--batch-size <n>', 'pods per wave (a workload restart is never split)', positiveInteger, 10)
      .option('--timeout <seconds>', 'how long one wave may take before the rollout stops', positiveInteger, 300)
      .option('--dry-run', 'print the plan and change nothing')
      .option('--webhook-configuration <name>', 'the MutatingWebhookConfiguration whose selectors apply', 'sidecar-injector')
      .option('--webhook-name <name>', 'the webhook of that configuration, when it has several')
      .option('--chunk-size <n>', 'pods per LIST page', positiveInteger, 500)
      .addOption(new Option('--poll-interval <ms>', 'milliseconds between checks while a wave runs').argParser(positiveInteger).default(1000).hideHelp()),
  ).action(async (options: RolloutOptions) => done(await runRollout(options, env, io, deps)));

  program
    .command('version')
    .description("print the tool's version")
    .action(() => {
      io.stdout(`sidecar-injector ${TOOL_VERSION}\n`);
      done(EXIT.OK);
    });

  program
    .command('completion')
    .description('print a shell completion script: source <(sidecar-injector completion bash)')
    .addArgument(new Command().createArgument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      io.stdout(completionScript(program, shell));
      done(EXIT.OK);
    });

  return program;
}

export async function runCli(argv: string[], env: Record<string, string | undefined>, io: CliIo, deps: CliDeps = {}): Promise<ExitCode> {
  let code: ExitCode = EXIT.OK;
  const program = buildProgram(env, io, deps, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    if (error instanceof CliError) {
      const command = program.args[0] ? ` ${program.args[0]}` : '';
      io.stderr(`sidecar-injector${command}: ${error.message}\n`);
      return error.code;
    }
    throw error;
  }
}

if (import.meta.main) process.exitCode = await runCli(process.argv.slice(2), process.env, processIo);

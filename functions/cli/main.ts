import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { settingsFromEnv, SettingsError } from '../shell/settings.ts';
import { yamlTemplateReader } from '../shell/yaml-template-reader.ts';
import { formatDocuments, parseDocuments, type OutputDocument } from './documents.ts';
import { injectDocument } from './inject-object.ts';

/**
 * `sidecar-injector inject -f FILE|-`: offline injection, like `istioctl kube-inject`. The
 * sidecar settings are the webhook's own environment variables; the release comes from
 * SIDECAR_VERSION/SIDECAR_IMAGE or --version/--image (never from SSM: this command is offline).
 */

const USAGE = `usage: sidecar-injector inject -f FILE [--version V] [--image I] [--native]

Reads Kubernetes YAML (multi-document) or JSON from FILE (- for standard input), injects the
sidecar into Pods and into the pod templates of Deployments, StatefulSets, DaemonSets,
ReplicaSets, ReplicationControllers, Jobs and CronJobs (and List items), passes every other
document through unchanged, and prints the result. Running it on its own output changes
nothing.

  -f, --filename FILE  input file, or - for standard input
      --version V      sidecar version (default: SIDECAR_VERSION, else 1.2.1)
      --image I        sidecar image repository or full reference (default: SIDECAR_IMAGE)
      --native         inject as a native sidecar (init container, restartPolicy: Always)
  -h, --help           this text

Other settings come from the same environment variables as the webhook (README).
Exit status: 0 done, 1 a document could not be processed, 2 bad usage or unreadable input.`;

export interface CliIo {
  /** Reads a file, or standard input when given file descriptor 0. */
  readFile(path: string | 0): string;
  stdout(text: string): void;
  stderr(text: string): void;
}

export function runCli(argv: string[], env: Record<string, string | undefined>, io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        filename: { type: 'string', short: 'f' },
        version: { type: 'string' },
        image: { type: 'string' },
        native: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.stderr(`sidecar-injector: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (positionals[0] !== 'inject' || positionals.length > 1) {
    io.stderr(`sidecar-injector: expected the command "inject"${positionals.length ? `, got "${positionals.join(' ')}"` : ''}\n${USAGE}\n`);
    return 2;
  }
  const file = values.filename;
  if (!file) {
    io.stderr(`sidecar-injector inject: -f FILE is required (- for standard input)\n`);
    return 2;
  }

  const cliEnv: Record<string, string | undefined> = { ...env, SSM_VERSION_PARAMETER: undefined, SSM_IMAGE_PARAMETER: undefined };
  if (values.version !== undefined) cliEnv.SIDECAR_VERSION = values.version;
  if (values.image !== undefined) cliEnv.SIDECAR_IMAGE = values.image;
  if (values.native) cliEnv.NATIVE_SIDECAR = 'true';
  let settings;
  try {
    settings = settingsFromEnv(cliEnv, yamlTemplateReader);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    io.stderr(`sidecar-injector inject: ${error.problems.join('\n  ')}\n`);
    return 2;
  }
  if (settings.release.source !== 'environment') throw new Error('unreachable: SSM is removed from the CLI environment');
  const config = { ...settings.injector, release: settings.release.release };

  const name = file === '-' ? '<stdin>' : file;
  let text: string;
  try {
    // File descriptor 0, not /dev/stdin: opening /dev/stdin fails (ENXIO) when it is a socket.
    text = io.readFile(file === '-' ? 0 : file);
  } catch (error) {
    io.stderr(`sidecar-injector inject: ${name}: cannot read: ${(error as Error).message}\n`);
    return 2;
  }
  const parsedInput = parseDocuments(text);
  if (!parsedInput.ok) {
    io.stderr(`sidecar-injector inject: ${name}: document ${parsedInput.index + 1}: ${parsedInput.message}\n`);
    return 1;
  }
  const { input } = parsedInput;
  const outputs: OutputDocument[] = [];
  let failed = false;
  for (const [index, doc] of input.documents.entries()) {
    const outcome = injectDocument(doc.value, config);
    if (outcome.status === 'error') {
      io.stderr(`sidecar-injector inject: ${name}: document ${index + 1}${describeDoc(doc.value)}: ${outcome.message}\n`);
      failed = true;
      continue;
    }
    for (const note of outcome.notes) io.stderr(`sidecar-injector inject: ${name}: document ${index + 1}${describeDoc(doc.value)}: ${note}\n`);
    outputs.push(outcome.status === 'changed' ? { value: outcome.value, marker: doc.marker } : { value: doc.value, source: doc.source, marker: doc.marker });
  }
  if (failed) return 1;
  io.stdout(formatDocuments(input.format, input.jsonArray, outputs));
  return 0;
}

function describeDoc(value: unknown): string {
  if (typeof value !== 'object' || value === null) return '';
  const { kind, metadata } = value as { kind?: unknown; metadata?: { name?: unknown } };
  const name = typeof metadata?.name === 'string' ? `/${metadata.name}` : '';
  return typeof kind === 'string' ? ` (${kind}${name})` : '';
}

/** The real process: files, standard output and standard error. */
export const processIo: CliIo = {
  readFile: (path) => readFileSync(path, 'utf8'),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

if (import.meta.main) process.exitCode = runCli(process.argv.slice(2), process.env, processIo);

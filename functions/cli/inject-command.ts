import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { defaultSelection, selectionFromConfiguration, type WebhookSelection } from '../../infra/webhook-config/selection.ts';
import { formatDocuments, parseDocuments, type Format, type OutputDocument } from './documents.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import { injectObject, type InjectContext, type ObjectReport, type ReportResult } from './inject-object.ts';
import type { CliIo } from './io.ts';
import { loadCliConfig, type ReleaseFlags } from './release.ts';
import type { SSMClient } from '@aws-sdk/client-ssm';

/**
 * `sidecar-injector inject`: offline injection, like `istioctl kube-inject` and `linkerd
 * inject`. The manifests go to stdout, the report (what was injected, skipped and why, kinds it
 * does not know, the webhook's warnings) to stderr.
 */

export interface InjectOptions extends ReleaseFlags {
  filename: string[];
  recursive?: boolean;
  output?: Format;
  namespace?: string;
  ignoreSelection?: boolean;
  webhookConfig?: string;
  webhookName?: string;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

interface Input {
  /** As shown in messages: the path, or <stdin>. */
  name: string;
  text: string;
}

export async function runInject(options: InjectOptions, env: Record<string, string | undefined>, io: CliIo, ssmClient?: Pick<SSMClient, 'send'>): Promise<ExitCode> {
  if (options.filename.length === 0) throw new CliError(EXIT.USAGE, '-f FILE is required (a file, a directory, or - for standard input)');
  const selection = readSelection(options, io);
  const inputs = readInputs(options.filename, options.recursive ?? false, io);
  const { config, canary, releaseFrom } = await loadCliConfig(env, options, ssmClient);
  const context: InjectContext = {
    config,
    ...(canary ? { canary } : {}),
    selection,
    ignoreSelection: options.ignoreSelection ?? false,
    defaultNamespace: options.namespace ?? 'default',
  };

  const outputs: OutputDocument[] = [];
  const counts = new Map<ReportResult, number>();
  let failed = false;
  let allJson = true;
  let jsonArray = false;
  for (const input of inputs) {
    const parsed = parseDocuments(input.text);
    if (!parsed.ok) {
      io.stderr(`sidecar-injector inject: ${input.name}: document ${parsed.index + 1}: ${parsed.message}\n`);
      failed = true;
      continue;
    }
    const { format, documents } = parsed.input;
    if (format !== 'json') allJson = false;
    jsonArray = inputs.length === 1 && parsed.input.jsonArray;
    for (const [index, doc] of documents.entries()) {
      const where = `${input.name}: document ${index + 1}${describeDoc(doc.value)}`;
      const outcome = injectObject(doc.value, context);
      if (outcome.status === 'error') {
        io.stderr(`sidecar-injector inject: ${where}: ${outcome.message}\n`);
        failed = true;
        continue;
      }
      for (const report of outcome.reports) {
        counts.set(report.result, (counts.get(report.result) ?? 0) + 1);
        io.stderr(reportLine(input.name, index, report));
      }
      if (outcome.status === 'changed') outputs.push({ value: outcome.value, marker: doc.marker });
      else outputs.push(doc.source !== undefined ? { value: doc.value, source: doc.source, marker: doc.marker } : { value: doc.value, marker: doc.marker });
    }
  }
  if (failed) return EXIT.FAILED;
  const format: Format = options.output ?? (allJson ? 'json' : 'yaml');
  const written = format === 'yaml' ? outputs : outputs.map(({ value, marker }) => ({ value, marker }));
  io.stdout(formatDocuments(format, format === 'json' && jsonArray, written));
  const canaryNote = canary ? `, canary ${canary.release.version} (${canary.release.image}) for ${canary.percent}% of workloads` : '';
  io.stderr(`sidecar-injector inject: ${summary(counts)}; release ${config.release.version} (${config.release.image})${canaryNote} from ${releaseFrom}\n`);
  return EXIT.OK;
}

function reportLine(file: string, index: number, report: ObjectReport): string {
  const head = `sidecar-injector inject: ${file}: document ${index + 1}: ${report.subject}`;
  const result = report.result === 'not-selected' ? 'not selected' : report.result === 'unsupported' ? 'unsupported kind' : report.result;
  let text = `${head}: ${result}: ${report.detail}\n`;
  for (const warning of report.warnings) text += `${head}: warning: ${warning}\n`;
  return text;
}

function summary(counts: Map<ReportResult, number>): string {
  const order: Array<[ReportResult, string]> = [
    ['injected', 'injected'],
    ['converged', 'converged'],
    ['unchanged', 'unchanged'],
    ['skipped', 'skipped'],
    ['not-selected', 'not selected'],
    ['unsupported', 'unsupported'],
  ];
  const parts = order.filter(([key]) => counts.has(key)).map(([key, label]) => `${counts.get(key)} ${label}`);
  return parts.length > 0 ? parts.join(', ') : 'no pods or workloads';
}

/** The files behind the -f values: `-` is standard input, a directory gives its manifest files (sorted; -R descends). */
function readInputs(filenames: string[], recursive: boolean, io: CliIo): Input[] {
  const paths: string[] = [];
  for (const name of filenames) {
    if (name === '-') {
      paths.push('-');
      continue;
    }
    if (!io.isDirectory(name)) {
      paths.push(name);
      continue;
    }
    const found = manifestFiles(name, recursive, io);
    if (found.length === 0) throw new CliError(EXIT.USAGE, `${name}: the directory holds no .yaml, .yml or .json file${recursive ? '' : ' (-R descends into subdirectories)'}`);
    paths.push(...found);
  }
  if (paths.filter((p) => p === '-').length > 1) throw new CliError(EXIT.USAGE, 'standard input (-f -) can be read only once');
  return paths.map((path) => {
    const name = path === '-' ? '<stdin>' : path;
    try {
      // File descriptor 0, not /dev/stdin: opening /dev/stdin fails (ENXIO) when it is a socket.
      return { name, text: io.readFile(path === '-' ? 0 : path) };
    } catch (error) {
      throw new CliError(EXIT.USAGE, `${name}: cannot read: ${(error as Error).message}`);
    }
  });
}

function manifestFiles(dir: string, recursive: boolean, io: CliIo): string[] {
  const files: string[] = [];
  for (const entry of [...io.listDirectory(dir)].sort()) {
    const path = join(dir, entry);
    if (io.isDirectory(path)) {
      if (recursive) files.push(...manifestFiles(path, recursive, io));
    } else if (MANIFEST_FILE.test(entry)) {
      files.push(path);
    }
  }
  return files;
}

/** The selectors of --webhook-config (a MutatingWebhookConfiguration manifest), else the stack's defaults. */
function readSelection(options: InjectOptions, io: CliIo): WebhookSelection {
  const file = options.webhookConfig;
  if (file === undefined) return defaultSelection();
  let text: string;
  try {
    text = io.readFile(file);
  } catch (error) {
    throw new CliError(EXIT.USAGE, `--webhook-config ${file}: cannot read: ${(error as Error).message}`);
  }
  const docs = parseAllDocuments(text).map((d) => d.toJS() as unknown);
  const doc = docs.find((d) => (d as { kind?: unknown } | null)?.kind === 'MutatingWebhookConfiguration') ?? docs[0];
  const selection = selectionFromConfiguration(doc, options.webhookName);
  if ('error' in selection) throw new CliError(EXIT.USAGE, `--webhook-config ${file}: ${selection.error}`);
  return selection;
}

function describeDoc(value: unknown): string {
  if (typeof value !== 'object' || value === null) return '';
  const { kind, metadata } = value as { kind?: unknown; metadata?: { name?: unknown } };
  const name = typeof metadata?.name === 'string' ? `/${metadata.name}` : '';
  return typeof kind === 'string' ? ` (${kind}${name})` : '';
}

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ManifestOutputsError, manifestFromOutputs } from './manifest/from-outputs.ts';

/**
 * npm run manifest -- --outputs cdk-outputs.json [--out webhook.yaml] [--stack SidecarInjector]
 *
 * Writes the MutatingWebhookConfiguration from `cdk deploy --outputs-file` output, to a file
 * or to stdout (for `| kubectl apply -f -`).
 */
const USAGE = 'usage: npm run manifest -- --outputs <cdk-outputs.json> [--out <file>] [--stack <stack name>]';

function main(argv: string[]): number {
  let values: { outputs?: string; out?: string; stack?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { outputs: { type: 'string' }, out: { type: 'string' }, stack: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.outputs) {
    process.stderr.write(`--outputs is required: the file from cdk deploy --outputs-file\n${USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(values.outputs, 'utf8');
  } catch (error) {
    process.stderr.write(`cannot read ${values.outputs}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; run cdk deploy --outputs-file ${values.outputs} first\n`);
    return 1;
  }
  let yaml: string;
  try {
    yaml = manifestFromOutputs(text, values.outputs, values.stack);
  } catch (error) {
    if (!(error instanceof ManifestOutputsError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  if (values.out) {
    writeFileSync(values.out, yaml);
    process.stderr.write(`wrote ${values.out}: kubectl apply -f ${values.out}\n`);
  } else {
    process.stdout.write(yaml);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));

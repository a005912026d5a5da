import { parseAllDocuments } from 'yaml';
import { urlProblems } from '../webhook-config/render.ts';

/**
 * Takes the MutatingWebhookConfiguration out of the file `cdk deploy --outputs-file` writes
 * ({ "<stack>": { "<output>": "<value>" } }), and checks that it is a deployed manifest (a
 * real https URL, not a synth-time token) before anyone applies it to a cluster.
 */

export const YAML_OUTPUT = 'WebhookConfigurationYaml';

export class ManifestOutputsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestOutputsError';
  }
}

export function manifestFromOutputs(text: string, file: string, stackName?: string): string {
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch (error) {
    throw new ManifestOutputsError(`${file} is not JSON (${(error as Error).message}); pass the file written by cdk deploy --outputs-file`);
  }
  if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) {
    throw new ManifestOutputsError(`${file} must be a JSON object of stacks and their outputs, as written by cdk deploy --outputs-file`);
  }
  const stacks = outputs as Record<string, unknown>;
  const stackNames = Object.keys(stacks);
  let stack: string;
  if (stackName !== undefined) {
    if (!(stackName in stacks)) {
      throw new ManifestOutputsError(`${file} has no stack "${stackName}" (it has: ${stackNames.join(', ') || 'none'})`);
    }
    stack = stackName;
  } else {
    const withManifest = stackNames.filter((name) => isRecord(stacks[name]) && YAML_OUTPUT in (stacks[name] as Record<string, unknown>));
    if (withManifest.length === 0) {
      throw new ManifestOutputsError(`${file}: no stack has the output "${YAML_OUTPUT}" (stacks: ${stackNames.join(', ') || 'none'}); was it written by cdk deploy --outputs-file for the sidecar injector stack?`);
    }
    if (withManifest.length > 1) {
      throw new ManifestOutputsError(`${file}: several stacks have "${YAML_OUTPUT}" (${withManifest.join(', ')}); choose one with --stack`);
    }
    stack = withManifest[0]!;
  }
  const field = `${stack}.${YAML_OUTPUT}`;
  const stackOutputs = stacks[stack];
  if (!isRecord(stackOutputs) || !(YAML_OUTPUT in stackOutputs)) {
    throw new ManifestOutputsError(`${file}: stack "${stack}" has no output "${YAML_OUTPUT}"`);
  }
  const yaml = stackOutputs[YAML_OUTPUT];
  if (typeof yaml !== 'string' || yaml.trim() === '') {
    throw new ManifestOutputsError(`${file}: ${field} must be the manifest YAML as a string`);
  }
  let documents: unknown[];
  try {
    const parsed = parseAllDocuments(yaml);
    const errors = (Array.isArray(parsed) ? parsed : [parsed]).flatMap((d) => d.errors);
    if (errors.length > 0) throw new Error(errors[0]!.message);
    documents = (Array.isArray(parsed) ? parsed : [parsed]).map((d) => d.toJS());
  } catch (error) {
    throw new ManifestOutputsError(`${file}: ${field} is not YAML (${(error as Error).message})`);
  }
  // The configuration first; in fail-open mode also its ValidatingAdmissionPolicy and binding.
  const [manifest, ...rest] = documents;
  if (!isRecord(manifest) || manifest.kind !== 'MutatingWebhookConfiguration' || !Array.isArray(manifest.webhooks) || manifest.webhooks.length === 0) {
    throw new ManifestOutputsError(`${file}: ${field} is not a MutatingWebhookConfiguration with webhooks`);
  }
  for (const other of rest) {
    const kind = isRecord(other) ? other.kind : undefined;
    if (kind !== 'ValidatingAdmissionPolicy' && kind !== 'ValidatingAdmissionPolicyBinding') {
      throw new ManifestOutputsError(`${file}: ${field} holds a document of kind ${String(kind)}; expected only the configuration and (fail-open) its ValidatingAdmissionPolicy and binding`);
    }
  }
  for (const webhook of manifest.webhooks as unknown[]) {
    const url = isRecord(webhook) && isRecord(webhook.clientConfig) ? webhook.clientConfig.url : undefined;
    const problems = urlProblems(url);
    if (problems.length > 0) throw new ManifestOutputsError(`${file}: ${field} has a webhook URL the API server would refuse: ${problems.join('; ')}`);
  }
  return yaml.endsWith('\n') ? yaml : `${yaml}\n`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

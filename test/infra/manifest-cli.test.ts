import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ManifestOutputsError, manifestFromOutputs } from '../../infra/manifest/from-outputs.ts';
import { renderWebhookConfiguration } from '../../infra/webhook-config/render.ts';

const URL_DEPLOYED = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/mutate';
const { yaml: YAML } = renderWebhookConfiguration({ url: URL_DEPLOYED });
const outputs = (stacks: Record<string, unknown>) => JSON.stringify(stacks);

function errorOf(text: string, stack?: string): string {
  try {
    manifestFromOutputs(text, 'cdk-outputs.json', stack);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestOutputsError);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('manifestFromOutputs', () => {
  it('returns the YAML of the only stack that has it', () => {
    const text = outputs({ Other: { Foo: 'bar' }, SidecarInjector: { WebhookUrl: URL_DEPLOYED, WebhookConfigurationYaml: YAML } });
    expect(manifestFromOutputs(text, 'cdk-outputs.json')).toBe(YAML);
  });

  it('picks the stack given when several have it', () => {
    const other = renderWebhookConfiguration({ url: 'https://other.example.com/mutate' }).yaml;
    const text = outputs({ A: { WebhookConfigurationYaml: YAML }, B: { WebhookConfigurationYaml: other } });
    expect(errorOf(text)).toBe('cdk-outputs.json: several stacks have "WebhookConfigurationYaml" (A, B); choose one with --stack');
    expect(manifestFromOutputs(text, 'cdk-outputs.json', 'B')).toBe(other);
  });

  it('names the file and the field on bad input', () => {
    expect(errorOf('{oops')).toMatch(/^cdk-outputs.json is not JSON \(.+\); pass the file written by cdk deploy --outputs-file$/);
    expect(errorOf('[]')).toContain('cdk-outputs.json must be a JSON object of stacks');
    expect(errorOf(outputs({ SidecarInjector: { WebhookUrl: URL_DEPLOYED } }))).toContain('cdk-outputs.json: no stack has the output "WebhookConfigurationYaml" (stacks: SidecarInjector)');
    expect(errorOf(outputs({ A: {} }), 'B')).toBe('cdk-outputs.json has no stack "B" (it has: A)');
    expect(errorOf(outputs({ A: { WebhookConfigurationYaml: 42 } }))).toBe('cdk-outputs.json: A.WebhookConfigurationYaml must be the manifest YAML as a string');
    expect(errorOf(outputs({ A: { WebhookConfigurationYaml: 'kind: ConfigMap\n' } }))).toBe('cdk-outputs.json: A.WebhookConfigurationYaml is not a MutatingWebhookConfiguration with webhooks');
  });

  it('refuses a manifest whose URL was never resolved (synth output, not deploy output)', () => {
    const unresolved = YAML.replace(URL_DEPLOYED, '${Token[TOKEN.123]}/mutate');
    expect(errorOf(outputs({ A: { WebhookConfigurationYaml: unresolved } }))).toContain('A.WebhookConfigurationYaml has a webhook URL the API server would refuse');
  });
});

describe('npm run manifest (infra/manifest-cli.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
  const cli = fileURLToPath(new URL('../../infra/manifest-cli.ts', import.meta.url));
  const run = (...args: string[]) => spawnSync(tsx, [cli, ...args], { encoding: 'utf8' });

  it('writes the manifest to --out, or to stdout, and fails clearly on a bad file', () => {
    const file = join(dir, 'cdk-outputs.json');
    writeFileSync(file, outputs({ SidecarInjector: { WebhookConfigurationYaml: YAML } }));

    const toFile = run('--outputs', file, '--out', join(dir, 'webhook.yaml'));
    expect(toFile.status).toBe(0);
    expect(readFileSync(join(dir, 'webhook.yaml'), 'utf8')).toBe(YAML);

    const toStdout = run('--outputs', file);
    expect(toStdout.status).toBe(0);
    expect(toStdout.stdout).toBe(YAML);

    const missing = run('--outputs', join(dir, 'absent.json'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`cannot read ${join(dir, 'absent.json')}: ENOENT`);

    writeFileSync(file, outputs({ SidecarInjector: { WebhookUrl: URL_DEPLOYED } }));
    const noField = run('--outputs', file);
    expect(noField.status).toBe(1);
    expect(noField.stderr).toContain(`${file}: no stack has the output "WebhookConfigurationYaml"`);

    const usage = run();
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--outputs is required');
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decide } from '../../functions/core/decide.ts';
import { SettingsError, settingsFromEnv } from '../../functions/shell/settings.ts';
import { yamlTemplateReader } from '../../functions/shell/yaml-template-reader.ts';
import { applyPatch, podRequest } from '../support/injector.ts';

// SIDECAR_TEMPLATE_FILE as the local server and the CLI read it (YAML or JSON), and as the
// Lambda reads it (JSON only), with the README's example.

const root = join(import.meta.dirname, '..', '..');
const example = join(root, 'infra', 'templates', 'log-shipper.yaml');
const dir = mkdtempSync(join(tmpdir(), 'template-file-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const problemsOf = (env: Record<string, string>, reader = yamlTemplateReader): string[] => {
  try {
    settingsFromEnv(env, reader);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error('accepted');
};

describe('the README example (infra/templates/log-shipper.yaml)', () => {
  it('is quoted in the README exactly as the file holds it', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`yaml\n${readFileSync(example, 'utf8')}\`\`\``);
  });

  it('is a valid template that injects its init container, sidecar and volumes, then converges', () => {
    const settings = settingsFromEnv({ SIDECAR_TEMPLATE_FILE: example }, yamlTemplateReader);
    if (settings.release.source !== 'environment') throw new Error('expected the environment release');
    const config = { ...settings.injector, release: settings.release.release };
    const pod = {
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'app', image: 'app:1', volumeMounts: [{ name: 'app-logs', mountPath: '/var/log/web' }] }] },
    };
    const out: any = applyPatch(pod, decide(podRequest(pod), config).patch);
    expect(out.spec.initContainers.map((c: any) => c.name)).toEqual(['log-setup']);
    expect(out.spec.containers.map((c: any) => [c.name, c.image])).toEqual([
      ['app', 'app:1'],
      ['my-sidecar', 'my-org/my-sidecar:1.2.1'],
    ]);
    expect(out.spec.volumes.map((v: any) => v.name)).toEqual(['app-logs', 'shipper-config']);
    expect(decide(podRequest(out), config).patch).toEqual([]);
  });
});

describe('SIDECAR_TEMPLATE_FILE', () => {
  it('takes JSON as well, and names the only container the sidecar when SIDECAR_NAME is unset', () => {
    const path = write('one.json', JSON.stringify({ containers: [{ name: 'proxy', ports: [{ containerPort: 15001 }] }] }));
    const template = settingsFromEnv({ SIDECAR_TEMPLATE_FILE: path }).injector.template;
    expect(template.sidecarName).toBe('proxy');
  });

  it('in the Lambda (no YAML parser) refuses YAML with a message that says how the stack ships templates', () => {
    const problems = problemsOf({ SIDECAR_TEMPLATE_FILE: example }, { readFile: (p) => readFileSync(p, 'utf8') });
    expect(problems.join()).toMatch(/this runtime reads JSON only: the stack converts YAML templates at synth/);
  });

  it('names the file and the field for a template the API server would refuse', () => {
    const path = write('bad.yaml', 'containers:\n  - name: my-sidecar\n    securityContext:\n      runAsUser: "1000"\n');
    const problems = problemsOf({ SIDECAR_TEMPLATE_FILE: path });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`SIDECAR_TEMPLATE_FILE (${path}): containers[0] (my-sidecar).securityContext.runAsUser`);
  });

  it('refuses a missing file, a document that is not a mapping, a template without the named sidecar', () => {
    expect(problemsOf({ SIDECAR_TEMPLATE_FILE: join(dir, 'none.yaml') }).join()).toMatch(/cannot be read: ENOENT/);
    expect(problemsOf({ SIDECAR_TEMPLATE_FILE: write('list.yaml', '- a\n- b\n') }).join()).toMatch(/must be a mapping/);
    const two = write('two.yaml', 'containers:\n  - { name: a }\n  - { name: b, image: x }\n');
    expect(problemsOf({ SIDECAR_TEMPLATE_FILE: two }).join()).toMatch(/my-sidecar/);
    expect(settingsFromEnv({ SIDECAR_TEMPLATE_FILE: two, SIDECAR_NAME: 'a' }, yamlTemplateReader).injector.template.sidecarName).toBe('a');
  });

  it('is read relative to LAMBDA_TASK_ROOT when that is set, as in Lambda', () => {
    write('sidecar-template.json', JSON.stringify({ containers: [{ name: 'my-sidecar' }] }));
    expect(settingsFromEnv({ SIDECAR_TEMPLATE_FILE: 'sidecar-template.json', LAMBDA_TASK_ROOT: dir }).injector.template.fragment.containers).toEqual([
      { name: 'my-sidecar' },
    ]);
  });
});

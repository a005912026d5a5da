import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SidecarTemplate } from '../../functions/core/template/pod-fragment.ts';
import { settingsFromEnv, SettingsError as FunctionSettingsError, type TemplateFileReader } from '../../functions/shell/settings.ts';
import { yamlTemplateReader } from '../../functions/shell/yaml-template-reader.ts';
import { SettingsError, type SidecarInjectorSettings } from './settings.ts';

/** The template file's name inside the function's bundle (next to index.js, in LAMBDA_TASK_ROOT). */
export const BUNDLED_TEMPLATE_FILE = 'sidecar-template.json';

/** Stands for `sidecarTemplate` (an object in the props) where the function's parser expects a file. */
const INLINE = '<sidecarTemplate>';

/**
 * The sidecar template the function will serve, resolved at synth by the function's own
 * settings parser: the file (YAML or JSON) or the inline object or the built-in template, with
 * the shorthand settings applied, validated against the Kubernetes schema and the API server's
 * rules. The stack ships the result as JSON inside the bundle, so the template never depends on
 * the 4 KB limit of a Lambda environment and the function needs no YAML parser.
 */
export function resolveSidecarTemplate(s: SidecarInjectorSettings): { template: SidecarTemplate } | { problems: string[] } {
  // Asked for by the validation, the function and the manifest of one synth: read the file once.
  let resolved = resolvedBySettings.get(s);
  if (!resolved) resolvedBySettings.set(s, (resolved = resolveUncached(s)));
  return resolved;
}

/**
 * The resolved template written as JSON to a file of its own, for the functions' bundles (the
 * webhook's and the drift check's); written once per synth. A template that does not resolve
 * throws the SettingsError naming its problems.
 */
export function bundledTemplate(s: SidecarInjectorSettings): { template: SidecarTemplate; file: string } {
  let bundled = bundledBySettings.get(s);
  if (!bundled) {
    const resolved = resolveSidecarTemplate(s);
    if ('problems' in resolved) throw new SettingsError(resolved.problems);
    const file = join(mkdtempSync(join(tmpdir(), 'sidecar-template-')), BUNDLED_TEMPLATE_FILE);
    writeFileSync(file, `${JSON.stringify(resolved.template.fragment, null, 2)}\n`);
    bundled = { template: resolved.template, file };
    bundledBySettings.set(s, bundled);
  }
  return bundled;
}

const bundledBySettings = new WeakMap<SidecarInjectorSettings, { template: SidecarTemplate; file: string }>();

const resolvedBySettings = new WeakMap<SidecarInjectorSettings, { template: SidecarTemplate } | { problems: string[] }>();

function resolveUncached(s: SidecarInjectorSettings): { template: SidecarTemplate } | { problems: string[] } {
  const problems: string[] = [];
  if (s.sidecarTemplateFile !== undefined && s.sidecarTemplate !== undefined) {
    return { problems: ['sidecarTemplateFile and sidecarTemplate are two ways to give one template: set one of them'] };
  }
  const env: Record<string, string | undefined> = {
    SIDECAR_NAME: s.sidecarName,
    SIDECAR_PORT: s.sidecarPort === undefined ? undefined : String(s.sidecarPort),
    SIDECAR_PORT_NAME: s.sidecarPortName,
    SIDECAR_CPU_REQUEST: s.sidecarCpuRequest,
    SIDECAR_MEMORY_REQUEST: s.sidecarMemoryRequest,
    SIDECAR_CPU_LIMIT: s.sidecarCpuLimit,
    SIDECAR_MEMORY_LIMIT: s.sidecarMemoryLimit,
    SIDECAR_CONTAINER_JSON: s.sidecarContainer === undefined ? undefined : JSON.stringify(s.sidecarContainer),
  };
  let reader: TemplateFileReader = yamlTemplateReader;
  if (s.sidecarTemplateFile !== undefined) {
    const path = resolve(s.sidecarTemplateFile);
    if (!existsSync(path)) return { problems: [`sidecarTemplateFile="${s.sidecarTemplateFile}" does not exist (looked for ${path}; relative paths start where cdk runs)`] };
    env.SIDECAR_TEMPLATE_FILE = path;
  } else if (s.sidecarTemplate !== undefined) {
    env.SIDECAR_TEMPLATE_FILE = INLINE;
    const text = JSON.stringify(s.sidecarTemplate);
    reader = { readFile: () => text };
  }
  try {
    return { template: settingsFromEnv(env, reader).injector.template };
  } catch (error) {
    if (!(error instanceof FunctionSettingsError)) throw error;
    problems.push(...error.problems.map(inSettingNames));
    return { problems };
  }
}

const SETTING_OF_SHORTHAND: Record<string, string> = {
  SIDECAR_NAME: 'sidecarName',
  SIDECAR_PORT: 'sidecarPort',
  SIDECAR_PORT_NAME: 'sidecarPortName',
  SIDECAR_CPU_REQUEST: 'sidecarCpuRequest',
  SIDECAR_MEMORY_REQUEST: 'sidecarMemoryRequest',
  SIDECAR_CPU_LIMIT: 'sidecarCpuLimit',
  SIDECAR_MEMORY_LIMIT: 'sidecarMemoryLimit',
  SIDECAR_CONTAINER_JSON: 'sidecarContainer',
};

function inSettingNames(problem: string): string {
  return problem
    .replace(`SIDECAR_TEMPLATE_FILE (${INLINE})`, 'sidecarTemplate')
    .replace(`SIDECAR_TEMPLATE_FILE="${INLINE}"`, 'sidecarTemplate')
    .replace(/\bSIDECAR_TEMPLATE_FILE\b/g, 'sidecarTemplateFile')
    .replace(/\b[A-Z][A-Z0-9_]+\b/g, (variable) => SETTING_OF_SHORTHAND[variable] ?? variable);
}

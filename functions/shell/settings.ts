import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { isDns1123Label, isDns1123Subdomain, isPortName } from '../core/kubernetes-names.ts';
import { resolveSidecarImage } from '../core/image-reference.ts';
import { parsePlatforms, type Platform } from '../core/release-check.ts';
import type { InjectorSettings, NativeSidecarMode, SidecarRelease } from '../core/injector-config.ts';
import { isPlainObject } from '../core/pod-view.ts';
import { isQuantity } from '../core/quantity.ts';
import { defaultFragment, DEFAULT_SIDECAR_NAME, type PodFragment } from '../core/template/pod-fragment.ts';
import { onlyContainerName, readPodFragment } from '../core/template/read.ts';
import { applyShorthands, type SidecarShorthands } from '../core/template/shorthands.ts';
import type { JsonObject } from '../core/types.ts';

/**
 * The function's settings, read from its environment once at start. Every variable is
 * optional; a bad value stops the start with a message naming the variable, never a pod.
 */

export type ReleaseSettings =
  | { source: 'environment'; release: SidecarRelease }
  | {
      source: 'ssm';
      versionParameter: string;
      imageParameter: string;
      /** SSM_CANARY_PARAMETER: an optional canary, read in the same GetParameters call. */
      canaryParameter?: string;
      cacheTtlMs: number;
      withDecryption: boolean;
      region: string;
      /** RELEASE_VERIFY: a new release is served only once its registry has it for `platforms` (RELEASE_PLATFORMS). */
      verify?: { platforms: Platform[] };
    };

export interface Settings {
  injector: InjectorSettings;
  release: ReleaseSettings;
  maxBodyBytes: number;
  /** When set, the last path segment of every request must equal it. */
  pathToken?: string;
}

export const DEFAULTS = {
  ANNOTATION_PREFIX: 'injector.my-company.com',
  SIDECAR_IMAGE: 'my-org/my-sidecar',
  SIDECAR_VERSION: '1.2.1',
  UPGRADE_ON_UPDATE: 'false',
  NATIVE_SIDECAR: 'auto',
  SKIP_HOST_NETWORK: 'true',
  SKIP_MIRROR_PODS: 'true',
  SKIP_WINDOWS_PODS: 'true',
  KEEP_GUARANTEED_QOS: 'true',
  SSM_CACHE_TTL_SECONDS: '30',
  SSM_WITH_DECRYPTION: 'false',
  RELEASE_VERIFY: 'false',
  // The largest cap the Lambda handler can enforce under the 6 MB event limit (see
  // MAX_ENFORCEABLE_BODY_BYTES in proxy-event.ts); the local server uses the same cap.
  MAX_BODY_BYTES: String(4 * 1024 * 1024),
} as const;

/**
 * Variables that edit the sidecar container of the template (the built-in one, or the one in
 * SIDECAR_TEMPLATE_FILE); unset, the template's own values stand.
 */
export const SHORTHAND_VARIABLES = [
  'SIDECAR_PORT',
  'SIDECAR_PORT_NAME',
  'SIDECAR_CPU_REQUEST',
  'SIDECAR_MEMORY_REQUEST',
  'SIDECAR_CPU_LIMIT',
  'SIDECAR_MEMORY_LIMIT',
  'SIDECAR_CONTAINER_JSON',
] as const;

/** Container fields SIDECAR_CONTAINER_JSON may not set: the name and image identify the sidecar and its release. */
const RESERVED_FIELDS = ['name', 'image', 'restartPolicy'];
const SSM_NAME = /^[a-zA-Z0-9_.\-/]{1,2048}$/;
const SSM_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[a-zA-Z0-9_.\-/]{1,2048}$/;
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);
const NATIVE_MODES: Record<string, NativeSidecarMode> = { auto: 'auto', true: 'always', always: 'always', false: 'never', never: 'never' };

export class SettingsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid settings: ${problems.join('; ')}`);
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/**
 * How the template file is read: the file system, and a YAML parser where one is bundled (the
 * local server and the CLI). The Lambda reads the JSON the stack wrote, so its bundle carries
 * no YAML parser; a YAML file there gets an error that says so.
 */
export interface TemplateFileReader {
  readFile(path: string): string;
  parseYaml?: (text: string) => unknown;
}

const fileSystem: TemplateFileReader = { readFile: (path) => readFileSync(path, 'utf8') };

export function settingsFromEnv(env: Env = process.env, reader: TemplateFileReader = fileSystem): Settings {
  const problems: string[] = [];
  const get = (name: keyof typeof DEFAULTS): string => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? DEFAULTS[name] : value.trim();
  };
  const flag = (name: keyof typeof DEFAULTS): boolean => {
    const value = get(name).toLowerCase();
    if (TRUE.has(value)) return true;
    if (!FALSE.has(value)) problems.push(`${name}="${env[name]}" is not a boolean (true or false)`);
    return false;
  };
  const integer = (name: keyof typeof DEFAULTS, min: number, max: number): number => {
    const text = get(name);
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) problems.push(`${name}="${text}" must be a whole number from ${min} to ${max}`);
    return value;
  };

  const annotationPrefix = get('ANNOTATION_PREFIX');
  if (!isDns1123Subdomain(annotationPrefix)) problems.push(`ANNOTATION_PREFIX="${annotationPrefix}" must be a DNS subdomain such as injector.example.com`);
  const nativeText = get('NATIVE_SIDECAR').toLowerCase();
  const nativeSidecar = NATIVE_MODES[nativeText];
  if (!nativeSidecar) problems.push(`NATIVE_SIDECAR="${env.NATIVE_SIDECAR}" must be auto, true or false`);

  const injector: InjectorSettings = {
    annotationPrefix,
    template: sidecarTemplate(env, reader, problems),
    upgradeOnUpdate: flag('UPGRADE_ON_UPDATE'),
    nativeSidecar: nativeSidecar ?? 'auto',
    skipHostNetwork: flag('SKIP_HOST_NETWORK'),
    skipMirrorPods: flag('SKIP_MIRROR_PODS'),
    skipWindowsPods: flag('SKIP_WINDOWS_PODS'),
    keepGuaranteedQos: flag('KEEP_GUARANTEED_QOS'),
  };

  const release = releaseSettings(env, get, flag, integer, problems);
  const maxBodyBytes = integer('MAX_BODY_BYTES', 1024, 64 * 1024 * 1024);
  const pathToken = env.WEBHOOK_PATH_TOKEN?.trim() || undefined;
  if (pathToken !== undefined && !/^[A-Za-z0-9_-]{16,128}$/.test(pathToken)) {
    problems.push('WEBHOOK_PATH_TOKEN must be 16 to 128 characters of letters, digits, _ and - (it is a URL path segment)');
  }
  if (problems.length > 0) throw new SettingsError(problems);
  const settings: Settings = { injector, release, maxBodyBytes };
  if (pathToken !== undefined) settings.pathToken = pathToken;
  return settings;
}

/**
 * The template: SIDECAR_TEMPLATE_FILE, or the built-in one, edited by the shorthand variables,
 * then validated as a whole. SIDECAR_NAME names its sidecar; unset, a template with a single
 * container names it by that container.
 */
function sidecarTemplate(env: Env, reader: TemplateFileReader, problems: string[]): InjectorSettings['template'] {
  const file = env.SIDECAR_TEMPLATE_FILE?.trim() || undefined;
  const named = env.SIDECAR_NAME?.trim() || undefined;
  const edits = shorthands(env, problems);
  if (named !== undefined && !isDns1123Label(named)) {
    problems.push(`SIDECAR_NAME="${named}" must be a DNS label (lower-case letters, digits, -; at most 63)`);
    return { sidecarName: DEFAULT_SIDECAR_NAME, fragment: defaultFragment() };
  }
  let doc: unknown;
  if (file !== undefined) {
    // Relative to the function's code in Lambda (where the stack puts the template), else to the working directory.
    doc = readTemplateDocument(isAbsolute(file) || !env.LAMBDA_TASK_ROOT ? file : join(env.LAMBDA_TASK_ROOT, file), reader, problems);
    if (doc === undefined) return { sidecarName: named ?? DEFAULT_SIDECAR_NAME, fragment: defaultFragment(named) };
  } else {
    doc = defaultFragment(named);
  }
  const sidecarName = named ?? onlyContainerName(doc) ?? DEFAULT_SIDECAR_NAME;
  const where = file !== undefined ? `SIDECAR_TEMPLATE_FILE (${file})` : 'the built-in template';
  if (!isPlainObject(doc)) {
    problems.push(`${where} must be a mapping with containers (and optionally initContainers, volumes, imagePullSecrets)`);
    return { sidecarName, fragment: defaultFragment(sidecarName) };
  }
  const sidecarPresent = Array.isArray(doc.containers) && doc.containers.some((c) => isPlainObject(c) && c.name === sidecarName);
  const edited = sidecarPresent && Object.keys(edits).length > 0 ? applyShorthands(doc as unknown as PodFragment, sidecarName, edits) : doc;
  const read = readPodFragment(edited, sidecarName);
  if ('problems' in read) {
    const by = Object.keys(edits).length > 0 ? ` as edited by ${SHORTHAND_VARIABLES.filter((v) => env[v]?.trim()).join(', ')}` : '';
    for (const problem of read.problems) problems.push(`${where}${by}: ${problem}`);
    return { sidecarName, fragment: defaultFragment(sidecarName) };
  }
  return { sidecarName, fragment: read.fragment };
}

function readTemplateDocument(file: string, reader: TemplateFileReader, problems: string[]): unknown {
  let text: string;
  try {
    text = reader.readFile(file);
  } catch (error) {
    problems.push(`SIDECAR_TEMPLATE_FILE="${file}" cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (jsonError) {
    if (!reader.parseYaml) {
      problems.push(`SIDECAR_TEMPLATE_FILE="${file}" is not JSON (${(jsonError as Error).message}); this runtime reads JSON only: the stack converts YAML templates at synth`);
      return undefined;
    }
    try {
      return reader.parseYaml(text);
    } catch (yamlError) {
      problems.push(`SIDECAR_TEMPLATE_FILE="${file}" is neither JSON nor YAML: ${(yamlError as Error).message}`);
      return undefined;
    }
  }
}

function shorthands(env: Env, problems: string[]): SidecarShorthands {
  const edits: SidecarShorthands = {};
  const text = (name: (typeof SHORTHAND_VARIABLES)[number]): string | undefined => env[name]?.trim() || undefined;
  const port = text('SIDECAR_PORT');
  if (port !== undefined) {
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) problems.push(`SIDECAR_PORT="${port}" must be a whole number from 1 to 65535`);
    else edits.port = Number(port);
  }
  const portName = text('SIDECAR_PORT_NAME');
  if (portName !== undefined) {
    if (!isPortName(portName)) problems.push(`SIDECAR_PORT_NAME="${portName}" must be a port name (at most 15 lower-case letters, digits, -)`);
    else edits.portName = portName;
  }
  const quantities = [
    ['SIDECAR_CPU_REQUEST', 'cpuRequest'],
    ['SIDECAR_MEMORY_REQUEST', 'memoryRequest'],
    ['SIDECAR_CPU_LIMIT', 'cpuLimit'],
    ['SIDECAR_MEMORY_LIMIT', 'memoryLimit'],
  ] as const;
  for (const [variable, field] of quantities) {
    const value = text(variable);
    if (value === undefined) continue;
    if (!isQuantity(value)) problems.push(`${variable}="${value}" is not a Kubernetes quantity (such as 100m, 0.5, 64Mi)`);
    else edits[field] = value;
  }
  const fields = containerFields(text('SIDECAR_CONTAINER_JSON'), problems);
  if (fields) edits.containerFields = fields;
  return edits;
}

function releaseSettings(
  env: Env,
  get: (name: keyof typeof DEFAULTS) => string,
  flag: (name: keyof typeof DEFAULTS) => boolean,
  integer: (name: keyof typeof DEFAULTS, min: number, max: number) => number,
  problems: string[],
): ReleaseSettings {
  const versionParameter = env.SSM_VERSION_PARAMETER?.trim();
  const imageParameter = env.SSM_IMAGE_PARAMETER?.trim();
  const canaryParameter = env.SSM_CANARY_PARAMETER?.trim() || undefined;
  if (!versionParameter && !imageParameter) {
    if (canaryParameter) problems.push('SSM_CANARY_PARAMETER needs SSM_VERSION_PARAMETER and SSM_IMAGE_PARAMETER: a canary is read with the release');
    if (env.RELEASE_VERIFY?.trim() && flag('RELEASE_VERIFY')) problems.push('RELEASE_VERIFY checks releases read from SSM: set SSM_VERSION_PARAMETER and SSM_IMAGE_PARAMETER, or leave it unset');
    const version = get('SIDECAR_VERSION');
    const image = get('SIDECAR_IMAGE');
    const resolved = resolveSidecarImage(image, version);
    if ('error' in resolved) problems.push(`SIDECAR_IMAGE/SIDECAR_VERSION: ${resolved.error}`);
    return { source: 'environment', release: { version, image: 'image' in resolved ? resolved.image : image } };
  }
  if (!versionParameter || !imageParameter) {
    problems.push('SSM_VERSION_PARAMETER and SSM_IMAGE_PARAMETER go together: set both, or neither to take SIDECAR_VERSION and SIDECAR_IMAGE');
  }
  for (const [variable, value] of [['SSM_VERSION_PARAMETER', versionParameter], ['SSM_IMAGE_PARAMETER', imageParameter], ['SSM_CANARY_PARAMETER', canaryParameter]] as const) {
    if (value && !SSM_NAME.test(value) && !SSM_ARN.test(value)) problems.push(`${variable}="${value}" is not an SSM parameter name or ARN`);
  }
  if (versionParameter && versionParameter === imageParameter) {
    problems.push('SSM_VERSION_PARAMETER and SSM_IMAGE_PARAMETER name the same parameter: the version and the image need one each');
  }
  if (canaryParameter && (canaryParameter === versionParameter || canaryParameter === imageParameter)) {
    problems.push('SSM_CANARY_PARAMETER must be a parameter of its own, not the version or image parameter');
  }
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || '';
  if (!region) problems.push('SSM parameters are configured but AWS_REGION is not set');
  const verify = flag('RELEASE_VERIFY');
  const platforms = parsePlatforms(env.RELEASE_PLATFORMS ?? '');
  if ('error' in platforms) problems.push(`RELEASE_PLATFORMS: ${platforms.error}`);
  else if (!verify && platforms.length > 0) problems.push('RELEASE_PLATFORMS is set but RELEASE_VERIFY is not true: the platforms would not be checked');
  return {
    source: 'ssm',
    versionParameter: versionParameter ?? '',
    imageParameter: imageParameter ?? '',
    ...(canaryParameter ? { canaryParameter } : {}),
    cacheTtlMs: integer('SSM_CACHE_TTL_SECONDS', 1, 86_400) * 1000,
    withDecryption: flag('SSM_WITH_DECRYPTION'),
    region,
    ...(verify && !('error' in platforms) ? { verify: { platforms } } : {}),
  };
}

function containerFields(text: string | undefined, problems: string[]): JsonObject | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    problems.push(`SIDECAR_CONTAINER_JSON is not valid JSON: ${(error as Error).message}`);
    return undefined;
  }
  if (!isPlainObject(value)) {
    problems.push('SIDECAR_CONTAINER_JSON must be a JSON object of container fields, such as {"args": ["--verbose"]}');
    return undefined;
  }
  const reserved = RESERVED_FIELDS.filter((field) => field in value);
  if (reserved.length > 0) {
    problems.push(`SIDECAR_CONTAINER_JSON may not set ${reserved.join(', ')}: the name is SIDECAR_NAME, the image comes from the release`);
    return undefined;
  }
  return value;
}

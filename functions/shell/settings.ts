import type { InjectorSettings, SidecarRelease } from '../core/injector-config.ts';
import { containerFieldProblems } from '../core/container-fields.ts';
import { resolveSidecarImage } from '../core/image-reference.ts';
import { isDns1123Label, isDns1123Subdomain, isPortName } from '../core/kubernetes-names.ts';
import { isPlainObject } from '../core/pod-view.ts';
import { isQuantity } from '../core/quantity.ts';
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
      cacheTtlMs: number;
      withDecryption: boolean;
      region: string;
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
  SIDECAR_NAME: 'my-sidecar',
  SIDECAR_IMAGE: 'my-org/my-sidecar',
  SIDECAR_VERSION: '1.2.1',
  SIDECAR_PORT: '8080',
  SIDECAR_PORT_NAME: 'http',
  SIDECAR_CPU_REQUEST: '50m',
  SIDECAR_MEMORY_REQUEST: '32Mi',
  SIDECAR_CPU_LIMIT: '100m',
  SIDECAR_MEMORY_LIMIT: '64Mi',
  UPGRADE_ON_UPDATE: 'false',
  NATIVE_SIDECAR: 'false',
  SKIP_HOST_NETWORK: 'true',
  SKIP_MIRROR_PODS: 'true',
  SSM_CACHE_TTL_SECONDS: '30',
  SSM_WITH_DECRYPTION: 'false',
  // A synchronous Lambda invocation carries at most 6 MB; the local server uses the same cap.
  MAX_BODY_BYTES: String(6 * 1024 * 1024),
} as const;

/** Container fields the injector sets from dedicated variables, so SIDECAR_CONTAINER_JSON may not. */
const RESERVED_FIELDS = ['name', 'image', 'ports', 'resources', 'restartPolicy'];
const SSM_NAME = /^[a-zA-Z0-9_.\-/]{1,2048}$/;
const SSM_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[a-zA-Z0-9_.\-/]{1,2048}$/;
const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export class SettingsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid settings: ${problems.join('; ')}`);
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

export function settingsFromEnv(env: Env = process.env): Settings {
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
  const quantity = (name: keyof typeof DEFAULTS): string => {
    const value = get(name);
    if (!isQuantity(value)) problems.push(`${name}="${value}" is not a Kubernetes quantity (such as 100m, 0.5, 64Mi)`);
    return value;
  };

  const annotationPrefix = get('ANNOTATION_PREFIX');
  if (!isDns1123Subdomain(annotationPrefix)) problems.push(`ANNOTATION_PREFIX="${annotationPrefix}" must be a DNS subdomain such as injector.example.com`);
  const name = get('SIDECAR_NAME');
  if (!isDns1123Label(name)) problems.push(`SIDECAR_NAME="${name}" must be a DNS label (lower-case letters, digits, -; at most 63)`);
  const portName = get('SIDECAR_PORT_NAME');
  if (!isPortName(portName)) problems.push(`SIDECAR_PORT_NAME="${portName}" must be a port name (at most 15 lower-case letters, digits, -)`);

  const injector: InjectorSettings = {
    annotationPrefix,
    sidecar: {
      name,
      port: integer('SIDECAR_PORT', 1, 65535),
      portName,
      resources: {
        requests: { cpu: quantity('SIDECAR_CPU_REQUEST'), memory: quantity('SIDECAR_MEMORY_REQUEST') },
        limits: { cpu: quantity('SIDECAR_CPU_LIMIT'), memory: quantity('SIDECAR_MEMORY_LIMIT') },
      },
      extra: extraFields(env.SIDECAR_CONTAINER_JSON, problems),
    },
    upgradeOnUpdate: flag('UPGRADE_ON_UPDATE'),
    nativeSidecar: flag('NATIVE_SIDECAR'),
    skipHostNetwork: flag('SKIP_HOST_NETWORK'),
    skipMirrorPods: flag('SKIP_MIRROR_PODS'),
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

function releaseSettings(
  env: Env,
  get: (name: keyof typeof DEFAULTS) => string,
  flag: (name: keyof typeof DEFAULTS) => boolean,
  integer: (name: keyof typeof DEFAULTS, min: number, max: number) => number,
  problems: string[],
): ReleaseSettings {
  const versionParameter = env.SSM_VERSION_PARAMETER?.trim();
  const imageParameter = env.SSM_IMAGE_PARAMETER?.trim();
  if (!versionParameter && !imageParameter) {
    const version = get('SIDECAR_VERSION');
    const image = get('SIDECAR_IMAGE');
    const resolved = resolveSidecarImage(image, version);
    if ('error' in resolved) problems.push(`SIDECAR_IMAGE/SIDECAR_VERSION: ${resolved.error}`);
    return { source: 'environment', release: { version, image: 'image' in resolved ? resolved.image : image } };
  }
  if (!versionParameter || !imageParameter) {
    problems.push('SSM_VERSION_PARAMETER and SSM_IMAGE_PARAMETER go together: set both, or neither to take SIDECAR_VERSION and SIDECAR_IMAGE');
  }
  for (const [variable, value] of [['SSM_VERSION_PARAMETER', versionParameter], ['SSM_IMAGE_PARAMETER', imageParameter]] as const) {
    if (value && !SSM_NAME.test(value) && !SSM_ARN.test(value)) problems.push(`${variable}="${value}" is not an SSM parameter name or ARN`);
  }
  if (versionParameter && versionParameter === imageParameter) {
    problems.push('SSM_VERSION_PARAMETER and SSM_IMAGE_PARAMETER name the same parameter: the version and the image need one each');
  }
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || '';
  if (!region) problems.push('SSM parameters are configured but AWS_REGION is not set');
  return {
    source: 'ssm',
    versionParameter: versionParameter ?? '',
    imageParameter: imageParameter ?? '',
    cacheTtlMs: integer('SSM_CACHE_TTL_SECONDS', 1, 86_400) * 1000,
    withDecryption: flag('SSM_WITH_DECRYPTION'),
    region,
  };
}

function extraFields(text: string | undefined, problems: string[]): JsonObject {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    problems.push(`SIDECAR_CONTAINER_JSON is not valid JSON: ${(error as Error).message}`);
    return {};
  }
  if (!isPlainObject(value)) {
    problems.push('SIDECAR_CONTAINER_JSON must be a JSON object of container fields, such as {"args": ["--verbose"]}');
    return {};
  }
  const reserved = RESERVED_FIELDS.filter((field) => field in value);
  if (reserved.length > 0) {
    problems.push(`SIDECAR_CONTAINER_JSON may not set ${reserved.join(', ')}: they have their own settings`);
  }
  const others = Object.fromEntries(Object.entries(value).filter(([field]) => !RESERVED_FIELDS.includes(field)));
  for (const problem of containerFieldProblems(others)) problems.push(`SIDECAR_CONTAINER_JSON: ${problem}`);
  return value;
}

import type { SSMClient } from '@aws-sdk/client-ssm';
import type { CanaryRelease } from '../core/fleet/cohort.ts';
import type { InjectorConfig } from '../core/injector-config.ts';
import { ReleaseUnavailableError } from '../shell/release-source.ts';
import { settingsFromEnv, SettingsError, type Settings } from '../shell/settings.ts';
import { createSsmClient } from '../shell/ssm-client.ts';
import { ssmReleaseSource } from '../shell/ssm-release-source.ts';
import { yamlTemplateReader } from '../shell/yaml-template-reader.ts';
import { CliError, EXIT } from './exit-codes.ts';

/**
 * The webhook's configuration as the CLI's commands see it: the webhook's own environment
 * variables (README, Configuration), with the release from the flags when given, else from SSM
 * when SSM_VERSION_PARAMETER/SSM_IMAGE_PARAMETER are set (one GetParameters, the same release
 * source the function uses), else from SIDECAR_VERSION/SIDECAR_IMAGE.
 */

export interface ReleaseFlags {
  sidecarVersion?: string;
  sidecarImage?: string;
  native?: boolean;
}

export interface CliConfig {
  settings: Settings;
  config: InjectorConfig;
  /** The canary in SSM, when there is one (offline flags never have one). */
  canary?: CanaryRelease;
  /** Where the release came from, for the report on stderr. */
  releaseFrom: string;
}

type Env = Record<string, string | undefined>;

export async function loadCliConfig(env: Env, flags: ReleaseFlags, ssmClient?: Pick<SSMClient, 'send'>): Promise<CliConfig> {
  const cliEnv: Env = { ...env };
  const fromFlags = flags.sidecarVersion !== undefined || flags.sidecarImage !== undefined;
  if (fromFlags) {
    cliEnv.SSM_VERSION_PARAMETER = undefined;
    cliEnv.SSM_IMAGE_PARAMETER = undefined;
    if (flags.sidecarVersion !== undefined) cliEnv.SIDECAR_VERSION = flags.sidecarVersion;
    if (flags.sidecarImage !== undefined) cliEnv.SIDECAR_IMAGE = flags.sidecarImage;
  }
  if (flags.native) cliEnv.NATIVE_SIDECAR = 'true';
  let settings: Settings;
  try {
    settings = settingsFromEnv(cliEnv, yamlTemplateReader);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    const problems = error.problems.map((p) => (fromFlags ? p.replace(/^SIDECAR_IMAGE\/SIDECAR_VERSION/, '--sidecar-image/--sidecar-version') : p));
    throw new CliError(EXIT.USAGE, `invalid settings:\n  ${problems.join('\n  ')}`);
  }
  const release = settings.release;
  if (release.source === 'environment') {
    const from = fromFlags ? 'flags' : env.SIDECAR_VERSION || env.SIDECAR_IMAGE ? 'SIDECAR_VERSION/SIDECAR_IMAGE' : 'defaults';
    return { settings, config: { ...settings.injector, release: release.release }, releaseFrom: from };
  }
  const source = ssmReleaseSource({
    client: ssmClient ?? createSsmClient(release.region),
    versionParameter: release.versionParameter,
    imageParameter: release.imageParameter,
    ...(release.canaryParameter ? { canaryParameter: release.canaryParameter } : {}),
    ttlMs: release.cacheTtlMs,
    withDecryption: release.withDecryption,
  });
  try {
    const current = await source.current();
    const parameters = [release.versionParameter, release.imageParameter, ...(release.canaryParameter ? [release.canaryParameter] : [])];
    return {
      settings,
      config: { ...settings.injector, release: current.release },
      ...(current.canary ? { canary: current.canary } : {}),
      releaseFrom: `SSM ${parameters.join(', ')}`,
    };
  } catch (error) {
    if (error instanceof ReleaseUnavailableError) throw new CliError(EXIT.UNAVAILABLE, `${error.message} (or give --sidecar-version to work offline)`);
    throw error;
  }
}

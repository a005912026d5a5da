import type { SSMClient } from '@aws-sdk/client-ssm';
import { staticReleaseSource, type ReleaseSource } from './release-source.ts';
import { createReviewService, errorAnswer, type ReviewService } from './review-service.ts';
import { settingsFromEnv, type Settings, type TemplateFileReader } from './settings.ts';
import { createSsmClient } from './ssm-client.ts';
import { createReleaseVerifier } from './release-verifier.ts';
import { ssmReleaseSource } from './ssm-release-source.ts';
import { createTelemetry, type Telemetry } from './telemetry.ts';

/**
 * Wires the shell together from the environment; shared by the Lambda handler and the local
 * server so both serve exactly the same behaviour.
 */

export interface Runtime {
  service: ReviewService;
  telemetry: Telemetry;
  /** Undefined when the settings were rejected: every request then gets a 500 naming them. */
  settings?: Settings;
  /** Where the sidecar release comes from; undefined when the settings were rejected. */
  releaseSource?: ReleaseSource;
}

export interface RuntimeOptions {
  env?: Record<string, string | undefined>;
  /** Tests inject a client; otherwise the real one is made from the settings. */
  ssmClient?: Pick<SSMClient, 'send'>;
  telemetry?: Telemetry;
  /** How SIDECAR_TEMPLATE_FILE is read; by default the file system, JSON only (the Lambda). */
  templateReader?: TemplateFileReader;
}

export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const env = options.env ?? process.env;
  const telemetry = options.telemetry ?? createTelemetry(env);
  let settings: Settings;
  try {
    settings = settingsFromEnv(env, options.templateReader);
  } catch (error) {
    const message = (error as Error).message;
    telemetry.logger.error(`webhook cannot start: ${message}`);
    return { telemetry, service: misconfigured(message, telemetry) };
  }
  const releaseSource = makeReleaseSource(settings, telemetry, options.ssmClient);
  return { settings, telemetry, releaseSource, service: createReviewService({ settings, releaseSource, telemetry }) };
}

function makeReleaseSource(settings: Settings, telemetry: Telemetry, client?: Pick<SSMClient, 'send'>): ReleaseSource {
  const release = settings.release;
  if (release.source === 'environment') return staticReleaseSource(release.release);
  return ssmReleaseSource({
    client: client ?? createSsmClient(release.region),
    versionParameter: release.versionParameter,
    imageParameter: release.imageParameter,
    ...(release.canaryParameter ? { canaryParameter: release.canaryParameter } : {}),
    ttlMs: release.cacheTtlMs,
    withDecryption: release.withDecryption,
    ...(release.verify ? { verify: createReleaseVerifier({ platforms: release.verify.platforms }) } : {}),
    onRefresh: (event) => telemetry.releaseRefreshed(event),
  });
}

function misconfigured(message: string, telemetry: Telemetry): ReviewService {
  const answer = errorAnswer(500, `webhook misconfigured: ${message}`);
  return {
    async handle() {
      telemetry.failed({ status: 500, error: `webhook misconfigured: ${message}`, durationMs: 0 });
      return answer;
    },
  };
}

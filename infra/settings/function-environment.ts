import { BUNDLED_TEMPLATE_FILE } from './sidecar-template.ts';
import type { SidecarInjectorSettings } from './settings.ts';

/**
 * The function's environment, built from the settings: the contract with functions/ (its
 * settings module reads exactly these variables). The release (image and version) always comes
 * from the two SSM parameters, so SIDECAR_IMAGE and SIDECAR_VERSION are not set; the template
 * comes as a file in the bundle, with the shorthand settings already applied to it.
 * `pathToken`: the deployed token, a CloudFormation token when generated at deploy.
 */
export function functionEnvironment(
  settings: SidecarInjectorSettings,
  sidecarName: string,
  pathToken: string | undefined = settings.pathToken,
): Record<string, string> {
  const env: Record<string, string> = {
    ANNOTATION_PREFIX: settings.annotationPrefix,
    SIDECAR_NAME: sidecarName,
    // The resolved, validated template, written into the bundle by the stack (sidecar-template.ts).
    SIDECAR_TEMPLATE_FILE: BUNDLED_TEMPLATE_FILE,
    UPGRADE_ON_UPDATE: String(settings.upgradeOnUpdate),
    NATIVE_SIDECAR: settings.nativeSidecar,
    SKIP_HOST_NETWORK: String(settings.skipHostNetwork),
    SKIP_MIRROR_PODS: String(settings.skipMirrorPods),
    SKIP_WINDOWS_PODS: String(settings.skipWindowsPods),
    KEEP_GUARANTEED_QOS: String(settings.keepGuaranteedQos),
    MAX_BODY_BYTES: String(settings.maxBodyBytes),
    SSM_VERSION_PARAMETER: settings.versionParameterName,
    SSM_IMAGE_PARAMETER: settings.imageParameterName,
    SSM_CANARY_PARAMETER: settings.canaryParameterName,
    RELEASE_VERIFY: String(settings.verifyRelease),
    SSM_CACHE_TTL_SECONDS: String(settings.ssmCacheTtlSeconds),
    SSM_WITH_DECRYPTION: String(settings.parameterKmsKeyArn !== undefined),
    POWERTOOLS_SERVICE_NAME: settings.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: settings.metricsNamespace,
    POWERTOOLS_LOG_LEVEL: settings.logLevel,
  };
  // The stack passes the deployed token (generated at deploy unless pathToken is set).
  if (pathToken !== undefined) env.WEBHOOK_PATH_TOKEN = pathToken;
  if (settings.releasePlatforms.length > 0) env.RELEASE_PLATFORMS = settings.releasePlatforms.join(',');
  return env;
}

/** Which setting feeds which variable, to word the function's own validation errors in setting names. */
export const SETTING_OF_VARIABLE: Record<string, keyof SidecarInjectorSettings> = {
  ANNOTATION_PREFIX: 'annotationPrefix',
  SIDECAR_NAME: 'sidecarName',
  SIDECAR_IMAGE: 'sidecarImage',
  SIDECAR_VERSION: 'sidecarVersion',
  UPGRADE_ON_UPDATE: 'upgradeOnUpdate',
  NATIVE_SIDECAR: 'nativeSidecar',
  SKIP_HOST_NETWORK: 'skipHostNetwork',
  SKIP_MIRROR_PODS: 'skipMirrorPods',
  SKIP_WINDOWS_PODS: 'skipWindowsPods',
  KEEP_GUARANTEED_QOS: 'keepGuaranteedQos',
  MAX_BODY_BYTES: 'maxBodyBytes',
  SSM_VERSION_PARAMETER: 'versionParameterName',
  SSM_IMAGE_PARAMETER: 'imageParameterName',
  SSM_CANARY_PARAMETER: 'canaryParameterName',
  RELEASE_VERIFY: 'verifyRelease',
  RELEASE_PLATFORMS: 'releasePlatforms',
  SSM_CACHE_TTL_SECONDS: 'ssmCacheTtlSeconds',
  SSM_WITH_DECRYPTION: 'parameterKmsKeyArn',
  WEBHOOK_PATH_TOKEN: 'pathToken',
  POWERTOOLS_SERVICE_NAME: 'serviceName',
  POWERTOOLS_METRICS_NAMESPACE: 'metricsNamespace',
  POWERTOOLS_LOG_LEVEL: 'logLevel',
};

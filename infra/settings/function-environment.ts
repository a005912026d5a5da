import type { SidecarInjectorSettings } from './settings.ts';

/**
 * The function's environment, built from the settings: the contract with functions/ (its
 * settings module reads exactly these variables). The release (image and version) always comes
 * from the two SSM parameters, so SIDECAR_IMAGE and SIDECAR_VERSION are not set.
 * `pathToken`: the deployed token, a CloudFormation token when generated at deploy.
 */
export function functionEnvironment(settings: SidecarInjectorSettings, pathToken: string | undefined = settings.pathToken): Record<string, string> {
  const env: Record<string, string> = {
    ANNOTATION_PREFIX: settings.annotationPrefix,
    SIDECAR_NAME: settings.sidecarName,
    SIDECAR_PORT: String(settings.sidecarPort),
    SIDECAR_PORT_NAME: settings.sidecarPortName,
    SIDECAR_CPU_REQUEST: settings.sidecarCpuRequest,
    SIDECAR_MEMORY_REQUEST: settings.sidecarMemoryRequest,
    SIDECAR_CPU_LIMIT: settings.sidecarCpuLimit,
    SIDECAR_MEMORY_LIMIT: settings.sidecarMemoryLimit,
    UPGRADE_ON_UPDATE: String(settings.upgradeOnUpdate),
    NATIVE_SIDECAR: String(settings.nativeSidecar),
    SKIP_HOST_NETWORK: String(settings.skipHostNetwork),
    SKIP_MIRROR_PODS: String(settings.skipMirrorPods),
    MAX_BODY_BYTES: String(settings.maxBodyBytes),
    SSM_VERSION_PARAMETER: settings.versionParameterName,
    SSM_IMAGE_PARAMETER: settings.imageParameterName,
    SSM_CACHE_TTL_SECONDS: String(settings.ssmCacheTtlSeconds),
    SSM_WITH_DECRYPTION: String(settings.parameterKmsKeyArn !== undefined),
    POWERTOOLS_SERVICE_NAME: settings.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: settings.metricsNamespace,
    POWERTOOLS_LOG_LEVEL: settings.logLevel,
  };
  if (settings.sidecarContainer !== undefined && Object.keys(settings.sidecarContainer).length > 0) {
    env.SIDECAR_CONTAINER_JSON = JSON.stringify(settings.sidecarContainer);
  }
  // The stack passes the deployed token (generated at deploy unless pathToken is set).
  if (pathToken !== undefined) env.WEBHOOK_PATH_TOKEN = pathToken;
  return env;
}

/** Which setting feeds which variable, to word the function's own validation errors in setting names. */
export const SETTING_OF_VARIABLE: Record<string, keyof SidecarInjectorSettings> = {
  ANNOTATION_PREFIX: 'annotationPrefix',
  SIDECAR_NAME: 'sidecarName',
  SIDECAR_IMAGE: 'sidecarImage',
  SIDECAR_VERSION: 'sidecarVersion',
  SIDECAR_PORT: 'sidecarPort',
  SIDECAR_PORT_NAME: 'sidecarPortName',
  SIDECAR_CPU_REQUEST: 'sidecarCpuRequest',
  SIDECAR_MEMORY_REQUEST: 'sidecarMemoryRequest',
  SIDECAR_CPU_LIMIT: 'sidecarCpuLimit',
  SIDECAR_MEMORY_LIMIT: 'sidecarMemoryLimit',
  SIDECAR_CONTAINER_JSON: 'sidecarContainer',
  UPGRADE_ON_UPDATE: 'upgradeOnUpdate',
  NATIVE_SIDECAR: 'nativeSidecar',
  SKIP_HOST_NETWORK: 'skipHostNetwork',
  SKIP_MIRROR_PODS: 'skipMirrorPods',
  MAX_BODY_BYTES: 'maxBodyBytes',
  SSM_VERSION_PARAMETER: 'versionParameterName',
  SSM_IMAGE_PARAMETER: 'imageParameterName',
  SSM_CACHE_TTL_SECONDS: 'ssmCacheTtlSeconds',
  SSM_WITH_DECRYPTION: 'parameterKmsKeyArn',
  WEBHOOK_PATH_TOKEN: 'pathToken',
  POWERTOOLS_SERVICE_NAME: 'serviceName',
  POWERTOOLS_METRICS_NAMESPACE: 'metricsNamespace',
  POWERTOOLS_LOG_LEVEL: 'logLevel',
};

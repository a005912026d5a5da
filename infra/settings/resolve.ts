import { parsePlatforms } from '../../functions/core/release-check.ts';
import { isIP } from 'node:net';
import { Token } from 'aws-cdk-lib';
import { MAX_ENFORCEABLE_BODY_BYTES } from '../../functions/shell/proxy-event.ts';
import { settingsFromEnv, SettingsError as FunctionSettingsError } from '../../functions/shell/settings.ts';
import { settingsProblems as webhookProblems, type WebhookConfigurationSettings } from '../webhook-config/render.ts';
import { functionEnvironment, SETTING_OF_VARIABLE } from './function-environment.ts';
import { resolveSidecarTemplate } from './sidecar-template.ts';
import { DEFAULT_SETTINGS, SETTING_KEYS, SettingsError, type SidecarInjectorSettings } from './settings.ts';

/**
 * Defaults plus the given settings, validated. Every problem is collected and reported at once,
 * each naming the setting (= context key), so `cdk synth` fails with one clear list.
 */
export function resolveSettings(given: Partial<SidecarInjectorSettings> = {}): SidecarInjectorSettings {
  const problems: string[] = [];
  for (const key of Object.keys(given)) {
    if (!(SETTING_KEYS as string[]).includes(key)) problems.push(`unknown setting "${key}"`);
  }
  const settings = { ...DEFAULT_SETTINGS } as SidecarInjectorSettings;
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  }
  problems.push(...settingsProblems(settings));
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

/** What the renderer of the cluster's manifest takes, from the stack's settings. */
export function webhookRenderSettings(settings: SidecarInjectorSettings, url: string): WebhookConfigurationSettings {
  // The CEL must name the sidecar the function serves: the template's (possibly its only container).
  const resolved = resolveSidecarTemplate(settings);
  const template = 'template' in resolved ? resolved.template : undefined;
  return {
    url,
    name: settings.webhookConfigurationName,
    webhookName: webhookNameOf(settings),
    upgradeOnUpdate: settings.upgradeOnUpdate,
    failurePolicy: settings.failurePolicy,
    timeoutSeconds: settings.webhookTimeoutSeconds,
    reinvocationPolicy: settings.reinvocationPolicy,
    matchPolicy: settings.matchPolicy,
    objectSelector: settings.objectSelector,
    ...(settings.namespaceSelector !== undefined ? { namespaceSelector: settings.namespaceSelector } : {}),
    excludedNamespaces: settings.excludedNamespaces,
    sidecarName: template?.sidecarName ?? settings.sidecarName,
    templateVolumeNames: (template?.fragment.volumes ?? []).map((v) => String(v.name)),
    annotationPrefix: settings.annotationPrefix,
    skipHostNetwork: settings.skipHostNetwork,
    skipMirrorPods: settings.skipMirrorPods,
    failOpen: settings.failOpen,
  };
}

/** The webhook's name in the cluster, derived from the annotation prefix unless set. */
export function webhookNameOf(settings: SidecarInjectorSettings): string {
  return settings.webhookName ?? `sidecar-injector.${settings.annotationPrefix}`;
}

const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];
const SSM_NAME = /^[a-zA-Z0-9_.\-/]{1,1011}$/;
const ARN_PARTITION = 'arn:aws[a-z-]*';
const PATTERNS = {
  kmsKey: new RegExp(`^${ARN_PARTITION}:kms:[a-z0-9-]+:\\d{12}:key/[0-9a-f-]{36}$|^${ARN_PARTITION}:kms:[a-z0-9-]+:\\d{12}:key/mrk-[0-9a-f]{32}$`),
  snsTopic: new RegExp(`^${ARN_PARTITION}:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}$`),
  iamRole: new RegExp(`^${ARN_PARTITION}:iam::\\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`),
  lambdaLayer: new RegExp(`^${ARN_PARTITION}:lambda:[a-z0-9-]+:\\d{12}:layer:[A-Za-z0-9_-]{1,140}:\\d+$`),
  eksCluster: /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/,
  webAcl: new RegExp(`^${ARN_PARTITION}:wafv2:[a-z0-9-]+:\\d{12}:regional/webacl/[A-Za-z0-9_-]{1,128}/[0-9a-f-]{36}$`),
  vpcEndpoint: /^vpce-[0-9a-f]{8,17}$/,
  pathToken: /^[A-Za-z0-9_-]{16,128}$/,
  stageName: /^[A-Za-z0-9_-]{1,128}$/,
  stackName: /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
  serviceName: /^[A-Za-z0-9_.-]{1,128}$/,
  metricsNamespace: /^[A-Za-z0-9.\-_/#:]{1,255}$/,
};

export function settingsProblems(s: SidecarInjectorSettings): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string): void => {
    if (!ok) problems.push(problem);
  };
  const integer = (key: keyof SidecarInjectorSettings, min: number, max: number, why = ''): void => {
    const value = s[key];
    check(typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max, `${key}=${String(value)} must be a whole number from ${min} to ${max}${why}`);
  };
  const matches = (key: keyof SidecarInjectorSettings, pattern: RegExp, what: string): void => {
    const value = s[key];
    // A token (an ARN of a construct made in the same app, e.g. the construct's alarmTopic) is known at deploy only.
    if (value === undefined || Token.isUnresolved(value)) return;
    check(typeof value === 'string' && pattern.test(value), `${key}="${String(value)}" must be ${what}`);
  };
  const oneOf = (key: keyof SidecarInjectorSettings, allowed: readonly unknown[]): void => {
    check(allowed.includes(s[key]), `${key}="${String(s[key])}" must be one of ${allowed.join(', ')}`);
  };

  matches('stackName', PATTERNS.stackName, 'a CloudFormation stack name (letters, digits, -; starting with a letter)');

  // The timeout chain: the function gives up first, so API Gateway returns its error instead of
  // cutting the call; API Gateway answers before the API server stops waiting.
  integer('memorySize', 128, 10240, ' (MB)');
  integer('functionTimeoutSeconds', 1, 28);
  integer('integrationTimeoutSeconds', 1, 29, ' (the API Gateway integration limit)');
  integer('webhookTimeoutSeconds', 1, 30, ' (the Kubernetes limit)');
  if (problems.length === 0) {
    check(
      s.functionTimeoutSeconds < s.integrationTimeoutSeconds && s.integrationTimeoutSeconds < s.webhookTimeoutSeconds,
      `timeouts must satisfy functionTimeoutSeconds (${s.functionTimeoutSeconds}) < integrationTimeoutSeconds (${s.integrationTimeoutSeconds}) < webhookTimeoutSeconds (${s.webhookTimeoutSeconds})`,
    );
  }
  integer('provisionedConcurrency', 0, 10000);
  integer('reservedConcurrency', 1, 10000, ' (0 would stop every admission call); size it as throttleRateLimit x 0.2 s, see the capacity model');
  if (typeof s.reservedConcurrency === 'number' && typeof s.provisionedConcurrency === 'number') {
    check(s.provisionedConcurrency <= s.reservedConcurrency, `provisionedConcurrency (${s.provisionedConcurrency}) cannot exceed reservedConcurrency (${s.reservedConcurrency})`);
  }
  oneOf('logRetentionDays', RETENTION_DAYS);
  oneOf('logLevel', LOG_LEVELS);
  matches('serviceName', PATTERNS.serviceName, 'letters, digits, _ . - (at most 128)');
  matches('metricsNamespace', PATTERNS.metricsNamespace, 'a CloudWatch namespace');
  check(typeof s.metricsNamespace !== 'string' || !s.metricsNamespace.startsWith('AWS/'), `metricsNamespace="${s.metricsNamespace}" may not start with AWS/ (reserved for AWS services)`);

  // Release parameters.
  check(typeof s.createParameters === 'boolean', 'createParameters must be true or false');
  for (const key of ['versionParameterName', 'imageParameterName', 'canaryParameterName'] as const) {
    const name = s[key];
    check(
      typeof name === 'string' && SSM_NAME.test(name) && !/^\/?(aws|ssm)/i.test(name) && !name.endsWith('/') && (!name.includes('/') || name.startsWith('/')),
      `${key}="${String(name)}" must be an SSM parameter name (letters, digits, _ . - /; a hierarchical name starts with /; not starting with aws or ssm)`,
    );
  }
  check(s.versionParameterName !== s.imageParameterName, 'versionParameterName and imageParameterName must be different parameters');
  check(
    s.canaryParameterName !== s.versionParameterName && s.canaryParameterName !== s.imageParameterName,
    'canaryParameterName must be a parameter of its own, not the version or image parameter',
  );
  check(typeof s.verifyRelease === 'boolean', 'verifyRelease must be true or false');
  const drift = [s.driftClusterName, s.driftClusterEndpoint, s.driftClusterCertificateAuthority];
  check(drift.every((v) => v === undefined) || drift.every((v) => v !== undefined), 'driftClusterName, driftClusterEndpoint and driftClusterCertificateAuthority go together: set all three for the drift check, or none');
  check(s.driftClusterEndpoint === undefined || /^https:\/\/[^\s/]+/.test(s.driftClusterEndpoint), `driftClusterEndpoint="${String(s.driftClusterEndpoint)}" must be the cluster's https endpoint`);
  check(s.driftClusterName === undefined || /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/.test(s.driftClusterName), `driftClusterName="${String(s.driftClusterName)}" is not an EKS cluster name`);
  check(
    s.driftClusterCertificateAuthority === undefined || Buffer.from(s.driftClusterCertificateAuthority, 'base64').toString('utf8').includes('-----BEGIN CERTIFICATE-----'),
    'driftClusterCertificateAuthority must be the base64 PEM of the cluster CA (certificateAuthority.data)',
  );
  check(Number.isInteger(s.driftScheduleMinutes) && s.driftScheduleMinutes >= 1 && s.driftScheduleMinutes <= 1440, `driftScheduleMinutes=${String(s.driftScheduleMinutes)} must be a whole number from 1 to 1440`);
  check(Array.isArray(s.releasePlatforms), 'releasePlatforms must be a list of platforms such as linux/amd64');
  if (Array.isArray(s.releasePlatforms)) {
    const platforms = parsePlatforms(s.releasePlatforms.join(','));
    if ('error' in platforms) problems.push(`releasePlatforms: ${platforms.error}`);
    else if (!s.verifyRelease && platforms.length > 0) problems.push('releasePlatforms is set but verifyRelease is false: the platforms would not be checked');
  }
  matches('parameterKmsKeyArn', PATTERNS.kmsKey, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>; aliases cannot be granted)');
  if (s.parameterKmsKeyArn !== undefined && s.createParameters) {
    problems.push('parameterKmsKeyArn is set but createParameters is true: CloudFormation cannot create SecureString parameters. Create them with `aws ssm put-parameter --type SecureString --key-id ...` and set createParameters=false');
  }
  integer('ssmCacheTtlSeconds', 1, 86400);

  // Endpoint.
  oneOf('endpointMode', ['regional', 'private']);
  check(Array.isArray(s.allowedSourceCidrs), 'allowedSourceCidrs must be a list of CIDRs');
  check(Array.isArray(s.vpcEndpointIds), 'vpcEndpointIds must be a list of VPC endpoint ids');
  for (const cidr of Array.isArray(s.allowedSourceCidrs) ? s.allowedSourceCidrs : []) {
    const problem = cidrProblem(cidr);
    if (problem) problems.push(`allowedSourceCidrs: ${problem}`);
  }
  for (const id of Array.isArray(s.vpcEndpointIds) ? s.vpcEndpointIds : []) {
    check(PATTERNS.vpcEndpoint.test(id), `vpcEndpointIds: "${id}" is not a VPC endpoint id (vpce-0123456789abcdef0)`);
  }
  if (s.endpointMode === 'private') {
    check(s.vpcEndpointIds.length > 0, 'endpointMode=private needs vpcEndpointIds: the execute-api VPC endpoints the cluster calls through');
    check(s.allowedSourceCidrs.length === 0, 'allowedSourceCidrs applies to the regional endpoint only (aws:SourceIp is not the caller address through a VPC endpoint); remove it, or use endpointMode=regional');
  } else if (s.endpointMode === 'regional') {
    check(s.vpcEndpointIds.length === 0, 'vpcEndpointIds applies to endpointMode=private only; set endpointMode=private, or remove them');
  }
  if (s.urlVpcEndpointId !== undefined) {
    check(
      s.endpointMode === 'private' && Array.isArray(s.vpcEndpointIds) && s.vpcEndpointIds.includes(s.urlVpcEndpointId),
      `urlVpcEndpointId="${s.urlVpcEndpointId}" must be one of vpcEndpointIds, with endpointMode=private`,
    );
  }
  matches('pathToken', PATTERNS.pathToken, '16 to 128 letters, digits, _ or - (it is a URL path segment); e.g. openssl rand -hex 24');
  matches('stageName', PATTERNS.stageName, 'an API Gateway stage name (letters, digits, _ and -)');
  check(typeof s.firewall === 'boolean', 'firewall must be true or false');
  if (s.firewall === true && s.webAclArn !== undefined) {
    problems.push('webAclArn is set but firewall is true: a stage takes one web ACL. Set firewall=false to attach your own (it must then allow only POST .../mutate/<token>), or remove webAclArn');
  }
  matches('webAclArn', PATTERNS.webAcl, 'a regional WAFv2 web ACL ARN (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>)');
  check(typeof s.throttleRateLimit === 'number' && s.throttleRateLimit > 0 && s.throttleRateLimit <= 10000, `throttleRateLimit=${String(s.throttleRateLimit)} must be a number of requests per second above 0 and at most 10000`);
  integer('throttleBurstLimit', 1, 5000);

  // Function behaviour.
  check(typeof s.createApiGatewayLoggingRole === 'boolean', 'createApiGatewayLoggingRole must be true or false');
  check(typeof s.upgradeOnUpdate === 'boolean', 'upgradeOnUpdate must be true or false');
  oneOf('nativeSidecar', ['auto', 'true', 'false']);
  check(typeof s.skipHostNetwork === 'boolean', 'skipHostNetwork must be true or false');
  check(typeof s.skipMirrorPods === 'boolean', 'skipMirrorPods must be true or false');
  check(typeof s.skipWindowsPods === 'boolean', 'skipWindowsPods must be true or false');
  check(typeof s.keepGuaranteedQos === 'boolean', 'keepGuaranteedQos must be true or false');
  integer(
    'maxBodyBytes',
    1024,
    MAX_ENFORCEABLE_BODY_BYTES,
    ' (the body reaches the function inside a 6 MB event, escaped or base64: above 4 MiB the function could not answer its own 413)',
  );
  if (problems.length === 0) problems.push(...functionEnvironmentProblems(s));

  // The MutatingWebhookConfiguration: the renderer's own rules, worded with setting names.
  const webhook = webhookProblems(webhookRenderSettings(s, 'https://validation.invalid/mutate'));
  // The injector's own keys are checked with the function's rules above; report them once.
  const checkedAbove = /^(timeoutSeconds|upgradeOnUpdate|sidecarName|annotationPrefix|skipHostNetwork|skipMirrorPods)\b/;
  problems.push(...webhook.filter((p) => !checkedAbove.test(p)).map((p) => p.replace(/^name "/, 'webhookConfigurationName "')));
  check(typeof s.failOpen === 'boolean', 'failOpen must be true or false');

  // Alarms.
  check(
    typeof s.latencyAlarmThresholdMs === 'number' && s.latencyAlarmThresholdMs > 0 && s.latencyAlarmThresholdMs < s.webhookTimeoutSeconds * 1000,
    `latencyAlarmThresholdMs=${String(s.latencyAlarmThresholdMs)} must be above 0 and below the webhook timeout (${s.webhookTimeoutSeconds * 1000} ms)`,
  );
  matches('alarmTopicArn', PATTERNS.snsTopic, 'an SNS topic ARN');

  // EKS: all three or none.
  const eks = [s.eksClusterName, s.eksKubectlRoleArn, s.eksKubectlLayerArn];
  if (eks.some((v) => v !== undefined) && !eks.every((v) => v !== undefined)) {
    problems.push('eksClusterName, eksKubectlRoleArn and eksKubectlLayerArn go together: set all three to apply the configuration to the cluster, or none');
  }
  matches('eksClusterName', PATTERNS.eksCluster, 'an EKS cluster name');
  matches('eksKubectlRoleArn', PATTERNS.iamRole, 'an IAM role ARN');
  matches('eksKubectlLayerArn', PATTERNS.lambdaLayer, 'a Lambda layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)');
  return problems;
}

function cidrProblem(cidr: string): string | undefined {
  const [address, prefix, ...rest] = cidr.split('/');
  const family = isIP(address ?? '');
  const bits = family === 4 ? 32 : family === 6 ? 128 : 0;
  if (family === 0 || rest.length > 0 || prefix === undefined || !/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) {
    return `"${cidr}" is not a CIDR such as 203.0.113.10/32`;
  }
  if (Number(prefix) === 0) return `"${cidr}" allows every address; leave allowedSourceCidrs empty to run an open endpoint deliberately`;
  return undefined;
}

/**
 * The function's own settings parser, run at synth on the environment the stack will give it,
 * so a value the function would refuse at start fails the synth instead of every admission.
 */
function functionEnvironmentProblems(s: SidecarInjectorSettings): string[] {
  const resolved = resolveSidecarTemplate(s);
  if ('problems' in resolved) return resolved.problems;
  const problems: string[] = [];
  const collect = (candidate: Record<string, string>): void => {
    try {
      settingsFromEnv({ ...candidate, AWS_REGION: 'us-east-1' });
    } catch (error) {
      if (!(error instanceof FunctionSettingsError)) throw error;
      problems.push(...error.problems.map(inSettingNames));
    }
  };
  // The template file is written into the bundle later; its content was checked just above.
  const { SIDECAR_TEMPLATE_FILE: _bundled, ...rest } = functionEnvironment(s, resolved.template.sidecarName);
  collect(rest);
  // The initial release goes into the parameters the stack creates: check it the same way.
  if (s.createParameters) collect({ SIDECAR_IMAGE: s.sidecarImage, SIDECAR_VERSION: s.sidecarVersion });
  return problems;
}

function inSettingNames(problem: string): string {
  return problem.replace(/\b[A-Z][A-Z0-9_]+\b/g, (variable) => SETTING_OF_VARIABLE[variable] ?? variable);
}

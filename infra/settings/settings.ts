import type { LabelSelector } from '../webhook-config/label-selector.ts';
import { WEBHOOK_CONFIGURATION_DEFAULTS } from '../webhook-config/render.ts';

/**
 * Every setting of the stack: one typed field each, its default, and how it is read from CDK
 * context (`cdk.json` or `-c key=value`; the context key is the field name).
 */
export interface SidecarInjectorSettings {
  // --- Deployment
  /** CloudFormation stack name. */
  stackName: string;

  // --- The function
  /** MB. CPU scales with memory: 1024 MB gives fast cold starts and JSON handling of large pods for a negligible cost. */
  memorySize: number;
  /** Lambda timeout; must be below integrationTimeoutSeconds. */
  functionTimeoutSeconds: number;
  /** API Gateway integration timeout (at most 29); must be below webhookTimeoutSeconds. */
  integrationTimeoutSeconds: number;
  /** The webhook's timeoutSeconds in the cluster (1 to 30). */
  webhookTimeoutSeconds: number;
  /** Pre-initialised environments on the `live` alias; 0 for none. */
  provisionedConcurrency: number;
  /**
   * Reserved concurrency: the ceiling on concurrent invocations, hence on the bill, and what the
   * webhook can never take from the account's other functions (nor they from it). Sized from the
   * capacity model: throttleRateLimit x 0.2 s (a pessimistic call with cold starts in the mix).
   */
  reservedConcurrency: number;
  logRetentionDays: number;
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'CRITICAL' | 'SILENT';
  /** Powertools service name: the `service` dimension of every metric. */
  serviceName: string;
  /** CloudWatch namespace of the function's metrics. */
  metricsNamespace: string;

  // --- The sidecar and the injector's behaviour (function environment)
  annotationPrefix: string;
  /**
   * A YAML or JSON file holding the sidecar template (a pod fragment: initContainers,
   * containers, volumes, imagePullSecrets), relative to the directory `cdk` runs in. Validated at
   * synth with the function's own validator and shipped inside the function's bundle. Unset: the
   * built-in template (or `sidecarTemplate`).
   */
  sidecarTemplateFile?: string;
  /** The sidecar template as an object, for apps that build it in code; exclusive with sidecarTemplateFile. */
  sidecarTemplate?: Record<string, unknown>;
  /** The template's container that takes the release's image; defaults to my-sidecar, or the template's only container. */
  sidecarName?: string;
  /** Initial value of the image parameter (when the stack creates it): a repository or a full reference. */
  sidecarImage: string;
  /** Initial value of the version parameter (when the stack creates it). */
  sidecarVersion: string;
  // Shorthands: each edits the sidecar container of the template; unset, the template's value stands.
  sidecarPort?: number;
  sidecarPortName?: string;
  sidecarCpuRequest?: string;
  sidecarMemoryRequest?: string;
  sidecarCpuLimit?: string;
  sidecarMemoryLimit?: string;
  /** Container fields (env, args, securityContext, ...) merged into the template's sidecar. */
  sidecarContainer?: Record<string, unknown>;
  upgradeOnUpdate: boolean;
  /** auto: native sidecars (init containers with restartPolicy Always) in run-to-completion pods; true: in every pod; false: never. */
  nativeSidecar: 'auto' | 'true' | 'false';
  skipHostNetwork: boolean;
  skipMirrorPods: boolean;
  /** Leave Windows pods alone; false injects them without the Linux-only security fields. */
  skipWindowsPods: boolean;
  /** Keep Guaranteed pods Guaranteed by giving the injected containers requests equal to their limits. */
  keepGuaranteedQos: boolean;
  maxBodyBytes: number;

  // --- Release parameters in SSM
  /** true: the stack creates both parameters with the initial values; false: they exist already. */
  createParameters: boolean;
  versionParameterName: string;
  imageParameterName: string;
  /** The optional canary (`{"version": "1.4.0", "percent": 30}`, or `none`), read with the release. */
  canaryParameterName: string;
  /** Serve a new release only once its image is in its registry (ECR through the SDK, others through the OCI API). */
  verifyRelease: boolean;
  /** Platforms the nodes run (`linux/amd64`, `linux/arm64`): a new release must cover each; empty: it only has to exist. */
  releasePlatforms: string[];
  /** KMS key ARN of SecureString parameters; set only with createParameters=false. */
  parameterKmsKeyArn?: string;
  ssmCacheTtlSeconds: number;

  // --- The endpoint
  /** regional: public endpoint, restricted by allowedSourceCidrs; private: reachable only through vpcEndpointIds. */
  endpointMode: 'regional' | 'private';
  /** Source CIDRs allowed to call the regional endpoint (the cluster's NAT egress addresses). */
  allowedSourceCidrs: string[];
  /** execute-api VPC endpoint ids allowed to call the private endpoint. */
  vpcEndpointIds: string[];
  /**
   * Private mode: put the endpoint-specific hostname (https://<api>-<vpce>.execute-api...) in the
   * webhook URL, for VPCs where the execute-api endpoint has no private DNS. One of vpcEndpointIds.
   */
  urlVpcEndpointId?: string;
  /**
   * The URL's last path segment (16 to 128 of A-Z a-z 0-9 _ -). Unset (recommended): generated at
   * deploy time in Secrets Manager, never in the template or context.
   */
  pathToken?: string;
  /**
   * A WAF web ACL on the stage, evaluated before throttling: only POSTs to /mutate/<token> pass,
   * with a per-source rate limit. false to go without (or to attach your own with webAclArn).
   */
  firewall: boolean;
  stageName: string;
  /**
   * API Gateway writes access logs only when the account's API Gateway settings name a CloudWatch
   * role (one per account and region, shared by every API). true: this stack creates that role and
   * sets it (kept on stack deletion, since other APIs may rely on it). false: it must exist already.
   */
  createApiGatewayLoggingRole: boolean;
  /** ARN of your own regional WAFv2 web ACL for the stage (needs firewall=false; it must then check the path token itself). */
  webAclArn?: string;
  throttleRateLimit: number;
  throttleBurstLimit: number;

  // --- The MutatingWebhookConfiguration
  webhookConfigurationName: string;
  /** Defaults to `sidecar-injector.<annotationPrefix>`. */
  webhookName?: string;
  failurePolicy: 'Fail' | 'Ignore';
  reinvocationPolicy: 'IfNeeded' | 'Never';
  matchPolicy: 'Equivalent' | 'Exact';
  objectSelector: LabelSelector;
  namespaceSelector?: LabelSelector;
  excludedNamespaces: string[];
  /**
   * Fail open, visibly: the webhook gets failurePolicy Ignore, and a ValidatingAdmissionPolicy
   * (Kubernetes 1.30+) refuses a selected pod that arrives without the sidecar. Needs failurePolicy=Ignore.
   */
  failOpen: boolean;

  // --- Alarms
  /** p99 of API Gateway latency above this (ms, 3 periods of 1 minute) raises the latency alarm. */
  latencyAlarmThresholdMs: number;
  /** SNS topic that receives alarm and OK notifications. */
  alarmTopicArn?: string;

  // --- Optional: apply the configuration to an EKS cluster in the same deploy
  eksClusterName?: string;
  /** All three: the drift check (a scheduled function) reads this cluster's pods and publishes the drift. */
  driftClusterName?: string;
  /** The cluster's API endpoint (https), as `aws eks describe-cluster` gives it. */
  driftClusterEndpoint?: string;
  /** The cluster's CA (certificateAuthority.data: base64 PEM). */
  driftClusterCertificateAuthority?: string;
  /** How often the drift check runs (it also runs on every change of a release parameter). */
  driftScheduleMinutes: number;
  /** A role mapped to cluster-admin (system:masters) that kubectl assumes. */
  eksKubectlRoleArn?: string;
  /** A Lambda layer with /opt/kubectl/kubectl and /opt/helm/helm (e.g. from @aws-cdk/lambda-layer-kubectl-v3x). */
  eksKubectlLayerArn?: string;
}

type OptionalKeys = {
  [K in keyof SidecarInjectorSettings]-?: undefined extends SidecarInjectorSettings[K] ? K : never;
}[keyof SidecarInjectorSettings];
type RequiredSettings = Omit<SidecarInjectorSettings, OptionalKeys>;

export const DEFAULT_SETTINGS: RequiredSettings = {
  stackName: 'SidecarInjector',
  memorySize: 1024,
  functionTimeoutSeconds: 7,
  integrationTimeoutSeconds: 9,
  webhookTimeoutSeconds: 10,
  provisionedConcurrency: 0,
  reservedConcurrency: 100,
  logRetentionDays: 30,
  logLevel: 'INFO',
  serviceName: 'sidecar-injector',
  metricsNamespace: 'SidecarInjector',
  annotationPrefix: 'injector.my-company.com',
  sidecarImage: 'my-org/my-sidecar',
  sidecarVersion: '1.2.1',
  upgradeOnUpdate: false,
  nativeSidecar: 'auto',
  skipHostNetwork: true,
  skipMirrorPods: true,
  skipWindowsPods: true,
  keepGuaranteedQos: true,
  maxBodyBytes: 4 * 1024 * 1024,
  createParameters: true,
  versionParameterName: '/sidecar-injector/version',
  imageParameterName: '/sidecar-injector/image',
  canaryParameterName: '/sidecar-injector/canary',
  verifyRelease: true,
  releasePlatforms: [],
  driftScheduleMinutes: 5,
  ssmCacheTtlSeconds: 30,
  endpointMode: 'regional',
  allowedSourceCidrs: [],
  vpcEndpointIds: [],
  stageName: 'prod',
  createApiGatewayLoggingRole: false,
  firewall: true,
  throttleRateLimit: 500,
  throttleBurstLimit: 1000,
  webhookConfigurationName: WEBHOOK_CONFIGURATION_DEFAULTS.name,
  failurePolicy: WEBHOOK_CONFIGURATION_DEFAULTS.failurePolicy,
  reinvocationPolicy: WEBHOOK_CONFIGURATION_DEFAULTS.reinvocationPolicy,
  matchPolicy: WEBHOOK_CONFIGURATION_DEFAULTS.matchPolicy,
  objectSelector: structuredClone(WEBHOOK_CONFIGURATION_DEFAULTS.objectSelector),
  excludedNamespaces: [...WEBHOOK_CONFIGURATION_DEFAULTS.excludedNamespaces],
  failOpen: false,
  latencyAlarmThresholdMs: 1000,
};

/** How a context value is read: `-c` always gives strings, cdk.json may give JSON types. */
export type SettingKind = 'string' | 'number' | 'boolean' | 'stringList' | 'object';

export const SETTING_KINDS: Record<keyof SidecarInjectorSettings, SettingKind> = {
  stackName: 'string',
  memorySize: 'number',
  functionTimeoutSeconds: 'number',
  integrationTimeoutSeconds: 'number',
  webhookTimeoutSeconds: 'number',
  provisionedConcurrency: 'number',
  reservedConcurrency: 'number',
  logRetentionDays: 'number',
  logLevel: 'string',
  serviceName: 'string',
  metricsNamespace: 'string',
  annotationPrefix: 'string',
  sidecarTemplateFile: 'string',
  sidecarTemplate: 'object',
  sidecarName: 'string',
  sidecarImage: 'string',
  sidecarVersion: 'string',
  sidecarPort: 'number',
  sidecarPortName: 'string',
  sidecarCpuRequest: 'string',
  sidecarMemoryRequest: 'string',
  sidecarCpuLimit: 'string',
  sidecarMemoryLimit: 'string',
  sidecarContainer: 'object',
  upgradeOnUpdate: 'boolean',
  nativeSidecar: 'string',
  skipHostNetwork: 'boolean',
  skipMirrorPods: 'boolean',
  skipWindowsPods: 'boolean',
  keepGuaranteedQos: 'boolean',
  maxBodyBytes: 'number',
  createParameters: 'boolean',
  versionParameterName: 'string',
  imageParameterName: 'string',
  canaryParameterName: 'string',
  verifyRelease: 'boolean',
  releasePlatforms: 'stringList',
  parameterKmsKeyArn: 'string',
  ssmCacheTtlSeconds: 'number',
  endpointMode: 'string',
  allowedSourceCidrs: 'stringList',
  vpcEndpointIds: 'stringList',
  urlVpcEndpointId: 'string',
  pathToken: 'string',
  stageName: 'string',
  createApiGatewayLoggingRole: 'boolean',
  firewall: 'boolean',
  webAclArn: 'string',
  throttleRateLimit: 'number',
  throttleBurstLimit: 'number',
  webhookConfigurationName: 'string',
  webhookName: 'string',
  failurePolicy: 'string',
  reinvocationPolicy: 'string',
  matchPolicy: 'string',
  objectSelector: 'object',
  namespaceSelector: 'object',
  excludedNamespaces: 'stringList',
  failOpen: 'boolean',
  latencyAlarmThresholdMs: 'number',
  alarmTopicArn: 'string',
  eksClusterName: 'string',
  driftClusterName: 'string',
  driftClusterEndpoint: 'string',
  driftClusterCertificateAuthority: 'string',
  driftScheduleMinutes: 'number',
  eksKubectlRoleArn: 'string',
  eksKubectlLayerArn: 'string',
};

export const SETTING_KEYS = Object.keys(SETTING_KINDS) as Array<keyof SidecarInjectorSettings>;

export class SettingsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      `Invalid sidecar-injector settings (set in cdk.json "context", with -c key=value, or as stack props):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { resolveSettings } from '../settings/resolve.ts';
import type { SidecarInjectorSettings } from '../settings/settings.ts';
import { selectionOf } from '../webhook-config/selection.ts';
import { ClusterRegistration } from './cluster-registration.ts';
import { DriftMonitor } from './drift-monitor.ts';
import { Monitoring } from './monitoring.ts';
import { MutateFunction } from './mutate-function.ts';
import { acknowledgeEndpointFindings } from './nag-acknowledgements.ts';
import { ReleaseParameters } from './release-parameters.ts';
import { WebhookApi, type EndpointRestriction } from './webhook-api.ts';
import { webhookManifest } from './webhook-manifest.ts';

export interface SidecarInjectorStackProps extends StackProps {
  /** Any subset of the settings; the rest take their defaults. Validated here. */
  settings?: Partial<SidecarInjectorSettings>;
}

export const OPEN_ENDPOINT_WARNING_ID = 'sidecar-injector:open-endpoint';

/** The warning shown when nobody restricted who may call the webhook URL. */
export function openEndpointWarning(stackName: string): string {
  return (
    `${stackName}: the webhook endpoint is OPEN TO THE INTERNET. Anyone who learns the URL can call the function ` +
    '(the EKS API server cannot authenticate to a webhook). Set allowedSourceCidrs to the cluster\'s NAT egress ' +
    'addresses, or endpointMode=private with vpcEndpointIds; a pathToken adds defence in depth.'
  );
}

export const OUTPUTS = {
  url: 'WebhookUrl',
  yaml: 'WebhookConfigurationYaml',
  functionName: 'FunctionName',
  versionParameter: 'VersionParameterName',
  imageParameter: 'ImageParameterName',
  canaryParameter: 'CanaryParameterName',
  dashboard: 'DashboardName',
} as const;

/**
 * The sidecar injector: release parameters, the function, the endpoint, monitoring, the
 * MutatingWebhookConfiguration as an output, and (optionally) applied to an EKS cluster.
 */
export class SidecarInjectorStack extends Stack {
  readonly settings: SidecarInjectorSettings;
  readonly restriction: EndpointRestriction;
  readonly parameters: ReleaseParameters;
  readonly webhookFunction: MutateFunction;
  readonly webhookApi: WebhookApi;
  readonly monitoring: Monitoring;
  readonly clusterRegistration?: ClusterRegistration;

  constructor(scope: Construct, id: string, props: SidecarInjectorStackProps = {}) {
    // Validate before anything is built (or bundled): a bad setting fails with the full list.
    const { settings: given, ...stackProps } = props;
    const settings = resolveSettings(given);
    super(scope, id, {
      description: 'Kubernetes sidecar injector: mutating admission webhook on Lambda behind API Gateway',
      ...stackProps,
      stackName: stackProps.stackName ?? settings.stackName,
    });
    this.settings = settings;

    this.parameters = new ReleaseParameters(this, 'Release', settings);
    this.webhookFunction = new MutateFunction(this, 'Function', settings, this.parameters);
    this.webhookApi = new WebhookApi(this, 'Endpoint', settings, this.webhookFunction.alias);
    this.restriction = this.webhookApi.restriction;
    this.monitoring = new Monitoring(this, 'Monitoring', settings, {
      function: this.webhookFunction.function,
      stage: this.webhookApi.stage,
    });

    if (this.restriction === 'open') {
      Annotations.of(this).addWarningV2(OPEN_ENDPOINT_WARNING_ID, openEndpointWarning(this.stackName));
    }

    const manifest = webhookManifest(settings, this.webhookApi.url);
    new CfnOutput(this, OUTPUTS.url, { value: this.webhookApi.url, description: 'The URL the API server calls' });
    new CfnOutput(this, OUTPUTS.yaml, {
      value: manifest.yaml,
      description: 'MutatingWebhookConfiguration: pipe into kubectl apply -f -',
    });
    new CfnOutput(this, OUTPUTS.functionName, { value: this.webhookFunction.function.functionName });
    new CfnOutput(this, OUTPUTS.versionParameter, { value: this.parameters.versionParameterName, description: 'aws ssm put-parameter here to roll out a sidecar version' });
    new CfnOutput(this, OUTPUTS.imageParameter, { value: this.parameters.imageParameterName });
    new CfnOutput(this, OUTPUTS.canaryParameter, { value: this.parameters.canaryParameterName, description: 'aws ssm put-parameter here to start, widen or end a canary' });
    new CfnOutput(this, OUTPUTS.dashboard, { value: this.monitoring.dashboard.dashboardName });

    if (settings.eksClusterName !== undefined && settings.eksKubectlRoleArn !== undefined && settings.eksKubectlLayerArn !== undefined) {
      this.clusterRegistration = new ClusterRegistration(this, 'Cluster', {
        clusterName: settings.eksClusterName,
        kubectlRoleArn: settings.eksKubectlRoleArn,
        kubectlLayerArn: settings.eksKubectlLayerArn,
        manifest: manifest.manifest,
      });
    }

    if (settings.driftClusterName !== undefined && settings.driftClusterEndpoint !== undefined && settings.driftClusterCertificateAuthority !== undefined) {
      new DriftMonitor(this, 'Drift', settings, {
        cluster: { name: settings.driftClusterName, endpoint: settings.driftClusterEndpoint, certificateAuthority: settings.driftClusterCertificateAuthority },
        parameters: this.parameters,
        selection: selectionOf(manifest.manifest.webhooks[0]!),
        monitoring: this.monitoring,
      });
    }

    acknowledgeEndpointFindings(this.webhookApi, settings);
  }
}

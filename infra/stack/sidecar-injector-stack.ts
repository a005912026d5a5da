import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { resolveSettings } from '../settings/resolve.ts';
import type { SidecarInjectorSettings } from '../settings/settings.ts';
import { ClusterRegistration } from './cluster-registration.ts';
import { Monitoring } from './monitoring.ts';
import { MutateFunction } from './mutate-function.ts';
import { acknowledgeEndpointFindings } from './nag-acknowledgements.ts';
import { PathToken } from './path-token.ts';
import { ReleaseParameters } from './release-parameters.ts';
import { WebhookApi, type EndpointRestriction } from './webhook-api.ts';
import { WebhookFirewall } from './webhook-firewall.ts';
import { webhookManifest } from './webhook-manifest.ts';

export interface SidecarInjectorStackProps extends StackProps {
  /** Any subset of the settings; the rest take their defaults. Validated here. */
  settings?: Partial<SidecarInjectorSettings>;
}

export const OPEN_ENDPOINT_WARNING_ID = 'sidecar-injector:open-endpoint';

/** The warning shown when nobody restricted who may call the webhook URL. */
export function openEndpointWarning(stackName: string): string {
  return (
    `${stackName}: the webhook endpoint is OPEN TO THE INTERNET with firewall=false. Anyone who learns the URL can call the function ` +
    '(the EKS API server cannot authenticate to a webhook), and requests without the path token still use the stage\'s throttle ' +
    'and invoke the function before it answers 404. Keep firewall=true. With customer-routed control-plane egress, set allowedSourceCidrs to its NAT addresses, ' +
    'or endpointMode=private with vpcEndpointIds. See README, Security model.'
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
  readonly pathToken: PathToken;
  readonly firewall?: WebhookFirewall;
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
    this.pathToken = new PathToken(this, 'PathToken', settings);
    this.webhookFunction = new MutateFunction(this, 'Function', settings, this.parameters, this.pathToken.value);
    this.webhookApi = new WebhookApi(this, 'Endpoint', settings, this.webhookFunction.alias, this.pathToken.value);
    this.restriction = this.webhookApi.restriction;
    if (settings.firewall) {
      this.firewall = new WebhookFirewall(this, 'Firewall', settings, { stageArn: this.webhookApi.stage.stageArn, pathToken: this.pathToken.value });
    }
    this.monitoring = new Monitoring(this, 'Monitoring', settings, {
      function: this.webhookFunction.function,
      stage: this.webhookApi.stage,
      accessLogs: this.webhookApi.accessLogs,
      ...(this.firewall ? { firewall: this.firewall } : {}),
    });

    if (this.restriction === 'open' && !settings.firewall) {
      Annotations.of(this).addWarningV2(OPEN_ENDPOINT_WARNING_ID, openEndpointWarning(this.stackName));
    }

    const manifest = webhookManifest(settings, this.webhookApi.url);
    // The token is in the manifest only (the one place the cluster needs it), not in this output.
    new CfnOutput(this, OUTPUTS.url, {
      value: this.webhookApi.urlWithoutToken,
      description: 'The webhook URL without its last segment, the path token (see WebhookConfigurationYaml, or the PathToken secret)',
    });
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
        documents: manifest.documents,
      });
    }

    acknowledgeEndpointFindings(this.webhookApi, settings, this.pathToken);
  }
}

import { Annotations, CfnOutput, Stack } from 'aws-cdk-lib';
import type * as eks from 'aws-cdk-lib/aws-eks';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { resolveSettings } from '../settings/resolve.ts';
import { SettingsError, type SidecarInjectorSettings } from '../settings/settings.ts';
import { ClusterRegistration } from '../stack/cluster-registration.ts';
import { DriftMonitor } from '../stack/drift-monitor.ts';
import { Monitoring } from '../stack/monitoring.ts';
import { MutateFunction } from '../stack/mutate-function.ts';
import { acknowledgeEndpointFindings } from '../stack/nag-acknowledgements.ts';
import { PathToken } from '../stack/path-token.ts';
import { ReleaseParameters } from '../stack/release-parameters.ts';
import { WebhookApi, type EndpointRestriction } from '../stack/webhook-api.ts';
import { WebhookFirewall } from '../stack/webhook-firewall.ts';
import { webhookManifest } from '../stack/webhook-manifest.ts';
import { selectionFromConfiguration } from '../webhook-config/selection.ts';

/** Settings given as constructs instead of ARNs or names; each excludes its string form. */
export interface SidecarInjectorResourceProps {
  /** SNS topic for every alarm's ALARM and OK notifications (instead of alarmTopicArn). */
  readonly alarmTopic?: sns.ITopic;
  /** KMS key of SecureString release parameters (instead of parameterKmsKeyArn; needs createParameters=false). */
  readonly parameterKey?: kms.IKey;
  /**
   * An EKS cluster to apply the MutatingWebhookConfiguration to in the same deploy (instead of
   * eksClusterName, eksKubectlRoleArn and eksKubectlLayerArn). It must carry its kubectl role
   * and layer (an eks.Cluster does; an imported one needs kubectlRoleArn and kubectlLayer).
   */
  readonly cluster?: eks.ICluster;
}

/**
 * Every setting of the injector (README, Deploy: the table of context keys), each optional with
 * its default, plus the constructs above. Validated when the construct is made: a bad value
 * throws a SettingsError that names the prop and the fix.
 */
export interface SidecarInjectorProps
  extends Readonly<Partial<Omit<SidecarInjectorSettings, 'stackName'>>>,
    SidecarInjectorResourceProps {}

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

/** The construct props as settings: each construct as the ARN or name the settings take. */
function settingsOf(scope: Construct, props: SidecarInjectorProps): Partial<SidecarInjectorSettings> {
  const { alarmTopic, parameterKey, cluster, ...given } = props;
  const problems: string[] = [];
  const exclusive = (prop: string, set: boolean, others: Array<keyof SidecarInjectorSettings>): void => {
    const clash = others.filter((key) => given[key as keyof typeof given] !== undefined);
    if (set && clash.length > 0) problems.push(`${prop} and ${clash.join(', ')} name the same thing: give one`);
  };
  exclusive('alarmTopic', alarmTopic !== undefined, ['alarmTopicArn']);
  exclusive('parameterKey', parameterKey !== undefined, ['parameterKmsKeyArn']);
  exclusive('cluster', cluster !== undefined, ['eksClusterName', 'eksKubectlRoleArn', 'eksKubectlLayerArn']);
  if ('stackName' in props) problems.push('stackName is not a prop of the construct: it takes the name of the stack it is in');
  if (problems.length > 0) throw new SettingsError(problems);
  return {
    ...given,
    // Names of the API, the dashboard and the web ACL's metric start with the stack's name.
    stackName: Stack.of(scope).stackName,
    ...(alarmTopic ? { alarmTopicArn: alarmTopic.topicArn } : {}),
    ...(parameterKey ? { parameterKmsKeyArn: parameterKey.keyArn } : {}),
  };
}

/**
 * The sidecar injector as one L3 construct, for any CDK stack: the release parameters in SSM,
 * the function, the REST endpoint (path token, WAF, throttling), monitoring, the
 * MutatingWebhookConfiguration as a stack output, and optionally its registration in an EKS
 * cluster.
 *
 *   new SidecarInjector(stack, 'Injector', { sidecarTemplateFile: 'sidecar.yaml', alarmTopic: topic });
 */
export class SidecarInjector extends Construct {
  readonly settings: SidecarInjectorSettings;
  readonly restriction: EndpointRestriction;
  readonly parameters: ReleaseParameters;
  readonly webhookFunction: MutateFunction;
  readonly webhookApi: WebhookApi;
  readonly pathToken: PathToken;
  readonly firewall?: WebhookFirewall;
  readonly monitoring: Monitoring;
  readonly clusterRegistration?: ClusterRegistration;
  /** The drift check, when driftClusterName, driftClusterEndpoint and driftClusterCertificateAuthority are set. */
  readonly driftMonitor?: DriftMonitor;

  constructor(scope: Construct, id: string, props: SidecarInjectorProps = {}) {
    super(scope, id);
    // Validate before anything is built (or bundled): a bad prop fails with the full list.
    const settings = resolveSettings(settingsOf(this, props));
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
      Annotations.of(this).addWarningV2(OPEN_ENDPOINT_WARNING_ID, openEndpointWarning(settings.stackName));
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

    if (props.cluster !== undefined) {
      this.clusterRegistration = new ClusterRegistration(this, 'Cluster', { cluster: props.cluster, documents: manifest.documents });
    } else if (settings.eksClusterName !== undefined && settings.eksKubectlRoleArn !== undefined && settings.eksKubectlLayerArn !== undefined) {
      this.clusterRegistration = new ClusterRegistration(this, 'Cluster', {
        clusterName: settings.eksClusterName,
        kubectlRoleArn: settings.eksKubectlRoleArn,
        kubectlLayerArn: settings.eksKubectlLayerArn,
        documents: manifest.documents,
      });
    }

    if (settings.driftClusterName !== undefined && settings.driftClusterEndpoint !== undefined && settings.driftClusterCertificateAuthority !== undefined) {
      const configuration = manifest.documents.find((d) => d.kind === 'MutatingWebhookConfiguration');
      const selection = selectionFromConfiguration(configuration);
      if ('error' in selection) throw new Error(`drift check: the rendered webhook configuration: ${selection.error}`);
      this.driftMonitor = new DriftMonitor(this, 'Drift', settings, {
        cluster: { name: settings.driftClusterName, endpoint: settings.driftClusterEndpoint, certificateAuthority: settings.driftClusterCertificateAuthority },
        parameters: this.parameters,
        selection,
        monitoring: this.monitoring,
      });
    }

    acknowledgeEndpointFindings(this.webhookApi, settings, this.pathToken);
  }
}

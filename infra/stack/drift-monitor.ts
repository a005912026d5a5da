import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { DRIFT_GROUP, driftRbac } from '../../functions/drift/rbac.ts';
import type { WebhookSelection } from '../webhook-config/selection.ts';
import { functionEnvironment } from '../settings/function-environment.ts';
import type { SidecarInjectorSettings } from '../settings/settings.ts';
import { bundledTemplate } from '../settings/sidecar-template.ts';
import { bundledFunction } from './bundled-function.ts';
import type { Monitoring } from './monitoring.ts';
import type { ReleaseParameters } from './release-parameters.ts';

export const DRIFT_ENTRY = fileURLToPath(new URL('../../functions/drift/handler.ts', import.meta.url));

export interface DriftCluster {
  name: string;
  endpoint: string;
  certificateAuthority: string;
}

/**
 * The optional drift check: a function that runs `status`'s classification against the
 * cluster's API endpoint on a schedule and whenever a release parameter changes (EventBridge),
 * and publishes PodsOutdated, PodsMissingSidecar and PodsCurrent per cluster, on the dashboard
 * with an alarm on missing sidecars. It authenticates as EKS documents: an access entry maps its
 * role to a Kubernetes group, which the RBAC printed in DriftRbacYaml lets read pods only.
 */
export class DriftMonitor extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly alarm: cloudwatch.Alarm;

  constructor(
    scope: Construct,
    id: string,
    settings: SidecarInjectorSettings,
    deps: { cluster: DriftCluster; parameters: ReleaseParameters; selection: WebhookSelection; monitoring: Monitoring },
  ) {
    super(scope, id);
    const { cluster, parameters, selection, monitoring } = deps;
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: settings.logRetentionDays as logs.RetentionDays, removalPolicy: RemovalPolicy.DESTROY });
    const parameterArns = [parameters.versionParameterArn, parameters.imageParameterArn, parameters.canaryParameterArn];
    const statements = [
      new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      new iam.PolicyStatement({ sid: 'ReadSidecarRelease', actions: ['ssm:GetParameters'], resources: parameterArns }),
    ];
    if (settings.parameterKmsKeyArn !== undefined) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'DecryptSidecarRelease',
          actions: ['kms:Decrypt'],
          resources: [settings.parameterKmsKeyArn],
          conditions: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': parameterArns } },
        }),
      );
    }
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Sidecar injector drift check: own logs, read the release parameters; in the cluster, read pods (access entry + RBAC)',
      inlinePolicies: { DriftFunction: new iam.PolicyDocument({ statements }) },
    });

    const resolved = bundledTemplate(settings);
    const templateFile = resolved.file;

    this.function = bundledFunction(this, 'Handler', {
      prebuilt: 'drift',
      entry: DRIFT_ENTRY,
      templateFile,
      memorySize: 1024,
      timeout: Duration.minutes(2),
      description: 'Sidecar injector drift check: classifies every pod of the cluster against the release, publishes the counts',
      role: this.role,
      logGroup,
      // One run at a time: a schedule and a parameter change at once need not list the cluster twice.
      reservedConcurrentExecutions: 1,
      environment: {
        ...functionEnvironment(settings, resolved.template.sidecarName),
        DRIFT_CLUSTER_NAME: cluster.name,
        DRIFT_CLUSTER_ENDPOINT: cluster.endpoint,
        DRIFT_CLUSTER_CA: cluster.certificateAuthority,
        WEBHOOK_OBJECT_SELECTOR: JSON.stringify(selection.objectSelector),
        WEBHOOK_NAMESPACE_SELECTOR: JSON.stringify(selection.namespaceSelector),
      },
    });

    const target = new targets.LambdaFunction(this.function, { retryAttempts: 0 });
    new events.Rule(this, 'Schedule', {
      description: 'Sidecar injector drift check on a schedule',
      schedule: events.Schedule.rate(Duration.minutes(settings.driftScheduleMinutes)),
      targets: [target],
    });
    new events.Rule(this, 'ReleaseChanged', {
      description: 'Sidecar injector drift check when a release parameter changes',
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['Parameter Store Change'],
        detail: { name: [parameters.versionParameterName, parameters.imageParameterName, parameters.canaryParameterName] },
      },
      targets: [target],
    });

    new eks.CfnAccessEntry(this, 'AccessEntry', {
      clusterName: cluster.name,
      principalArn: this.role.roleArn,
      kubernetesGroups: [DRIFT_GROUP],
      type: 'STANDARD',
    });
    new CfnOutput(this, 'DriftRbacYaml', {
      value: driftRbac().map((doc) => stringify(doc)).join('---\n'),
      description: 'ClusterRole and binding that let the drift check read pods: pipe into kubectl apply -f -',
    });

    const metric = (name: string) =>
      new cloudwatch.Metric({
        namespace: settings.metricsNamespace,
        metricName: name,
        dimensionsMap: { service: settings.serviceName, cluster: cluster.name },
        statistic: 'Maximum',
        period: Duration.minutes(settings.driftScheduleMinutes),
      });
    this.alarm = new cloudwatch.Alarm(this, 'PodsMissingSidecar', {
      alarmDescription: `Pods of cluster ${cluster.name} that the webhook selects run without the sidecar (created during an outage under failurePolicy Ignore, or before their label): sidecar-injector status, then rollout.`,
      metric: metric('PodsMissingSidecar'),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (settings.alarmTopicArn !== undefined) {
      const topic = sns.Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn);
      this.alarm.addAlarmAction(new actions.SnsAction(topic));
      this.alarm.addOkAction(new actions.SnsAction(topic));
    }
    monitoring.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `Fleet drift (${cluster.name})`,
        width: 24,
        left: ['PodsCurrent', 'PodsOutdated', 'PodsMissingSidecar'].map((name) => metric(name).with({ label: name })),
      }),
    );
  }
}

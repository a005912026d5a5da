import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { SidecarInjectorSettings } from '../settings/settings.ts';

/**
 * Alarms and one dashboard. The function publishes EMF metrics (namespace metricsNamespace,
 * dimension service = serviceName); Lambda and API Gateway publish their own. Missing data
 * (no pods created) is never an alarm.
 */
export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(
    scope: Construct,
    id: string,
    settings: SidecarInjectorSettings,
    targets: { function: lambda.IFunction; stage: apigw.Stage },
  ) {
    super(scope, id);
    const fn = targets.function;
    const stage = targets.stage;
    const custom = (metricName: string, statistic = 'Sum', dimensions: Record<string, string> = {}): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: settings.metricsNamespace,
        metricName,
        dimensionsMap: { service: settings.serviceName, ...dimensions },
        statistic,
        period: Duration.minutes(5),
      });

    const alarm = (alarmId: string, props: Omit<cloudwatch.AlarmProps, 'treatMissingData' | 'comparisonOperator'>): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        ...props,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.alarms.push(created);
      return created;
    };

    alarm('FunctionErrors', {
      alarmDescription: 'The webhook function failed (exception or timeout): with failurePolicy Fail, pods in labelled namespaces are refused.',
      metric: fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    alarm('FunctionThrottles', {
      alarmDescription: 'Lambda throttled admission calls: raise reservedConcurrency or the account limit.',
      metric: fn.metricThrottles({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    alarm('Api5xx', {
      alarmDescription: 'API Gateway answered 5XX (function error, timeout, or no sidecar release loaded yet).',
      metric: stage.metricServerError({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    alarm('LatencyP99', {
      alarmDescription: `p99 API Gateway latency above ${settings.latencyAlarmThresholdMs} ms for 3 minutes (webhook timeout ${settings.webhookTimeoutSeconds} s).`,
      metric: stage.metricLatency({ period: Duration.minutes(1), statistic: 'p99' }),
      threshold: settings.latencyAlarmThresholdMs,
      evaluationPeriods: 3,
    });
    alarm('ConfigServedStale', {
      alarmDescription: 'The function cannot refresh the sidecar release from SSM and serves the last known good one.',
      metric: custom('ConfigServedStale'),
      threshold: 1,
      evaluationPeriods: 1,
    });
    if (settings.verifyRelease) {
      alarm('ReleaseRefused', {
        alarmDescription: 'The release in SSM is not in its registry for the nodes\' platforms: the previous one keeps being served. The reason is in the function log ("sidecar release refused").',
        metric: custom('ReleaseRefused'),
        threshold: 1,
        evaluationPeriods: 1,
      });
    }

    if (settings.alarmTopicArn !== undefined) {
      const topic = sns.Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn);
      for (const a of this.alarms) {
        a.addAlarmAction(new actions.SnsAction(topic));
        a.addOkAction(new actions.SnsAction(topic));
      }
    }

    // SEARCH finds every reason the function reports (opt-out, host-network, ...), new ones included.
    const namespace = settings.metricsNamespace.replace(/"/g, '');
    const skipsByReason = new cloudwatch.MathExpression({
      expression: `SEARCH('{"${namespace}",reason,service} MetricName="SkippedByReason" service="${settings.serviceName}"', 'Sum', 300)`,
      usingMetrics: {},
      label: 'Skipped:',
      period: Duration.minutes(5),
    });
    const p = (metric: cloudwatch.Metric, label: string): cloudwatch.Metric => metric.with({ label });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${settings.stackName}-webhook`,
      defaultInterval: Duration.hours(3),
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 3 })],
        [
          new cloudwatch.GraphWidget({
            title: 'Admission reviews',
            width: 12,
            left: ['Reviews', 'Injected', 'Converged', 'Upgraded', 'Unchanged', 'Skipped'].map((name) => custom(name)),
          }),
          new cloudwatch.GraphWidget({ title: 'Skips by reason', width: 12, stacked: true, left: [skipsByReason] }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Errors',
            width: 12,
            left: [
              p(fn.metricErrors({ statistic: 'Sum' }), 'Lambda errors'),
              p(fn.metricThrottles({ statistic: 'Sum' }), 'Lambda throttles'),
              p(custom('Errors'), 'Rejected requests (4xx/5xx by the function)'),
              p(stage.metricServerError({ statistic: 'Sum' }), 'API 5XX'),
              p(stage.metricClientError({ statistic: 'Sum' }), 'API 4XX'),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Latency (ms)',
            width: 12,
            left: [
              p(custom('AdmissionLatency', 'p50'), 'Admission p50 (function)'),
              p(custom('AdmissionLatency', 'p99'), 'Admission p99 (function)'),
              p(stage.metricLatency({ statistic: 'p99' }), 'API Gateway p99'),
              p(stage.metricIntegrationLatency({ statistic: 'p99' }), 'Integration p99'),
            ],
            leftAnnotations: [
              { label: 'Latency alarm', value: settings.latencyAlarmThresholdMs, color: cloudwatch.Color.ORANGE },
              { label: 'Webhook timeout', value: settings.webhookTimeoutSeconds * 1000, color: cloudwatch.Color.RED },
            ],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Sidecar release from SSM',
            width: 12,
            left: [p(custom('ConfigServedStale'), 'Served stale'), p(custom('ConfigRefreshFailures'), 'Refresh failures'), p(custom('ReleaseRefused'), 'Release refused')],
          }),
          new cloudwatch.GraphWidget({
            title: 'Concurrency',
            width: 12,
            left: [
              p(fn.metric('ConcurrentExecutions', { statistic: 'Maximum' }), 'Concurrent executions'),
              p(fn.metric('ProvisionedConcurrencySpilloverInvocations', { statistic: 'Sum' }), 'Spillover (beyond provisioned)'),
            ],
          }),
        ],
      ],
    });
  }
}

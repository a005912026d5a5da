import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Aws } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { SidecarInjectorSettings } from '../settings/settings.ts';
import { FIREWALL_RULES, type WebhookFirewall } from './webhook-firewall.ts';

/** Share of reservedConcurrency at which ConcurrencyNearCeiling fires. */
export const CONCURRENCY_ALARM_SHARE = 0.8;
/** Share of the function's timeout at which LatencyNearTimeout fires. */
export const TIMEOUT_ALARM_SHARE = 0.5;
/** Requests per minute the firewall blocks (no token, or over the per-source limit) before FirewallBlocking fires. */
export const FIREWALL_BLOCKED_PER_MINUTE = 6000;

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
    targets: { function: lambda.IFunction; stage: apigw.Stage; accessLogs: logs.ILogGroup; firewall?: WebhookFirewall },
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
      alarmDescription: `Lambda refused admission calls: the ${settings.reservedConcurrency} reserved concurrent executions (reservedConcurrency) are all busy. Under failurePolicy Fail labelled pods are refused. Raise reservedConcurrency (capacity model in the README), or look for a flood with the token (FirewallBlocking, access logs).`,
      metric: fn.metricThrottles({ period: Duration.minutes(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    // API Gateway has no metric of its own for 429: count them from the access logs.
    new logs.MetricFilter(this, 'StageThrottledFilter', {
      logGroup: targets.accessLogs,
      filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: settings.metricsNamespace,
      metricName: 'StageThrottled',
      metricValue: '1',
    });
    alarm('Stage429', {
      alarmDescription: `API Gateway answered 429: the stage throttle (throttleRateLimit ${settings.throttleRateLimit}/s, throttleBurstLimit ${settings.throttleBurstLimit}) or the account's API Gateway quota is exhausted. The API server's calls fail: under failurePolicy Fail labelled pods are refused. Raise the throttle (capacity model in the README) or find the flood (FirewallBlocking, access logs by ip).`,
      metric: new cloudwatch.Metric({
        namespace: settings.metricsNamespace,
        metricName: 'StageThrottled',
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    const concurrencyThreshold = Math.max(1, Math.floor(settings.reservedConcurrency * CONCURRENCY_ALARM_SHARE));
    alarm('ConcurrencyNearCeiling', {
      alarmDescription: `Concurrent executions reached ${concurrencyThreshold}, ${CONCURRENCY_ALARM_SHARE * 100}% of reservedConcurrency (${settings.reservedConcurrency}); at the ceiling Lambda throttles admission calls. Raise reservedConcurrency before a bigger burst, or find what is calling.`,
      metric: fn.metric('ConcurrentExecutions', { period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: concurrencyThreshold,
      evaluationPeriods: 1,
    });
    const nearTimeoutMs = Math.round(settings.functionTimeoutSeconds * 1000 * TIMEOUT_ALARM_SHARE);
    alarm('LatencyNearTimeout', {
      alarmDescription: `An admission call took ${nearTimeoutMs} ms or more through API Gateway, half the function's ${settings.functionTimeoutSeconds} s timeout (webhook timeoutSeconds ${settings.webhookTimeoutSeconds}): cold starts with a slow or unreachable SSM. Past the timeouts the API server refuses (Fail) or skips (Ignore) the webhook.`,
      metric: stage.metricLatency({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: nearTimeoutMs,
      evaluationPeriods: 1,
    });
    if (targets.firewall) {
      const waf = (rule: string): cloudwatch.Metric =>
        new cloudwatch.Metric({
          namespace: 'AWS/WAFV2',
          metricName: 'BlockedRequests',
          dimensionsMap: { WebACL: targets.firewall!.metricName, Region: Aws.REGION, Rule: rule },
          statistic: 'Sum',
          period: Duration.minutes(1),
        });
      alarm('FirewallBlocking', {
        alarmDescription: `The web ACL blocked ${FIREWALL_BLOCKED_PER_MINUTE} or more requests in a minute (no path token, or one source over its rate limit): someone is calling the URL. They cost WAF request fees only, not the stage's throttle; if PerSourceRateLimit is blocking, a source has the token (rotate it, README).`,
        metric: waf('ALL'),
        threshold: FIREWALL_BLOCKED_PER_MINUTE,
        evaluationPeriods: 1,
      });
      alarm('FirewallRateLimited', {
        alarmDescription: 'A source WITH the path token went over the per-source rate limit and was blocked (429): a leaked token, or one cluster source above the design peak (capacity model).',
        metric: waf(FIREWALL_RULES.perSource),
        threshold: 1,
        evaluationPeriods: 1,
      });
    }
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
            leftAnnotations: [{ label: 'reservedConcurrency', value: settings.reservedConcurrency, color: cloudwatch.Color.RED }],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Calls and refusals',
            width: 12,
            left: [
              p(stage.metricCount({ statistic: 'Sum' }), 'API calls'),
              p(new cloudwatch.Metric({ namespace: settings.metricsNamespace, metricName: 'StageThrottled', statistic: 'Sum' }), 'Stage 429'),
              p(fn.metricThrottles({ statistic: 'Sum' }), 'Lambda throttles'),
            ],
          }),
          ...(targets.firewall
            ? [
                new cloudwatch.GraphWidget({
                  title: 'Firewall',
                  width: 12,
                  left: [FIREWALL_RULES.allow, FIREWALL_RULES.perSource, 'ALL'].map((rule) =>
                    new cloudwatch.Metric({
                      namespace: 'AWS/WAFV2',
                      metricName: rule === FIREWALL_RULES.allow ? 'AllowedRequests' : 'BlockedRequests',
                      dimensionsMap: { WebACL: targets.firewall!.metricName, Region: Aws.REGION, Rule: rule },
                      statistic: 'Sum',
                      label: rule === 'ALL' ? 'Blocked (all)' : rule === FIREWALL_RULES.allow ? 'Allowed (token)' : 'Blocked (per-source limit)',
                    }),
                  ),
                }),
              ]
            : []),
        ],
      ],
    });
  }
}

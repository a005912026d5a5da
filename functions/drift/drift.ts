import { KubeConfig } from '@kubernetes/client-node';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { labelSelectorProblems } from '../../infra/webhook-config/label-selector.ts';
import type { WebhookSelection } from '../../infra/webhook-config/selection.ts';
import { loadCliConfig } from '../cli/release.ts';
import { collectStatus } from '../cli/status-command.ts';
import type { FleetReport } from '../core/fleet/report.ts';
import { eksToken } from '../shell/eks-token.ts';
import { clusterReader } from '../shell/kube-cluster.ts';
import { createTelemetry, type Telemetry } from '../shell/telemetry.ts';

/**
 * The drift check behind the optional scheduled function: the same listing and classification
 * as `sidecar-injector status`, against one cluster's API endpoint, authenticated the way EKS
 * documents (a presigned STS token for the function's role, mapped by an access entry to a group
 * that may only read pods), published as PodsOutdated (outdated and mismatched),
 * PodsMissingSidecar and PodsCurrent with the dimension `cluster`.
 */

type Env = Record<string, string | undefined>;

export interface DriftSettings {
  clusterName: string;
  endpoint: string;
  /** The cluster's CA certificate, base64 PEM (as `aws eks describe-cluster` gives it). */
  caData: string;
  region: string;
  selection: WebhookSelection;
  pageSize: number;
}

export class DriftSettingsError extends Error {}

export function driftSettingsFromEnv(env: Env): DriftSettings {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is required`);
    return value ?? '';
  };
  const selector = (name: string) => {
    const text = env[name]?.trim() || '{}';
    try {
      const value: unknown = JSON.parse(text);
      const found = labelSelectorProblems(value, name);
      problems.push(...found);
      return found.length === 0 ? (value as WebhookSelection['objectSelector']) : {};
    } catch (error) {
      problems.push(`${name} is not JSON: ${(error as Error).message}`);
      return {};
    }
  };
  const endpoint = required('DRIFT_CLUSTER_ENDPOINT');
  if (endpoint && !/^https:\/\//.test(endpoint)) problems.push(`DRIFT_CLUSTER_ENDPOINT="${endpoint}" must be an https URL`);
  const settings: DriftSettings = {
    clusterName: required('DRIFT_CLUSTER_NAME'),
    endpoint,
    caData: required('DRIFT_CLUSTER_CA'),
    region: env.AWS_REGION?.trim() || required('AWS_REGION'),
    selection: { objectSelector: selector('WEBHOOK_OBJECT_SELECTOR'), namespaceSelector: selector('WEBHOOK_NAMESPACE_SELECTOR') },
    pageSize: 500,
  };
  if (problems.length > 0) throw new DriftSettingsError(`drift check misconfigured: ${problems.join('; ')}`);
  return settings;
}

export interface DriftDeps {
  /** The bearer token; by default an EKS token for the function's role. */
  token?: () => Promise<string>;
  telemetry?: Telemetry;
}

export interface DriftResult {
  cluster: string;
  outdated: number;
  missing: number;
  current: number;
  report: FleetReport;
  requests: number;
}

export async function checkDrift(env: Env, deps: DriftDeps = {}): Promise<DriftResult> {
  const settings = driftSettingsFromEnv(env);
  const telemetry = deps.telemetry ?? createTelemetry(env);
  const { config, canary } = await loadCliConfig(env, {});
  const token = await (deps.token ?? (() => eksToken({ clusterName: settings.clusterName, region: settings.region })))();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: settings.clusterName, server: settings.endpoint, caData: settings.caData, skipTLSVerify: false }],
    users: [{ name: 'drift', token }],
    contexts: [{ name: 'drift', cluster: settings.clusterName, user: 'drift' }],
    currentContext: 'drift',
  });
  const reader = clusterReader(kc);
  const { report, requests } = await collectStatus(
    reader,
    { chunkSize: settings.pageSize, webhookConfiguration: '', selection: settings.selection },
    config,
    { stderr: () => undefined },
    canary,
  );
  const t = report.totals;
  const result = { cluster: settings.clusterName, outdated: t.outdated + t.mismatch, missing: t.missing, current: t.current, report, requests };
  const metrics = telemetry.metrics;
  metrics.addDimension('cluster', settings.clusterName);
  metrics.addMetric('PodsOutdated', MetricUnit.Count, result.outdated);
  metrics.addMetric('PodsMissingSidecar', MetricUnit.Count, result.missing);
  metrics.addMetric('PodsCurrent', MetricUnit.Count, result.current);
  metrics.publishStoredMetrics();
  telemetry.logger.info('fleet drift', {
    drift: { cluster: result.cluster, outdated: result.outdated, missing: result.missing, current: result.current, pods: t.pods, requests, release: report.release },
  });
  return result;
}

import type { SSMClient } from '@aws-sdk/client-ssm';
import type { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { defaultSelection, isSelected, NAMESPACE_NAME_LABEL, selectionFromConfiguration, type WebhookSelection } from '../../infra/webhook-config/selection.ts';
import { classifyPod } from '../core/fleet/classify.ts';
import { chooseCohort, type CanaryRelease } from '../core/fleet/cohort.ts';
import { FleetReportBuilder, type ClassifiedPod, type FleetReport } from '../core/fleet/report.ts';
import type { InjectorConfig } from '../core/injector-config.ts';
import { owningWorkload } from '../core/fleet/workload.ts';
import type { Pod } from '../core/types.ts';
import { ClusterAccessError, clusterReader, loadKubeConfig, type ClusterReader, type KubeConfigOptions } from '../shell/kube-cluster.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { loadCliConfig, type ReleaseFlags } from './release.ts';

/**
 * `sidecar-injector status`: every pod of the cluster (or of -n / -l) classified against the
 * current release by the webhook's own decision (functions/core/fleet), grouped by namespace and
 * owning workload. The result on stdout (a table, or -o json|yaml), notes on stderr; exit 0 when
 * converged, 1 when pods are outdated, mismatched or missing.
 */

export type StatusFormat = 'table' | 'wide' | 'json' | 'yaml';

export interface StatusOptions extends ReleaseFlags, KubeConfigOptions {
  namespace?: string;
  selector?: string;
  output: StatusFormat;
  webhookConfiguration: string;
  webhookName?: string;
  chunkSize: number;
}

export interface StatusDeps {
  ssmClient?: Pick<SSMClient, 'send'>;
  /** Tests and the bench hand a KubeConfig in; otherwise it is resolved as kubectl does. */
  kubeConfig?: KubeConfig;
}

export interface StatusResult {
  report: FleetReport;
  requests: number;
}

export async function runStatus(options: StatusOptions, env: Record<string, string | undefined>, io: CliIo, deps: StatusDeps = {}): Promise<ExitCode> {
  const { config, canary, releaseFrom } = await loadCliConfig(env, options, deps.ssmClient);
  const reader = clusterReader(deps.kubeConfig ?? unavailableOnError(() => loadKubeConfig(options, env)));
  const { report, requests } = await unavailableOnErrorAsync(() => collectStatus(reader, options, config, io, canary));
  const canaryNote = canary ? `, canary ${canary.release.version} for ${canary.percent}% of workloads` : '';
  const sources = `release ${config.release.version} (${config.release.image})${canaryNote} from ${releaseFrom}; ${requests} API requests to ${reader.server}`;
  if (options.output === 'json') io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else if (options.output === 'yaml') io.stdout(stringify(report, { lineWidth: 0 }));
  else io.stdout(renderTable(report, options.output === 'wide'));
  io.stderr(`sidecar-injector status: ${sources}\n`);
  return report.converged ? EXIT.OK : EXIT.FAILED;
}

/** Lists and classifies; exported for the bench, which measures exactly this. */
export async function collectStatus(
  reader: ClusterReader,
  options: ClassifyOptions,
  config: InjectorConfig,
  io: Pick<CliIo, 'stderr'>,
  canary?: CanaryRelease,
): Promise<StatusResult> {
  const builder = new FleetReportBuilder(config.release, canary);
  await classifyCluster(reader, options, config, io, canary, (pod) => builder.add(pod));
  return { report: builder.build(), requests: reader.requests };
}

export type ClassifyOptions = Pick<StatusOptions, 'namespace' | 'selector' | 'chunkSize' | 'webhookConfiguration' | 'webhookName'> & {
  /**
   * The webhook's selectors when the caller knows them (the drift function gets them from the
   * stack): then neither the webhook configuration nor the namespaces are read, so reading pods
   * is the only right needed, and of a namespace only its name label is known (as offline).
   */
  selection?: WebhookSelection;
};

/**
 * Every pod of the cluster (or of the namespace and selector), page by page, classified against
 * the release of its cohort with the webhook's selection: one source for status and rollout.
 */
export async function classifyCluster(
  reader: ClusterReader,
  options: ClassifyOptions,
  config: InjectorConfig,
  io: Pick<CliIo, 'stderr'>,
  canary: CanaryRelease | undefined,
  sink: (pod: ClassifiedPod) => void,
): Promise<void> {
  const selection = options.selection ?? (await webhookSelection(reader, options, io));
  const namespaces = options.selection ? new Map<string, Record<string, string>>() : await reader.namespaceLabels(options.namespace);
  const onlyName = options.selection ? (key: string) => key === NAMESPACE_NAME_LABEL : undefined;
  const canaryConfig = canary ? { ...config, release: canary.release } : undefined;
  const pages = reader.podPages({ pageSize: options.chunkSize, ...(options.namespace ? { namespace: options.namespace } : {}), ...(options.selector ? { labelSelector: options.selector } : {}) });
  for await (const pods of pages) {
    for (const pod of pods) {
      const namespace = pod.metadata?.namespace ?? '';
      const name = pod.metadata?.name ?? '';
      const namespaceLabels = namespaces.get(namespace) ?? { [NAMESPACE_NAME_LABEL]: namespace };
      const selected = isSelected(selection, pod.metadata?.labels ?? {}, namespaceLabels, onlyName);
      const workload = owningWorkload(pod);
      // With a canary, each pod is measured against its workload's cohort, as the webhook chooses it.
      const cohort = canary ? chooseCohort(pod, namespace, { stable: config.release, canary }, config.annotationPrefix).cohort : undefined;
      const against = cohort === 'canary' && canaryConfig ? canaryConfig : config;
      sink({ namespace, name, ...(workload ? { workload } : {}), ...(cohort ? { cohort } : {}), classification: classifyPod(pod as Pod, namespace, against, selected) });
    }
  }
}

/** The selectors of the webhook as registered in the cluster; the stack's defaults when it is not registered. */
async function webhookSelection(reader: ClusterReader, options: Pick<StatusOptions, 'webhookConfiguration' | 'webhookName'>, io: Pick<CliIo, 'stderr'>): Promise<WebhookSelection> {
  const configuration = await reader.webhookConfiguration(options.webhookConfiguration);
  if (configuration === undefined) {
    io.stderr(`sidecar-injector status: MutatingWebhookConfiguration ${options.webhookConfiguration} not found: using the stack's default selectors\n`);
    return defaultSelection();
  }
  const selection = selectionFromConfiguration(configuration, options.webhookName);
  if ('error' in selection) throw new CliError(EXIT.USAGE, `MutatingWebhookConfiguration ${options.webhookConfiguration}: ${selection.error} (--webhook-name)`);
  return selection;
}

const COLUMNS = ['NAMESPACE', 'WORKLOAD', 'PODS', 'CURRENT', 'OUTDATED', 'MISMATCH', 'MISSING', 'SKIPPED', 'VERSIONS', 'UPGRADE'];

/** kubectl's layout: upper-case headers, columns padded to their widest cell, three spaces apart. */
export function renderTable(report: FleetReport, wide: boolean): string {
  const rows: string[][] = [];
  const cohorts = report.canary !== undefined;
  for (const w of report.workloads) {
    const injectable = w.pods - w.counts['not-selected'] - w.counts.completed;
    if (!wide && injectable === 0) continue;
    const versions = Object.entries(w.versions)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([v, n]) => `${v}=${n}`)
      .join(',');
    rows.push([
      w.namespace,
      w.workload,
      String(w.pods),
      String(w.counts.current),
      String(w.counts.outdated),
      String(w.counts.mismatch),
      String(w.counts.missing),
      String(w.counts.skipped),
      versions || '-',
      w.upgrade === 'none' ? '-' : w.upgrade,
      ...(cohorts ? [w.cohort ?? '-'] : []),
      ...(wide ? [String(w.counts['not-selected']), String(w.counts.completed)] : []),
    ]);
  }
  const header = [...COLUMNS, ...(cohorts ? ['COHORT'] : []), ...(wide ? ['NOT-SELECTED', 'COMPLETED'] : [])];
  let text = rows.length > 0 ? layout([header, ...rows]) : 'No pods selected for injection.\n';
  if (wide) {
    for (const pod of report.pods) {
      const c = pod.classification;
      text += `  ${pod.namespace}/${pod.name}: ${c.state}${c.skipReason ? ` (${c.skipReason})` : ''}: ${c.reason}${c.upgrade !== 'none' ? `; ${c.upgrade}` : ''}\n`;
    }
  }
  const t = report.totals;
  text += `\nRelease ${report.release.version} (${report.release.image})\n`;
  if (report.canary && report.cohorts) {
    text += `Canary ${report.canary.release.version} (${report.canary.release.image}) for ${report.canary.percent}% of workloads: ${report.cohorts.canary} pods in the canary cohort, ${report.cohorts.stable} in the stable one\n`;
  }
  text += `Pods: ${t.pods} in ${report.namespaces} namespaces: ${t.current} current, ${t.outdated} outdated, ${t.mismatch} mismatch, ${t.missing} missing, ${t.skipped} skipped, ${t['not-selected']} not selected; ${t.completed} completed (not counted)\n`;
  const drift = t.outdated + t.mismatch + t.missing;
  text += report.converged ? 'Converged.\n' : `Not converged: ${drift} pods are not at the release.\n`;
  return text;
}

function layout(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd()).join('\n') + '\n';
}

export function unavailableOnError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ClusterAccessError) throw new CliError(EXIT.UNAVAILABLE, error.message);
    throw error;
  }
}

export async function unavailableOnErrorAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ClusterAccessError) throw new CliError(EXIT.UNAVAILABLE, error.message);
    throw error;
  }
}

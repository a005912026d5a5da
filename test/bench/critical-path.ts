import { request } from 'node:https';
import {
  missingParts,
  startCluster,
  startLambdaWebhook,
  startMoto,
  startWebhookServer,
  stopAll,
  type Cluster,
  type WebhookServer,
} from '../e2e/harness/index.ts';
import { appPod, registerInjector, scenarioNamespace, sidecarCount, waitUntilActive } from '../e2e/support/injector.ts';
import { median, quantile } from './stats.ts';

/**
 * Part 5: the critical path as a cluster feels it. Pod creations through a real kube-apiserver
 * (the e2e suite's), one at a time, alternating between a namespace the webhook is registered
 * for and one it is not, so both arms see the same drift: the create call's p50/p99 with and
 * without the webhook, and the API server's own histogram of the webhook's admission time
 * (apiserver_admission_webhook_admission_duration_seconds: its count, mean, and the bucket under
 * which half and 99% of the calls fell). Over the local server (HTTPS, release from the
 * environment) and over the Lambda path (API Gateway emulation, the Runtime Interface Emulator,
 * the synthesized bundle, release from SSM in moto).
 */

export interface CriticalArm {
  path: string;
  pods: number;
  withoutP50Ms: number;
  withoutP99Ms: number;
  withP50Ms: number;
  withP99Ms: number;
  /** with / without, at p50 and p99. */
  ratioP50: number;
  ratioP99: number;
  /** From the API server's histogram for this webhook: calls, mean seconds, and the upper bounds of the p50 and p99 buckets. */
  webhookCalls: number;
  webhookMeanMs: number;
  webhookP50BucketMs: number;
  webhookP99BucketMs: number;
}

export interface CriticalPathResults {
  arms: CriticalArm[];
  skipped?: string;
}

function metricsText(cluster: Cluster): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${cluster.server}/metrics`, { ca: cluster.certs.ca.certPem, headers: { Authorization: `Bearer ${cluster.token}` }, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The webhook's admission-duration histogram (all operations, admitted) from the API server's metrics. */
function webhookHistogram(text: string, webhook: string): { count: number; sumSeconds: number; buckets: Array<{ le: number; count: number }> } {
  const buckets = new Map<number, number>();
  let count = 0;
  let sumSeconds = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_admission_webhook_admission_duration_seconds') || !line.includes(`name="${webhook}"`) || !line.includes('type="admit"')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('apiserver_admission_webhook_admission_duration_seconds_bucket')) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      buckets.set(bound, (buckets.get(bound) ?? 0) + value);
    } else if (line.startsWith('apiserver_admission_webhook_admission_duration_seconds_count')) count += value;
    else if (line.startsWith('apiserver_admission_webhook_admission_duration_seconds_sum')) sumSeconds += value;
  }
  return { count, sumSeconds, buckets: [...buckets].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le) };
}

function bucketOf(histogram: ReturnType<typeof webhookHistogram>, q: number): number {
  const target = q * histogram.count;
  return (histogram.buckets.find((b) => b.count >= target)?.le ?? Number.NaN) * 1000;
}

async function measureArm(cluster: Cluster, server: WebhookServer, id: string, webhookPath: string | undefined, pods: number): Promise<CriticalArm> {
  const webhook = `${id}.bench.injector.my-company.com`;
  const withNs = await scenarioNamespace(cluster, `${id}-with`);
  const withoutNs = await scenarioNamespace(cluster, `${id}-without`);
  await registerInjector(cluster, { id: `${id}-with`, baseUrl: server.url, webhookName: webhook, ...(webhookPath ? { path: webhookPath } : {}) });
  await waitUntilActive(cluster, withNs);
  const before = webhookHistogram(await metricsText(cluster), webhook);
  const timings = { with: [] as number[], without: [] as number[] };
  // A few unmeasured creations on each side: connections and caches warm.
  for (let i = 0; i < pods + 5; i++) {
    for (const side of i % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
      const started = performance.now();
      const pod = await cluster.core.createNamespacedPod({ namespace: side === 'with' ? withNs : withoutNs, body: appPod(`p${i}`) });
      const ms = performance.now() - started;
      if (sidecarCount(pod) !== (side === 'with' ? 1 : 0)) throw new Error(`${id}: pod p${i} in ${side} has ${sidecarCount(pod)} sidecars`);
      if (i >= 5) timings[side].push(ms);
    }
  }
  const after = webhookHistogram(await metricsText(cluster), webhook);
  const delta = {
    count: after.count - before.count,
    sumSeconds: after.sumSeconds - before.sumSeconds,
    buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (before.buckets.find((x) => x.le === b.le)?.count ?? 0) })),
  };
  const p = (values: number[], q: number) => quantile(values, q);
  return {
    path: id,
    pods,
    withoutP50Ms: median(timings.without),
    withoutP99Ms: p(timings.without, 0.99),
    withP50Ms: median(timings.with),
    withP99Ms: p(timings.with, 0.99),
    ratioP50: median(timings.with) / median(timings.without),
    ratioP99: p(timings.with, 0.99) / p(timings.without, 0.99),
    webhookCalls: delta.count,
    webhookMeanMs: delta.count > 0 ? (delta.sumSeconds / delta.count) * 1000 : Number.NaN,
    webhookP50BucketMs: bucketOf(delta, 0.5),
    webhookP99BucketMs: bucketOf(delta, 0.99),
  };
}

export async function runCriticalPath(options: { quick: boolean; log: (line: string) => void }): Promise<CriticalPathResults> {
  const missing = missingParts(['kube-apiserver', 'etcd', 'moto', 'openssl', 'lambda']);
  if (missing.length > 0) {
    const skipped = `missing ${missing.join(', ')}: run npm run e2e:setup`;
    options.log(`  skipped: ${skipped}`);
    return { arms: [], skipped };
  }
  const pods = options.quick ? 20 : 100;
  try {
    const cluster = await startCluster();
    const tls = { cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem };
    const local = await startWebhookServer({ ...tls, env: { POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false' } });
    const moto = await startMoto();
    await moto.putParameter('/sidecar-injector/version', '1.2.1');
    await moto.putParameter('/sidecar-injector/image', 'my-org/my-sidecar');
    const lambda = await startLambdaWebhook({ ...tls, env: moto.env });
    const arms: CriticalArm[] = [];
    arms.push(await measureArm(cluster, local, 'local', undefined, pods));
    options.log(`    local server: ${JSON.stringify(arms[0])}`);
    arms.push(await measureArm(cluster, lambda, 'lambda', lambda.webhookPath, pods));
    options.log(`    Lambda path: ${JSON.stringify(arms[1])}`);
    return { arms };
  } finally {
    await stopAll();
  }
}

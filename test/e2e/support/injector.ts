// Helpers the webhook scenarios share: registering the injector with the stack's own renderer,
// waiting until the API server acts on a new configuration, reading pods' sidecars, reading the
// webhook server's review log lines, and read-modify-write updates of pods.
//
// Isolation inside one cluster: every scenario gets its own namespace with a label
// `e2e-scenario: <id>`, and its own MutatingWebhookConfiguration (its own name) whose
// namespaceSelector matches only that label. Scenarios then never see each other's webhooks,
// and a configuration left behind (e.g. pointing at a stopped server) harms no other test.
import type { V1Container, V1Pod, V1SecurityContext } from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  renderWebhookConfiguration,
  type MutatingWebhookConfiguration,
  type WebhookConfigurationSettings,
} from '../../../infra/webhook-config/render.ts';
import { registerCleanup, waitFor, type Cluster, type WebhookServer } from '../harness/index.ts';

export const PREFIX = 'injector.my-company.com';
export const STATUS_KEY = `${PREFIX}/status`;
export const VERSION_KEY = `${PREFIX}/version`;
export const INJECT_KEY = `${PREFIX}/inject`;
export const SIDECAR = 'my-sidecar';
/** The objectSelector the renderer uses by default. */
export const INJECT_LABEL = { 'sidecar-injection': 'enabled' } as const;
export const SCENARIO_LABEL = 'e2e-scenario';

/** Every container named like our sidecar, in containers and initContainers. */
export function sidecarsOf(pod: V1Pod): Array<{ list: 'containers' | 'initContainers'; index: number; container: V1Container }> {
  const found: Array<{ list: 'containers' | 'initContainers'; index: number; container: V1Container }> = [];
  for (const list of ['containers', 'initContainers'] as const) {
    (pod.spec?.[list] ?? []).forEach((container, index) => {
      if (container.name === SIDECAR) found.push({ list, index, container });
    });
  }
  return found;
}

export const sidecarCount = (pod: V1Pod): number => sidecarsOf(pod).length;

/** A small labeled app pod; `extra` is merged into metadata/spec. */
export function appPod(
  name: string,
  opts: { labels?: Record<string, string>; annotations?: Record<string, string>; inject?: boolean; spec?: Partial<V1Pod['spec']> } = {},
): V1Pod {
  const labels = { app: name, ...(opts.inject === false ? {} : INJECT_LABEL), ...opts.labels };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0' }], ...opts.spec },
  };
}

/** Namespace for one scenario, labeled so only that scenario's webhook configuration matches it. */
export async function scenarioNamespace(cluster: Cluster, id: string): Promise<string> {
  return cluster.createNamespace(id, { [SCENARIO_LABEL]: id });
}

export interface RegisterOptions extends Omit<WebhookConfigurationSettings, 'url' | 'namespaceSelector' | 'name'> {
  /** Scenario id: the namespace label value and part of the configuration name. */
  id: string;
  /** Base URL of the server (https://127.0.0.1:port); `/mutate` is appended. */
  baseUrl: string;
  /** metadata.name of the configuration; default `sidecar-injector-<id>`. Names sort the call order. */
  name?: string;
  /** No namespaceSelector of ours: the stack's configuration as is (every namespace but the excluded ones). */
  allNamespaces?: boolean;
  /** Path after baseUrl; default `/mutate`. */
  path?: string;
}

/**
 * Registers the injector exactly as the stack does: renderWebhookConfiguration with the local
 * server's URL + /mutate and its caBundle. Only the namespaceSelector (this scenario's label)
 * and the name are added for isolation; everything else is the renderer's defaults unless given.
 */
export async function registerInjector(cluster: Cluster, opts: RegisterOptions): Promise<MutatingWebhookConfiguration> {
  const { id, baseUrl, name, allNamespaces, path, ...settings } = opts;
  const { manifest, policy } = renderWebhookConfiguration({
    ...settings,
    url: `${baseUrl}${path ?? '/mutate'}`,
    caBundle: settings.caBundle ?? cluster.certs.caBundle,
    name: name ?? `sidecar-injector-${id}`,
    ...(allNamespaces ? {} : { namespaceSelector: { matchLabels: { [SCENARIO_LABEL]: id } } }),
  });
  await cluster.admission.createMutatingWebhookConfiguration({ body: manifest as never });
  // Fail-open mode: the ValidatingAdmissionPolicy and its binding, as rendered.
  if (policy) {
    await cluster.admission.createValidatingAdmissionPolicy({ body: policy.policy as never });
    await cluster.admission.createValidatingAdmissionPolicyBinding({ body: policy.binding as never });
  }
  return manifest;
}

/**
 * The API server picks up a new configuration asynchronously: dry-run a probe pod until `check`
 * says the webhook acted (a dry run stores nothing; webhooks with sideEffects None are called).
 */
export async function waitUntilActive(
  cluster: Cluster,
  namespace: string,
  check: (pod: V1Pod) => boolean = (pod) => sidecarCount(pod) === 1,
  probe: V1Pod = appPod('activation-probe'),
): Promise<void> {
  await waitFor(async () => check(await cluster.dryRunPod(namespace, probe)), {
    what: `webhook configuration active in namespace ${namespace}`,
    timeoutMs: 30_000,
    intervalMs: 200,
  });
}

/** One `review` log line of the webhook server (functions/shell/telemetry.ts). */
export interface ReviewLog {
  uid: string;
  namespace: string;
  pod: string;
  operation: string;
  action: string;
  reason: string;
  patchOperations: number;
  warnings: number;
  releaseStale: boolean;
  dryRun: boolean;
}

/** Every JSON line the webhook server printed (stdout and stderr go to its log file). */
export function logLines(server: WebhookServer): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of readFileSync(server.proc.logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      /* a partly written last line */
    }
  }
  return out;
}

/** The server's review records for one pod (dry runs excluded unless asked). */
export function reviewsFor(server: WebhookServer, namespace: string, pod: string, opts: { dryRun?: boolean } = {}): ReviewLog[] {
  return logLines(server)
    .map((l) => l.review as ReviewLog | undefined)
    .filter((r): r is ReviewLog => !!r && r.namespace === namespace && r.pod === pod && (opts.dryRun ?? false) === r.dryRun);
}

/** Read, change, replace (PUT): an UPDATE through the API server as kubectl edit does it. */
export async function updatePod(cluster: Cluster, namespace: string, name: string, change: (pod: V1Pod) => void): Promise<V1Pod> {
  const pod = await cluster.core.readNamespacedPod({ name, namespace });
  change(pod);
  return cluster.core.replaceNamespacedPod({ name, namespace, body: pod });
}

/** The body of a client-node ApiException (the API server's Status), else the error text. */
/**
 * Polls a dry-run pod until the API server refuses it (a newly registered webhook takes a
 * moment to be called), and returns the refusal message.
 */
export function waitForRefusal(cluster: Cluster, ns: string, what: string): Promise<string> {
  return waitFor(
    async () =>
      cluster.dryRunPod(ns, appPod('activation-probe')).then(
        () => false as const,
        (err: unknown) => apiErrorText(err),
      ),
    { what, timeoutMs: 30_000, intervalMs: 200 },
  );
}

export function apiErrorText(err: unknown): string {
  const body = (err as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) return status.message;
    } catch {
      return body;
    }
    return body;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Server-side apply (kubectl apply --server-side): PATCH with application/apply-patch+yaml and a
 * field manager. Returns the stored pod, or throws with the API server's message.
 */
export async function serverSideApply(cluster: Cluster, namespace: string, pod: V1Pod, fieldManager = 'e2e-apply'): Promise<V1Pod> {
  const { request } = await import('node:https');
  const name = pod.metadata?.name ?? '';
  const url = new URL(`${cluster.server}/api/v1/namespaces/${namespace}/pods/${name}?fieldManager=${fieldManager}&force=true`);
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PATCH',
        ca: cluster.certs.ca.certPem,
        timeout: 30_000,
        headers: { Authorization: `Bearer ${cluster.token}`, 'Content-Type': 'application/apply-patch+yaml' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('server-side apply: no answer in 30 s')));
    req.on('error', reject);
    req.end(JSON.stringify(pod));
  });
  if (status < 200 || status >= 300) throw new Error(`server-side apply of ${name}: ${status} ${apiErrorText({ body })}`);
  return JSON.parse(body) as V1Pod;
}

// ---- Admission chain helpers (issue 8): warnings, Pod Security levels, quantities ----------

/**
 * Creates a pod and returns it with the warnings the API server sent back (the `Warning: 299`
 * response headers kubectl prints: a webhook's `warnings` and the API server's own). `dryRun`
 * creates with dryRun=All.
 */
export async function createPodWithWarnings(
  cluster: Cluster,
  namespace: string,
  pod: V1Pod,
  opts: { dryRun?: boolean } = {},
): Promise<{ pod: V1Pod; warnings: string[] }> {
  const info = await cluster.core.createNamespacedPodWithHttpInfo({ namespace, body: pod, ...(opts.dryRun ? { dryRun: 'All' } : {}) });
  return { pod: info.data, warnings: parseWarnings(info.headers.warning) };
}

/** `299 - "a", 299 - "b \"quoted\""` (several Warning headers joined by the client) -> texts. */
export function parseWarnings(header: string | undefined): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const m of header.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)) out.push((m[1] ?? '').replace(/\\(.)/g, '$1'));
  return out;
}

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** A scenario namespace enforcing a Pod Security Standard (version latest). */
export async function podSecurityNamespace(cluster: Cluster, id: string, level: PodSecurityLevel): Promise<string> {
  return cluster.createNamespace(id, {
    [SCENARIO_LABEL]: id,
    'pod-security.kubernetes.io/enforce': level,
    'pod-security.kubernetes.io/enforce-version': 'latest',
  });
}

/** A container securityContext that satisfies the `restricted` standard by itself. */
export const RESTRICTED_CONTAINER_SECURITY: V1SecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** appPod whose every container is restricted-compliant on its own (no pod-level securityContext). */
export function restrictedAppPod(name: string, opts: Parameters<typeof appPod>[1] = {}): V1Pod {
  const pod = appPod(name, opts);
  for (const list of ['containers', 'initContainers'] as const) {
    for (const c of pod.spec?.[list] ?? []) c.securityContext ??= structuredClone(RESTRICTED_CONTAINER_SECURITY);
  }
  return pod;
}

const QUANTITY_SUFFIX: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};

/** The amount of a Kubernetes resource quantity ("550m" -> 0.55, "288Mi" -> 301989888). */
export function quantityAmount(q: string | number | undefined): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q ?? '');
  if (!m) throw new Error(`not a quantity: ${String(q)}`);
  return Number(m[1]) * (QUANTITY_SUFFIX[m[2] ?? ''] as number);
}

/** Resources with every quantity turned into its amount (rounded to 1e-6), for comparisons. */
export function amounts(resources: Record<string, Record<string, string> | undefined> | undefined): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [kind, values] of Object.entries(resources ?? {})) {
    if (!values) continue;
    out[kind] = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Math.round(quantityAmount(v) * 1e6) / 1e6]));
  }
  return out;
}

/**
 * A corpus pod (../shared/corpus/istio-pods) made creatable on a bare API server, as
 * corpus.e2e.test.ts does (see its header): no namespace, resourceVersion, uid,
 * creationTimestamp, ownerReferences, generateName or status; a unique name `<prefix><index>-<file>`
 * of at most 63 characters; the injection label.
 */
export function adaptCorpusPod(entry: { name: string; pod: unknown }, index: number, prefix = 'c'): V1Pod {
  const pod = structuredClone(entry.pod) as V1Pod & { status?: unknown };
  const meta = (pod.metadata ??= {});
  for (const key of ['namespace', 'resourceVersion', 'uid', 'creationTimestamp', 'ownerReferences', 'generateName'] as const) delete meta[key];
  delete pod.status;
  const slug = entry.name.replace(/\.json$/, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  meta.name = `${prefix}${index}-${slug}`.slice(0, 63).replace(/-+$/, '');
  meta.labels = { ...meta.labels, ...INJECT_LABEL };
  return pod;
}

/**
 * The same pod as an app team would harden it for a `restricted` namespace: every container
 * (init and regular) gets allowPrivilegeEscalation false, capabilities drop ALL (added
 * capabilities removed), runAsNonRoot true, a RuntimeDefault seccomp profile unless it has one,
 * privileged removed and a runAsUser of 0 removed. Everything else (host namespaces, hostPath
 * volumes, hostPorts, ...) stays, so pods that break the standard in other ways stay refused.
 */
export function hardenForRestricted(pod: V1Pod): V1Pod {
  const out = structuredClone(pod);
  for (const list of ['initContainers', 'containers'] as const) {
    for (const c of out.spec?.[list] ?? []) {
      const sc = { ...(c.securityContext ?? {}) };
      delete sc.privileged;
      if (sc.runAsUser === 0) delete sc.runAsUser;
      sc.allowPrivilegeEscalation = false;
      sc.capabilities = { drop: ['ALL'] };
      sc.runAsNonRoot = true;
      sc.seccompProfile ??= { type: 'RuntimeDefault' };
      c.securityContext = sc;
    }
  }
  return out;
}

/**
 * The log-shipping sidecar template of issue 8 (SIDECAR_TEMPLATE_FILE): an init container that
 * prepares the log folder, the sidecar (no image: the release gives it) reading it, and two
 * volumes. Every container is restricted-compliant.
 */
export const LOG_SHIPPING_TEMPLATE = {
  initContainers: [
    {
      name: 'log-setup',
      image: 'registry.example/busybox:1.36',
      command: ['sh', '-c', 'mkdir -p /var/log/app'],
      volumeMounts: [{ name: 'app-logs', mountPath: '/var/log/app' }],
      securityContext: RESTRICTED_CONTAINER_SECURITY,
    },
  ],
  containers: [
    {
      name: SIDECAR,
      args: ['--config=/etc/shipper/shipper.conf'],
      volumeMounts: [
        { name: 'app-logs', mountPath: '/var/log/app', readOnly: true },
        { name: 'shipper-config', mountPath: '/etc/shipper' },
      ],
      resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
      securityContext: RESTRICTED_CONTAINER_SECURITY,
    },
  ],
  volumes: [
    { name: 'app-logs', emptyDir: {} },
    { name: 'shipper-config', configMap: { name: 'shipper-config', optional: true } },
  ],
};

/** Writes `template` (default LOG_SHIPPING_TEMPLATE) as YAML into a new temporary folder; returns the file's path. */
export function writeLogShippingTemplate(template: object = LOG_SHIPPING_TEMPLATE): string {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-template-'));
  registerCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'log-shipping.yaml');
  writeFileSync(file, stringify(template));
  return file;
}

/** The ServiceAccount plugin's token volume mount (kube-api-access-xxxxx). */
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const hasTokenMount = (c: V1Container | undefined): boolean =>
  !!c?.volumeMounts?.some((m) => m.name.startsWith('kube-api-access-') && m.mountPath === TOKEN_MOUNT_PATH);

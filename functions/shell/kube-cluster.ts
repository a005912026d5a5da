import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';

/**
 * Reading the cluster for the fleet commands, through @kubernetes/client-node: the kubeconfig by
 * the standard resolution, pods listed in pages (`limit`/`continue`) so memory stays bounded by
 * a page whatever the fleet's size, and every request counted for the report and the bench.
 */

export class ClusterAccessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterAccessError';
  }
}

export interface KubeConfigOptions {
  /** --kubeconfig: one file, used alone. */
  kubeconfig?: string;
  /** --context: a context of the kubeconfig instead of its current one. */
  context?: string;
}

/**
 * `--kubeconfig`, else `KUBECONFIG` (files joined by the path delimiter, merged, the first
 * one's current context winning), else `~/.kube/config`, else the in-cluster service account,
 * as kubectl resolves it.
 */
export function loadKubeConfig(options: KubeConfigOptions, env: Record<string, string | undefined>): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig !== undefined) {
      if (!existsSync(options.kubeconfig)) throw new ClusterAccessError(`--kubeconfig ${options.kubeconfig}: no such file`);
      kc.loadFromFile(options.kubeconfig);
    } else if (env.KUBECONFIG?.trim()) {
      const files = env.KUBECONFIG.split(delimiter).filter((f) => f.trim() !== '' && existsSync(f));
      if (files.length === 0) throw new ClusterAccessError(`KUBECONFIG=${env.KUBECONFIG}: none of its files exists`);
      kc.loadFromFile(files[0] as string);
      for (const file of files.slice(1)) {
        const other = new KubeConfig();
        other.loadFromFile(file);
        kc.mergeConfig(other, true);
      }
    } else {
      kc.loadFromDefault();
    }
  } catch (error) {
    if (error instanceof ClusterAccessError) throw error;
    throw new ClusterAccessError(`cannot load the kubeconfig: ${(error as Error).message}`, { cause: error });
  }
  if (options.context !== undefined) {
    if (!kc.getContextObject(options.context)) throw new ClusterAccessError(`--context ${options.context}: no such context in the kubeconfig`);
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) throw new ClusterAccessError('no cluster configured: give --kubeconfig, set KUBECONFIG, or run inside a cluster');
  return kc;
}

export interface ListPodsOptions {
  /** One namespace; all when undefined. */
  namespace?: string;
  /** A label selector in kubectl's syntax (`app=web,tier!=db`), passed to the API server. */
  labelSelector?: string;
  /** Page size (the API server's `limit`). */
  pageSize: number;
}

export interface ClusterReader {
  /** Labels of every namespace (one paged LIST), or of the one namespace asked for (one GET). */
  namespaceLabels(namespace?: string): Promise<Map<string, Record<string, string>>>;
  /** Pods, a page at a time. */
  podPages(options: ListPodsOptions): AsyncGenerator<V1Pod[]>;
  /** A MutatingWebhookConfiguration, or undefined when it does not exist. */
  webhookConfiguration(name: string): Promise<unknown>;
  /** How many API requests were made so far. */
  readonly requests: number;
  /** The API server's address, for messages. */
  readonly server: string;
}

export function clusterReader(kc: KubeConfig): ClusterReader {
  const core = kc.makeApiClient(CoreV1Api);
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  const server = kc.getCurrentCluster()?.server ?? '(unknown)';
  let requests = 0;
  const call = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    requests++;
    try {
      return await request();
    } catch (error) {
      throw new ClusterAccessError(`${what} at ${server}: ${describeApiError(error)}`, { cause: error });
    }
  };

  return {
    get requests() {
      return requests;
    },
    server,
    async namespaceLabels(namespace) {
      const labels = new Map<string, Record<string, string>>();
      if (namespace !== undefined) {
        const ns = await call(`reading namespace ${namespace}`, () => core.readNamespace({ name: namespace }));
        labels.set(namespace, ns.metadata?.labels ?? {});
        return labels;
      }
      let next: string | undefined;
      do {
        const page = await call('listing namespaces', () => core.listNamespace({ limit: 500, ...(next ? { _continue: next } : {}) }));
        for (const ns of page.items) if (ns.metadata?.name) labels.set(ns.metadata.name, ns.metadata.labels ?? {});
        next = page.metadata?._continue || undefined;
      } while (next);
      return labels;
    },
    async *podPages({ namespace, labelSelector, pageSize }) {
      let next: string | undefined;
      do {
        const params = { limit: pageSize, ...(labelSelector ? { labelSelector } : {}), ...(next ? { _continue: next } : {}) };
        const page = await call(
          namespace !== undefined ? `listing pods in ${namespace}` : 'listing pods',
          () => (namespace !== undefined ? core.listNamespacedPod({ namespace, ...params }) : core.listPodForAllNamespaces(params)),
        );
        next = page.metadata?._continue || undefined;
        yield page.items;
      } while (next);
    },
    async webhookConfiguration(name) {
      requests++;
      try {
        return await admission.readMutatingWebhookConfiguration({ name });
      } catch (error) {
        if ((error as { code?: unknown }).code === 404) return undefined;
        throw new ClusterAccessError(`reading MutatingWebhookConfiguration ${name} at ${server}: ${describeApiError(error)}`, { cause: error });
      }
    },
  };
}

/** The API server's Status message when there is one, else the client's error. */
export function describeApiError(error: unknown): string {
  const { code, body } = (error ?? {}) as { code?: unknown; body?: unknown };
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) return `${typeof code === 'number' ? `${code} ` : ''}${status.message}`;
    } catch {
      // not JSON: fall through
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: { code?: string } } | null)?.cause?.code;
  return cause ? `${message} (${cause})` : message;
}

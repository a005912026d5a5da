import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1LabelSelector, type V1Pod } from '@kubernetes/client-node';
import { ClusterAccessError, describeApiError } from './kube-cluster.ts';

/**
 * What `rollout` changes in the cluster, through client-node: an annotation on a pod (its UPDATE
 * goes through the webhook, which moves the sidecar image in place), and a restart of a workload
 * by its pod template's annotations, as `kubectl rollout restart` does. Nothing else is written:
 * the webhook stays the only writer of sidecar specs. Merge patches, so nothing the tool did not
 * mean to change is sent.
 */

export type RestartableKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

export interface FleetWriter {
  annotatePod(namespace: string, name: string, annotations: Record<string, string>): Promise<V1Pod>;
  /** undefined when the pod no longer exists. */
  readPod(namespace: string, name: string): Promise<V1Pod | undefined>;
  /** The workload, as JSON-shaped data; undefined when it does not exist. */
  readWorkload(kind: RestartableKind, namespace: string, name: string): Promise<WorkloadObject | undefined>;
  /** Sets annotations on the workload's pod template: a new template, so its controller replaces the pods. */
  annotateTemplate(kind: RestartableKind, namespace: string, name: string, annotations: Record<string, string>): Promise<void>;
  /** The pods the workload's selector matches. */
  podsMatching(namespace: string, selector: V1LabelSelector | undefined): Promise<V1Pod[]>;
}

export interface WorkloadObject {
  metadata?: { generation?: number; name?: string };
  spec?: { replicas?: number; selector?: V1LabelSelector; template?: { metadata?: { annotations?: Record<string, string> } } };
  status?: object;
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function fleetWriter(kc: KubeConfig): FleetWriter {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const fail = (what: string) => (error: unknown): never => {
    throw new ClusterAccessError(`${what}: ${describeApiError(error)}`, { cause: error });
  };
  const notFound = (error: unknown): undefined => {
    if ((error as { code?: unknown }).code === 404) return undefined;
    throw error;
  };

  return {
    annotatePod: (namespace, name, annotations) =>
      core.patchNamespacedPod({ namespace, name, body: { metadata: { annotations } } }, MERGE).catch(fail(`annotating pod ${namespace}/${name}`)),
    readPod: (namespace, name) =>
      core.readNamespacedPod({ namespace, name }).catch(notFound).catch(fail(`reading pod ${namespace}/${name}`)),
    async readWorkload(kind, namespace, name) {
      const read =
        kind === 'Deployment'
          ? apps.readNamespacedDeployment({ namespace, name })
          : kind === 'StatefulSet'
            ? apps.readNamespacedStatefulSet({ namespace, name })
            : apps.readNamespacedDaemonSet({ namespace, name });
      return (await read.catch(notFound).catch(fail(`reading ${kind} ${namespace}/${name}`))) as WorkloadObject | undefined;
    },
    async annotateTemplate(kind, namespace, name, annotations) {
      const body = { spec: { template: { metadata: { annotations } } } };
      const what = `restarting ${kind} ${namespace}/${name}`;
      if (kind === 'Deployment') await apps.patchNamespacedDeployment({ namespace, name, body }, MERGE).catch(fail(what));
      else if (kind === 'StatefulSet') await apps.patchNamespacedStatefulSet({ namespace, name, body }, MERGE).catch(fail(what));
      else await apps.patchNamespacedDaemonSet({ namespace, name, body }, MERGE).catch(fail(what));
    },
    async podsMatching(namespace, selector) {
      const labelSelector = selectorString(selector);
      const pods: V1Pod[] = [];
      let next: string | undefined;
      do {
        const page = await core
          .listNamespacedPod({ namespace, limit: 500, ...(labelSelector ? { labelSelector } : {}), ...(next ? { _continue: next } : {}) })
          .catch(fail(`listing pods in ${namespace}`));
        pods.push(...page.items);
        next = page.metadata?._continue || undefined;
      } while (next);
      return pods;
    },
  };
}

/** A LabelSelector in the API's query syntax (`a=b,c in (d,e),!f`). */
export function selectorString(selector: V1LabelSelector | undefined): string {
  if (!selector) return '';
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

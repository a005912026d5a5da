import jsonPatch from 'fast-json-patch';
import { decide } from '../core/decide.ts';
import { chooseCohort, type CanaryRelease } from '../core/fleet/cohort.ts';
import type { InjectorConfig } from '../core/injector-config.ts';
import { isPlainObject } from '../core/pod-view.ts';
import type { JsonObject } from '../core/types.ts';
import { isSelected, NAMESPACE_NAME_LABEL, type WebhookSelection } from '../../infra/webhook-config/selection.ts';

/**
 * Offline injection into one Kubernetes object: a Pod, the pod template of a workload, or
 * every item of a List (`List` or a typed list such as `DeploymentList`). It runs the webhook's
 * own decision on a simulated CREATE, after the webhook's own selection (objectSelector on the
 * pod's labels, namespaceSelector on what is known of the namespace offline: its name), so the
 * result is what the cluster would admit, and running it again changes nothing. Every pod or
 * template gets one report line: injected, converged, unchanged, skipped (with the reason), not
 * selected, or an unsupported kind.
 */

export type ReportResult = 'injected' | 'converged' | 'unchanged' | 'skipped' | 'not-selected' | 'unsupported';

export interface ObjectReport {
  /** `Deployment/web`, `items[2] Pod/x`, ... */
  subject: string;
  result: ReportResult;
  detail: string;
  /** The warnings the webhook would return to kubectl for it. */
  warnings: string[];
}

export type ObjectOutcome =
  | { status: 'changed'; value: JsonObject; reports: ObjectReport[] }
  | { status: 'unchanged'; reports: ObjectReport[] }
  | { status: 'error'; message: string };

export interface InjectContext {
  config: InjectorConfig;
  selection: WebhookSelection;
  /** Inject whatever the selectors say. */
  ignoreSelection: boolean;
  /** Namespace of objects that name none (`-n`, else `default`, as kubectl apply does). */
  defaultNamespace: string;
  /** The canary in SSM: each workload gets its cohort's release, keyed as the webhook keys its pods. */
  canary?: CanaryRelease;
}

/**
 * The owner kind the webhook will see on this object's pods, for the cohort key: a Deployment's
 * pods are keyed by the Deployment (through its ReplicaSet's pod-template-hash), a StatefulSet's
 * and DaemonSet's by themselves. A CronJob's pods belong to a new Job each run, so no cohort
 * can be named offline: they get the stable release.
 */
const COHORT_OWNER: Record<string, string | undefined> = {
  Pod: 'Pod',
  Deployment: 'Deployment',
  StatefulSet: 'StatefulSet',
  DaemonSet: 'DaemonSet',
  ReplicaSet: 'ReplicaSet',
  ReplicationController: 'ReplicationController',
  Job: 'Job',
  CronJob: undefined,
};

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** Kinds that never carry pods: passed through without a report line. */
const PODLESS_CORE_KINDS = new Set([
  'ConfigMap', 'Secret', 'Service', 'ServiceAccount', 'Namespace', 'PersistentVolumeClaim', 'PersistentVolume', 'Endpoints',
  'LimitRange', 'ResourceQuota', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'Ingress', 'IngressClass',
  'NetworkPolicy', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'StorageClass', 'CustomResourceDefinition',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'PriorityClass', 'EndpointSlice', 'Event', 'Lease',
]);

export function injectObject(object: unknown, context: InjectContext, prefix = ''): ObjectOutcome {
  if (!isPlainObject(object)) return { status: 'unchanged', reports: [] };
  const kind = typeof object.kind === 'string' ? object.kind : undefined;
  const name = isPlainObject(object.metadata) && typeof object.metadata.name === 'string' ? object.metadata.name : '';
  const subject = `${prefix}${kind ?? '(no kind)'}${name ? `/${name}` : ''}`;
  if (kind !== undefined && kind.endsWith('List') && Array.isArray(object.items)) return injectList(object, context, prefix);
  const namespace = isPlainObject(object.metadata) && typeof object.metadata.namespace === 'string' ? object.metadata.namespace : context.defaultNamespace;
  if (kind === 'Pod') {
    const copy = structuredClone(object);
    return injectPodLike(copy, copy, subject, namespace, context, cohortKeyOf('Pod', name, namespace));
  }
  const path = kind !== undefined ? TEMPLATE_PATHS[kind] : undefined;
  if (!path) {
    if (kind !== undefined && PODLESS_CORE_KINDS.has(kind)) return { status: 'unchanged', reports: [] };
    const apiVersion = typeof object.apiVersion === 'string' ? ` (${object.apiVersion})` : '';
    return {
      status: 'unchanged',
      reports: [{ subject, result: 'unsupported', detail: `kind ${kind ?? '(none)'}${apiVersion} is not a Pod or a workload this tool knows: passed through without a sidecar`, warnings: [] }],
    };
  }
  const copy = structuredClone(object);
  let template: unknown = copy;
  for (const key of path) template = isPlainObject(template) ? template[key] : undefined;
  if (!isPlainObject(template)) return { status: 'error', message: `${kind} has no ${path.join('.')}` };
  return injectPodLike(copy, template, subject, namespace, context, cohortKeyOf(kind as string, name, namespace));
}

function cohortKeyOf(kind: string, name: string, namespace: string): string | undefined {
  const owner = COHORT_OWNER[kind];
  return owner !== undefined && name ? `${namespace}/${owner}/${name}` : undefined;
}

/** Decides on `target` (a Pod, or a pod template inside the copied `root`) and patches it in place. */
function injectPodLike(root: JsonObject, target: JsonObject, subject: string, namespace: string, context: InjectContext, cohortKey: string | undefined): ObjectOutcome {
  const labels = isPlainObject(target.metadata) && isPlainObject(target.metadata.labels) ? (target.metadata.labels as Record<string, string>) : {};
  const selected = isSelected(context.selection, labels, { [NAMESPACE_NAME_LABEL]: namespace }, (key) => key === NAMESPACE_NAME_LABEL);
  if (!selected && !context.ignoreSelection) {
    return {
      status: 'unchanged',
      reports: [{ subject, result: 'not-selected', detail: `the webhook's selectors do not match it (namespace ${namespace}); --ignore-selection injects anyway`, warnings: [] }],
    };
  }
  let config = context.config;
  let cohortNote = '';
  if (context.canary) {
    const channels = { stable: config.release, canary: context.canary };
    // Without a key (a CronJob, an unnamed object) the stable release, unless the template pins the canary.
    const choice = cohortKey === undefined ? chooseCohort(target, namespace, { stable: config.release }, config.annotationPrefix) : chooseCohort(target, namespace, channels, config.annotationPrefix, cohortKey);
    config = { ...config, release: choice.release };
    cohortNote = ` (${choice.cohort} cohort, ${choice.reason})`;
  }
  const decision = decide(
    {
      uid: 'offline',
      operation: 'CREATE',
      namespace,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      object: target,
    },
    config,
  );
  const warnings = decision.warnings;
  if (decision.action === 'skip') {
    if (decision.reason === 'malformed-pod') return { status: 'error', message: decision.warnings.join('; ') };
    return { status: 'unchanged', reports: [{ subject, result: 'skipped', detail: decision.reason, warnings }] };
  }
  if (decision.patch.length === 0) return { status: 'unchanged', reports: [{ subject, result: 'unchanged', detail: decision.reason, warnings }] };
  // A copy of the patch: its values are the shared, frozen template, and the YAML writer would
  // turn the same object in two documents into an anchor and an alias.
  jsonPatch.applyPatch(target, structuredClone(decision.patch) as jsonPatch.Operation[], true, true);
  const result = decision.action === 'inject' ? 'injected' : 'converged';
  return { status: 'changed', value: root, reports: [{ subject, result, detail: `${decision.reason}${cohortNote}`, warnings }] };
}

function injectList(list: JsonObject, context: InjectContext, prefix: string): ObjectOutcome {
  const items = list.items as unknown[];
  const reports: ObjectReport[] = [];
  let changed = false;
  const next: unknown[] = [];
  for (const [index, item] of items.entries()) {
    const outcome = injectObject(item, context, `${prefix}items[${index}] `);
    if (outcome.status === 'error') return { status: 'error', message: `items[${index}]: ${outcome.message}` };
    reports.push(...outcome.reports);
    if (outcome.status === 'changed') changed = true;
    next.push(outcome.status === 'changed' ? outcome.value : item);
  }
  return changed ? { status: 'changed', value: { ...list, items: next as JsonObject[] }, reports } : { status: 'unchanged', reports };
}

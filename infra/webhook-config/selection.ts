import type { LabelSelector } from './label-selector.ts';
import type { MutatingWebhook, MutatingWebhookConfiguration } from './render.ts';
import { renderWebhookConfiguration } from './render.ts';

/**
 * Which pods the API server sends to the webhook: the webhook's objectSelector on the pod's
 * labels and its namespaceSelector on the namespace's labels, evaluated as the API server does
 * (apimachinery's LabelSelectorAsSelector). The CLI's `inject` and `status` use it so that they
 * answer for exactly the pods the webhook would see. CEL matchConditions are not evaluated.
 */

export interface WebhookSelection {
  objectSelector: LabelSelector;
  namespaceSelector: LabelSelector;
}

/** Labels the API server sets on every namespace: the only namespace label known without a cluster. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The selection of the stack's default configuration (objectSelector and excluded namespaces). */
export function defaultSelection(): WebhookSelection {
  const { manifest } = renderWebhookConfiguration({ url: 'https://selection.invalid/' });
  return selectionOf(manifest.webhooks[0] as MutatingWebhook);
}

export function selectionOf(webhook: Pick<MutatingWebhook, 'objectSelector' | 'namespaceSelector'>): WebhookSelection {
  return { objectSelector: webhook.objectSelector ?? {}, namespaceSelector: webhook.namespaceSelector ?? {} };
}

/**
 * The selection of a MutatingWebhookConfiguration (as stored in the cluster, or as `npm run
 * manifest` wrote it): its webhook named `webhookName`, or its only webhook.
 */
export function selectionFromConfiguration(configuration: unknown, webhookName?: string): WebhookSelection | { error: string } {
  const doc = configuration as Partial<MutatingWebhookConfiguration> | null;
  if (typeof doc !== 'object' || doc === null || doc.kind !== 'MutatingWebhookConfiguration' || !Array.isArray(doc.webhooks)) {
    return { error: 'not a MutatingWebhookConfiguration (kind and webhooks are required)' };
  }
  const webhooks = doc.webhooks;
  const chosen = webhookName !== undefined ? webhooks.find((w) => w?.name === webhookName) : webhooks.length === 1 ? webhooks[0] : undefined;
  if (!chosen) {
    const names = webhooks.map((w) => w?.name).join(', ');
    return { error: webhookName !== undefined ? `no webhook named "${webhookName}" (it has: ${names})` : `it has ${webhooks.length} webhooks (${names}): name one` };
  }
  return selectionOf(chosen);
}

/**
 * Whether `labels` satisfy `selector`. An empty selector selects everything (as in webhooks).
 * `known`, when given, says which label keys the caller actually knows: a requirement on any
 * other key is assumed to hold (offline, a namespace's labels other than its name are unknown).
 */
export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string>, known?: (key: string) => boolean): boolean {
  const knows = known ?? (() => true);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (knows(key) && labels[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    if (!knows(requirement.key)) continue;
    const present = Object.hasOwn(labels, requirement.key);
    const value = labels[requirement.key];
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (!present || !values.includes(value as string)) return false;
        break;
      case 'NotIn':
        if (present && values.includes(value as string)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether the API server would send a pod with these labels, in a namespace with these labels, to the webhook. */
export function isSelected(
  selection: WebhookSelection,
  podLabels: Record<string, string>,
  namespaceLabels: Record<string, string>,
  knownNamespaceLabel?: (key: string) => boolean,
): boolean {
  return matchesLabelSelector(selection.objectSelector, podLabels) && matchesLabelSelector(selection.namespaceSelector, namespaceLabels, knownNamespaceLabel);
}

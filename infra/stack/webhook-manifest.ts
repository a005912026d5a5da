import { Fn } from 'aws-cdk-lib';
import { renderWebhookConfiguration, type MutatingWebhookConfiguration } from '../webhook-config/render.ts';
import { webhookNameOf } from '../settings/resolve.ts';
import type { SidecarInjectorSettings } from '../settings/settings.ts';

/**
 * The MutatingWebhookConfiguration with the deployed URL in it. The renderer is pure and wants
 * a real URL; the URL is a CloudFormation token until deploy. So the manifest is rendered with
 * a placeholder URL that occurs exactly once, and the placeholder is replaced by the token:
 * in the YAML with Fn::Join, in the object (for KubernetesManifest) by the token string.
 */
const PLACEHOLDER_URL = 'https://webhook-url-placeholder.invalid/mutate';

export interface WebhookManifest {
  /** The YAML, a CloudFormation Fn::Join that resolves to the real URL at deploy. */
  yaml: string;
  /** The object form, with the URL token in clientConfig.url. */
  manifest: MutatingWebhookConfiguration;
}

export function webhookManifest(settings: SidecarInjectorSettings, url: string): WebhookManifest {
  const rendered = renderWebhookConfiguration({
    url: PLACEHOLDER_URL,
    name: settings.webhookConfigurationName,
    webhookName: webhookNameOf(settings),
    upgradeOnUpdate: settings.upgradeOnUpdate,
    failurePolicy: settings.failurePolicy,
    timeoutSeconds: settings.webhookTimeoutSeconds,
    reinvocationPolicy: settings.reinvocationPolicy,
    matchPolicy: settings.matchPolicy,
    objectSelector: settings.objectSelector,
    ...(settings.namespaceSelector !== undefined ? { namespaceSelector: settings.namespaceSelector } : {}),
    excludedNamespaces: settings.excludedNamespaces,
  });
  const parts = rendered.yaml.split(PLACEHOLDER_URL);
  if (parts.length !== 2) throw new Error(`the rendered manifest must hold the URL exactly once, found ${parts.length - 1}`);
  const manifest = structuredClone(rendered.manifest);
  for (const webhook of manifest.webhooks) webhook.clientConfig.url = url;
  return { yaml: Fn.join('', [parts[0] ?? '', url, parts[1] ?? '']), manifest };
}

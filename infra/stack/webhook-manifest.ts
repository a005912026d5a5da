import { Fn } from 'aws-cdk-lib';
import { renderWebhookConfiguration, type ClusterDocument } from '../webhook-config/render.ts';
import { webhookRenderSettings } from '../settings/resolve.ts';
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
  /** The objects (configuration, and in fail-open mode the policy and its binding), with the URL token in clientConfig.url. */
  documents: ClusterDocument[];
}

export function webhookManifest(settings: SidecarInjectorSettings, url: string): WebhookManifest {
  const rendered = renderWebhookConfiguration(webhookRenderSettings(settings, PLACEHOLDER_URL));
  const parts = rendered.yaml.split(PLACEHOLDER_URL);
  if (parts.length !== 2) throw new Error(`the rendered manifest must hold the URL exactly once, found ${parts.length - 1}`);
  const documents = structuredClone(rendered.documents);
  for (const document of documents) {
    if (document.kind === 'MutatingWebhookConfiguration') for (const webhook of document.webhooks) webhook.clientConfig.url = url;
  }
  return { yaml: Fn.join('', [parts[0] ?? '', url, parts[1] ?? '']), documents };
}

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderWebhookConfiguration, WebhookConfigurationError, type WebhookConfigurationSettings } from '../../infra/webhook-config/render.ts';

const URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/mutate';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2FyZWZ1bGx5IG5vdCBhIHJlYWwgY2VydDAKBggqhkjO\n-----END CERTIFICATE-----';

function problemsOf(settings: WebhookConfigurationSettings): string[] {
  try {
    renderWebhookConfiguration(settings);
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookConfigurationError);
    return (error as WebhookConfigurationError).problems;
  }
  throw new Error('expected the settings to be refused');
}

describe('renderWebhookConfiguration defaults', () => {
  const { manifest, yaml } = renderWebhookConfiguration({ url: URL });
  const webhook = manifest.webhooks[0]!;

  it('is one admissionregistration.k8s.io/v1 MutatingWebhookConfiguration with one webhook', () => {
    expect(manifest.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(manifest.kind).toBe('MutatingWebhookConfiguration');
    expect(manifest.metadata.name).toBe('sidecar-injector');
    expect(manifest.webhooks).toHaveLength(1);
  });

  it('intercepts pod CREATE only, with the design defaults', () => {
    expect(webhook.rules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }]);
    expect(webhook.sideEffects).toBe('None');
    expect(webhook.admissionReviewVersions).toEqual(['v1']);
    expect(webhook.failurePolicy).toBe('Fail');
    expect(webhook.reinvocationPolicy).toBe('IfNeeded');
    expect(webhook.matchPolicy).toBe('Equivalent');
    expect(webhook.timeoutSeconds).toBe(10);
  });

  it('selects labelled pods and leaves the system namespaces out', () => {
    expect(webhook.objectSelector).toEqual({ matchLabels: { 'sidecar-injection': 'enabled' } });
    expect(webhook.namespaceSelector).toEqual({
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease'] }],
    });
  });

  it('has the URL and no caBundle (API Gateway has a public certificate)', () => {
    expect(webhook.clientConfig).toEqual({ url: URL });
  });

  it('gives YAML that parses back to the same object, URL on one line', () => {
    expect(parse(yaml)).toEqual(manifest);
    expect(yaml).toContain(`url: ${URL}\n`);
  });

  it('does not share the defaults between calls', () => {
    webhook.objectSelector.matchLabels!['changed'] = 'yes';
    expect(renderWebhookConfiguration({ url: URL }).manifest.webhooks[0]!.objectSelector).toEqual({ matchLabels: { 'sidecar-injection': 'enabled' } });
  });
});

describe('renderWebhookConfiguration settings', () => {
  it('adds UPDATE only when upgradeOnUpdate is on', () => {
    const { manifest } = renderWebhookConfiguration({ url: URL, upgradeOnUpdate: true });
    expect(manifest.webhooks[0]!.rules[0]!.operations).toEqual(['CREATE', 'UPDATE']);
  });

  it('base64-encodes a PEM caBundle and keeps a base64 one as given', () => {
    const fromPem = renderWebhookConfiguration({ url: URL, caBundle: PEM }).manifest.webhooks[0]!.clientConfig.caBundle!;
    expect(Buffer.from(fromPem, 'base64').toString('utf8')).toBe(`${PEM}\n`);
    const fromBase64 = renderWebhookConfiguration({ url: URL, caBundle: fromPem }).manifest.webhooks[0]!.clientConfig.caBundle;
    expect(fromBase64).toBe(fromPem);
  });

  it('ANDs an extra namespace selector with the exclusions, and takes custom exclusions', () => {
    const { manifest } = renderWebhookConfiguration({
      url: URL,
      namespaceSelector: { matchLabels: { team: 'payments' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
      excludedNamespaces: ['kube-system'],
    });
    expect(manifest.webhooks[0]!.namespaceSelector).toEqual({
      matchLabels: { team: 'payments' },
      matchExpressions: [
        { key: 'tier', operator: 'Exists' },
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
      ],
    });
  });

  it('renders an empty namespace selector when nothing is excluded', () => {
    expect(renderWebhookConfiguration({ url: URL, excludedNamespaces: [] }).manifest.webhooks[0]!.namespaceSelector).toEqual({});
  });

  it('passes names, policies and timeout through', () => {
    const webhook = renderWebhookConfiguration({
      url: URL,
      name: 'injector',
      webhookName: 'inject.example.com',
      failurePolicy: 'Ignore',
      reinvocationPolicy: 'Never',
      matchPolicy: 'Exact',
      timeoutSeconds: 30,
      objectSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
    }).manifest.webhooks[0]!;
    expect(webhook).toMatchObject({
      name: 'inject.example.com',
      failurePolicy: 'Ignore',
      reinvocationPolicy: 'Never',
      matchPolicy: 'Exact',
      timeoutSeconds: 30,
      objectSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
    });
  });
});

describe('renderWebhookConfiguration refuses bad input', () => {
  it.each([
    ['http://example.com/mutate', 'must use https'],
    ['https://user:secret@example.com/mutate', 'user:password'],
    ['https://example.com/mutate?token=1', 'query string'],
    ['https://example.com/mutate#x', 'fragment'],
    ['example.com/mutate', 'not an absolute URL'],
    ['', 'url is required'],
  ])('url %j', (url, message) => {
    expect(problemsOf({ url }).join('\n')).toContain(message);
  });

  it('names every bad setting at once', () => {
    const problems = problemsOf({
      url: URL,
      timeoutSeconds: 31,
      failurePolicy: 'Sometimes' as 'Fail',
      webhookName: 'two.parts',
      objectSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] },
      excludedNamespaces: ['Kube_System'],
      caBundle: 'not a certificate',
    });
    expect(problems).toEqual([
      expect.stringContaining('caBundle must be a PEM certificate'),
      expect.stringContaining('webhookName "two.parts"'),
      expect.stringContaining('failurePolicy "Sometimes" must be one of Fail, Ignore'),
      expect.stringContaining('timeoutSeconds 31 must be a whole number from 1 to 30'),
      expect.stringContaining('operator In needs a non-empty values list'),
      expect.stringContaining('excludedNamespaces: "Kube_System"'),
    ]);
  });

  it('refuses unknown settings and bad label keys and values', () => {
    const problems = problemsOf({
      url: URL,
      objectSelector: { matchLabels: { 'bad key!': 'enabled', ok: '-starts-with-dash' } },
      ...({ failurePolicyy: 'Fail' } as object),
    });
    expect(problems.join('\n')).toContain('unknown setting "failurePolicyy"');
    expect(problems.join('\n')).toContain('label key "bad key!"');
    expect(problems.join('\n')).toContain('label value "-starts-with-dash"');
  });

  it('refuses a base64 caBundle that is not a certificate', () => {
    expect(problemsOf({ url: URL, caBundle: Buffer.from('hello').toString('base64') })[0]).toContain('caBundle');
  });
});

import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { triage } from '../../functions/core/decide.ts';
import type { InjectorSettings } from '../../functions/core/injector-config.ts';
import { defaultFragment } from '../../functions/core/template/pod-fragment.ts';
import type { AdmissionRequest } from '../../functions/core/types.ts';
import { OPT_OUT_VALUES } from '../../infra/webhook-config/admission-cel.ts';
import { resolveSettings, webhookRenderSettings } from '../../infra/settings/resolve.ts';
import { renderWebhookConfiguration, WebhookConfigurationError } from '../../infra/webhook-config/render.ts';

// The CEL itself is evaluated by the real API server in test/e2e (admission-cel.e2e.test.ts);
// here: what is rendered, and that the CEL's constants agree with the core's decision.

const URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/mutate';

const INJECTOR: InjectorSettings = {
  annotationPrefix: 'injector.my-company.com',
  template: { sidecarName: 'my-sidecar', fragment: defaultFragment() },
  upgradeOnUpdate: true,
  nativeSidecar: 'never',
  skipHostNetwork: true,
  skipMirrorPods: true,
  skipWindowsPods: true,
  keepGuaranteedQos: true,
};

function request(operation: 'CREATE' | 'UPDATE', pod: Record<string, unknown>): AdmissionRequest {
  return { uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, operation, object: pod } as AdmissionRequest;
}
const pod = (annotations: Record<string, string> = {}, containers = [{ name: 'app', image: 'app:1' }]) => ({
  metadata: { name: 'p', annotations },
  spec: { containers },
});

describe('matchConditions mirror the core: each excludes only what the webhook skips without a patch or a warning', () => {
  it('every opt-out value, in any ASCII case, is an opt-out for the core', () => {
    for (const value of OPT_OUT_VALUES) {
      for (const written of [value, value.toUpperCase(), value.charAt(0).toUpperCase() + value.slice(1)]) {
        const decision = triage(request('CREATE', pod({ 'injector.my-company.com/inject': written })), INJECTOR);
        expect(decision, written).toMatchObject({ action: 'skip', reason: 'opt-out', patch: [], warnings: [] });
      }
    }
  });

  it('a pod being deleted, a mirror pod, and an UPDATE of a pod without the sidecar: no patch, no warning lost except update-cannot-inject', () => {
    const deleting = pod();
    (deleting.metadata as Record<string, unknown>).deletionTimestamp = '2026-01-01T00:00:00Z';
    expect(triage(request('UPDATE', deleting), INJECTOR)).toMatchObject({ reason: 'being-deleted', patch: [], warnings: [] });
    expect(triage(request('CREATE', pod({ 'kubernetes.io/config.mirror': 'x' })), INJECTOR)).toMatchObject({ reason: 'mirror-pod', patch: [], warnings: [] });
    // The one warning the conditions cost (README: matchConditions): the core warns, without a patch.
    expect(triage(request('UPDATE', pod()), INJECTOR)).toMatchObject({ reason: 'update-cannot-inject', patch: [], warnings: [expect.stringContaining('recreate the pod')] });
  });

  it('renders them by default, naming the sidecar and the annotation prefix', () => {
    const webhook = renderWebhookConfiguration({ url: URL, upgradeOnUpdate: true, sidecarName: 'mesh-proxy', annotationPrefix: 'mesh.example.com' }).manifest.webhooks[0]!;
    expect(webhook.matchConditions!.map((c) => c.name)).toEqual(['not-being-deleted', 'not-opted-out', 'not-a-mirror-pod', 'update-of-a-pod-with-the-sidecar']);
    expect(webhook.matchConditions![1]!.expression).toBe(
      '!(has(object.metadata.annotations) && "mesh.example.com/inject" in object.metadata.annotations && object.metadata.annotations["mesh.example.com/inject"].lowerAscii() in ["false", "no", "off", "n", "0", "disabled"])',
    );
    expect(webhook.matchConditions![3]!.expression).toContain('c.name == "mesh-proxy"');
    expect(webhook.matchConditions![3]!.expression).toMatch(/^request\.operation != "UPDATE" \|\| /);
  });

  it('no UPDATE condition without upgradeOnUpdate (UPDATE is not intercepted), no mirror condition when mirror pods are injected', () => {
    const webhook = renderWebhookConfiguration({ url: URL, skipMirrorPods: false }).manifest.webhooks[0]!;
    expect(webhook.matchConditions!.map((c) => c.name)).toEqual(['not-being-deleted', 'not-opted-out']);
  });

  it('matchConditions=false renders none (to measure what they save)', () => {
    expect(renderWebhookConfiguration({ url: URL, matchConditions: false }).manifest.webhooks[0]).not.toHaveProperty('matchConditions');
  });
});

describe('fail-open mode', () => {
  const rendered = renderWebhookConfiguration({
    url: URL,
    failOpen: true,
    namespaceSelector: { matchLabels: { team: 'payments' } },
    webhookName: 'sidecar-injector.injector.my-company.com',
  });

  it('turns the webhook to Ignore and adds a ValidatingAdmissionPolicy with its binding, in one YAML stream', () => {
    expect(rendered.manifest.webhooks[0]!.failurePolicy).toBe('Ignore');
    expect(rendered.documents.map((d) => d.kind)).toEqual(['MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
    expect(parseAllDocuments(rendered.yaml).map((d) => d.toJS())).toEqual(rendered.documents);
    expect(rendered.policy!.binding.spec).toEqual({ policyName: 'sidecar-injector-require-sidecar', validationActions: ['Deny'] });
  });

  it('looks at exactly the pods the webhook is sent: same selectors, CREATE of pods', () => {
    const webhook = rendered.manifest.webhooks[0]!;
    const match = rendered.policy!.policy.spec.matchConstraints;
    expect(match.objectSelector).toEqual(webhook.objectSelector);
    expect(match.namespaceSelector).toEqual(webhook.namespaceSelector);
    expect(match.namespaceSelector.matchExpressions).toContainEqual({ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease'] });
    expect(match.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }]);
    expect(rendered.policy!.policy.spec.failurePolicy).toBe('Fail');
  });

  it('exempts what the webhook skips on purpose, and checks the sidecar by container name in both lists', () => {
    const spec = rendered.policy!.policy.spec;
    expect(spec.matchConditions.map((c) => c.name)).toEqual(['not-opted-out', 'not-windows', 'has-containers', 'not-a-mirror-pod', 'not-host-network']);
    expect(spec.validations[0]!.expression).toBe(
      '(has(object.spec.containers) && object.spec.containers.exists(c, c.name == "my-sidecar")) || (has(object.spec.initContainers) && object.spec.initContainers.exists(c, c.name == "my-sidecar"))',
    );
    const optOut = spec.matchConditions[0]!.expression;
    // Wider than the core's test: surrounding whitespace (which the core trims) stays exempt.
    const pattern = new RegExp(/matches\("(.*)"\)/.exec(optOut)![1]!.replace(/\\\\/g, '\\'));
    for (const value of OPT_OUT_VALUES) expect(pattern.test(` ${value.toUpperCase()}\t`.toLowerCase())).toBe(true);
    expect(pattern.test('falsey')).toBe(false);
    expect(pattern.test('nope')).toBe(false);
  });

  it('without hostNetwork and mirror skips, those pods are checked too', () => {
    const names = renderWebhookConfiguration({ url: URL, failOpen: true, skipHostNetwork: false, skipMirrorPods: false }).policy!.policy.spec.matchConditions.map((c) => c.name);
    expect(names).toEqual(['not-opted-out', 'not-windows', 'has-containers']);
  });

  it('the refusal names the webhook, the sidecar and how to diagnose and opt out', () => {
    const message = rendered.policy!.policy.spec.validations[0]!.message;
    expect(message).toContain('"sidecar-injector.injector.my-company.com"');
    expect(message).toContain('no container named "my-sidecar"');
    expect(message).toContain('Controllers retry');
    expect(message).toContain('kubectl get mutatingwebhookconfiguration sidecar-injector');
    expect(message).toContain('injector.my-company.com/inject: "false"');
    expect(message).not.toMatch(/\n/);
  });

  it('refuses failOpen with failurePolicy Fail, naming both', () => {
    let error: unknown;
    try {
      renderWebhookConfiguration({ url: URL, failOpen: true, failurePolicy: 'Fail' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WebhookConfigurationError);
    expect((error as WebhookConfigurationError).problems).toEqual([expect.stringContaining('failOpen=true renders failurePolicy Ignore')]);
  });

  it('is off by default: one document, failurePolicy Fail', () => {
    const plain = renderWebhookConfiguration({ url: URL });
    expect(plain.documents).toHaveLength(1);
    expect(plain.policy).toBeUndefined();
    expect(plain.manifest.webhooks[0]!.failurePolicy).toBe('Fail');
  });
});

describe('the stack renders the CEL for the template it ships', () => {
  it('names the template\'s sidecar (its only container) and exempts pods with a volume named like the template\'s', () => {
    const settings = resolveSettings({
      sidecarTemplate: { containers: [{ name: 'shipper', volumeMounts: [{ name: 'app-logs', mountPath: '/logs' }] }], volumes: [{ name: 'app-logs', emptyDir: {} }] },
      failOpen: true,
      failurePolicy: 'Ignore',
    });
    const rendered = renderWebhookConfiguration(webhookRenderSettings(settings, URL));
    const policy = rendered.policy!.policy;
    expect(policy.spec.validations[0]!.expression).toContain('c.name == "shipper"');
    expect(policy.spec.validations[0]!.message).toContain('no container named "shipper"');
    expect(policy.spec.matchConditions).toContainEqual({
      name: 'no-volume-named-like-the-template',
      expression: '!(has(object.spec.volumes) && object.spec.volumes.exists(v, v.name in ["app-logs"]))',
    });
  });

});

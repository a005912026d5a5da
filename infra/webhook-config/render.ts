import { stringify } from 'yaml';
import { isDns1123Label, isDns1123Subdomain } from '../../functions/core/kubernetes-names.ts';
import {
  requireSidecarPolicy,
  webhookMatchConditions,
  type MatchCondition,
  type ValidatingAdmissionPolicy,
  type ValidatingAdmissionPolicyBinding,
} from './admission-cel.ts';
import { labelSelectorProblems, type LabelSelector, type LabelSelectorRequirement } from './label-selector.ts';

/**
 * The MutatingWebhookConfiguration that registers the injector with a cluster: one pure
 * function from a URL and settings to the manifest object and its YAML. No CDK here: the stack,
 * the manifest CLI and the end-to-end suite (a local webhook with a caBundle) all use it.
 */

export interface WebhookConfigurationSettings {
  /** Where the API server sends AdmissionReviews: https, no user:password, no query or fragment. */
  url: string;
  /** CA that signed the webhook's serving certificate: PEM text or its base64. Omit for a public CA (API Gateway). */
  caBundle?: string;
  /** metadata.name of the configuration (a DNS subdomain). */
  name?: string;
  /** The webhook's name: a fully qualified name with at least three segments. */
  webhookName?: string;
  /** Also intercept UPDATE, so the injector may move an existing sidecar to a new image. */
  upgradeOnUpdate?: boolean;
  failurePolicy?: 'Fail' | 'Ignore';
  /** 1 to 30; keep it above the API Gateway integration timeout, itself above the function timeout. */
  timeoutSeconds?: number;
  reinvocationPolicy?: 'IfNeeded' | 'Never';
  matchPolicy?: 'Equivalent' | 'Exact';
  /** Which pods are sent to the webhook. */
  objectSelector?: LabelSelector;
  /** Extra namespace conditions, ANDed with the exclusion of `excludedNamespaces`. */
  namespaceSelector?: LabelSelector;
  /** Namespaces never sent to the webhook, matched on `kubernetes.io/metadata.name`. */
  excludedNamespaces?: string[];
  /** The injector's own settings the CEL needs (must equal the function's). */
  sidecarName?: string;
  /**
   * The template's volume names: in fail-open mode a pod that already has a volume of one of
   * these names is exempt from the policy, because the webhook skips a pod whose volume of that
   * name is not the template's (volume-conflict).
   */
  templateVolumeNames?: string[];
  annotationPrefix?: string;
  skipHostNetwork?: boolean;
  skipMirrorPods?: boolean;
  /**
   * CEL matchConditions that keep requests the webhook cannot act on inside the API server
   * (default true). false exists to measure what they save (test/e2e), not for production.
   */
  matchConditions?: boolean;
  /**
   * failurePolicy Ignore plus a ValidatingAdmissionPolicy that refuses a selected pod without the
   * sidecar (Kubernetes 1.30+). Needs failurePolicy Ignore (the default when failOpen is set).
   */
  failOpen?: boolean;
}

export const WEBHOOK_CONFIGURATION_DEFAULTS = {
  name: 'sidecar-injector',
  webhookName: 'sidecar-injector.injector.my-company.com',
  upgradeOnUpdate: false,
  failurePolicy: 'Fail',
  timeoutSeconds: 10,
  reinvocationPolicy: 'IfNeeded',
  matchPolicy: 'Equivalent',
  objectSelector: { matchLabels: { 'sidecar-injection': 'enabled' } },
  excludedNamespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
  sidecarName: 'my-sidecar',
  annotationPrefix: 'injector.my-company.com',
  skipHostNetwork: true,
  skipMirrorPods: true,
  matchConditions: true,
  failOpen: false,
} as const satisfies Omit<WebhookConfigurationSettings, 'url'>;

export interface MutatingWebhookConfiguration {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'MutatingWebhookConfiguration';
  metadata: { name: string; labels: Record<string, string> };
  webhooks: MutatingWebhook[];
}

export interface MutatingWebhook {
  name: string;
  clientConfig: { url: string; caBundle?: string };
  rules: Array<{ apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[]; scope: string }>;
  failurePolicy: 'Fail' | 'Ignore';
  matchPolicy: 'Equivalent' | 'Exact';
  reinvocationPolicy: 'IfNeeded' | 'Never';
  sideEffects: 'None';
  admissionReviewVersions: string[];
  timeoutSeconds: number;
  objectSelector: LabelSelector;
  namespaceSelector: LabelSelector;
  matchConditions?: MatchCondition[];
}

export type ClusterDocument = MutatingWebhookConfiguration | ValidatingAdmissionPolicy | ValidatingAdmissionPolicyBinding;

export interface RenderedWebhookConfiguration {
  manifest: MutatingWebhookConfiguration;
  /** Fail-open mode only: the policy that refuses selected pods without the sidecar, and its binding. */
  policy?: { policy: ValidatingAdmissionPolicy; binding: ValidatingAdmissionPolicyBinding };
  /** Everything to apply, in order: the configuration, then (fail-open) the policy and its binding. */
  documents: ClusterDocument[];
  /** `documents` as one multi-document YAML stream. */
  yaml: string;
}

export class WebhookConfigurationError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid webhook configuration: ${problems.join('; ')}`);
    this.name = 'WebhookConfigurationError';
    this.problems = problems;
  }
}

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const SETTINGS_KEYS = new Set<string>([...Object.keys(WEBHOOK_CONFIGURATION_DEFAULTS), 'url', 'caBundle', 'namespaceSelector', 'templateVolumeNames']);

export function renderWebhookConfiguration(settings: WebhookConfigurationSettings): RenderedWebhookConfiguration {
  const problems = settingsProblems(settings);
  if (problems.length > 0) throw new WebhookConfigurationError(problems);
  const d = WEBHOOK_CONFIGURATION_DEFAULTS;
  const upgradeOnUpdate = settings.upgradeOnUpdate ?? d.upgradeOnUpdate;
  const failOpen = settings.failOpen ?? d.failOpen;
  const shape = {
    sidecarName: settings.sidecarName ?? d.sidecarName,
    annotationPrefix: settings.annotationPrefix ?? d.annotationPrefix,
    upgradeOnUpdate,
    skipHostNetwork: settings.skipHostNetwork ?? d.skipHostNetwork,
    skipMirrorPods: settings.skipMirrorPods ?? d.skipMirrorPods,
    templateVolumeNames: settings.templateVolumeNames ?? [],
  };
  const name = settings.name ?? d.name;
  const webhookName = settings.webhookName ?? d.webhookName;
  const labels = { 'app.kubernetes.io/name': 'sidecar-injector', 'app.kubernetes.io/component': 'admission-webhook' };
  const objectSelector = structuredClone(settings.objectSelector ?? d.objectSelector);
  const selectedNamespaces = namespaceSelector(settings.namespaceSelector, settings.excludedNamespaces ?? [...d.excludedNamespaces]);
  const clientConfig: MutatingWebhook['clientConfig'] = { url: settings.url };
  if (settings.caBundle !== undefined) clientConfig.caBundle = caBundleBase64(settings.caBundle);

  const manifest: MutatingWebhookConfiguration = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name, labels },
    webhooks: [
      {
        name: webhookName,
        clientConfig,
        rules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: upgradeOnUpdate ? ['CREATE', 'UPDATE'] : ['CREATE'],
            resources: ['pods'],
            scope: 'Namespaced',
          },
        ],
        failurePolicy: settings.failurePolicy ?? (failOpen ? 'Ignore' : d.failurePolicy),
        matchPolicy: settings.matchPolicy ?? d.matchPolicy,
        reinvocationPolicy: settings.reinvocationPolicy ?? d.reinvocationPolicy,
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: settings.timeoutSeconds ?? d.timeoutSeconds,
        objectSelector,
        namespaceSelector: selectedNamespaces,
        ...((settings.matchConditions ?? d.matchConditions) ? { matchConditions: webhookMatchConditions(shape) } : {}),
      },
    ],
  };
  const policy = failOpen
    ? requireSidecarPolicy({
        ...shape,
        name: `${name}-require-sidecar`,
        labels,
        configurationName: name,
        webhookName,
        matchPolicy: settings.matchPolicy ?? d.matchPolicy,
        namespaceSelector: selectedNamespaces,
        objectSelector,
      })
    : undefined;
  const documents: ClusterDocument[] = policy ? [manifest, policy.policy, policy.binding] : [manifest];
  // lineWidth 0: never fold long strings, so the URL stays on one line for whoever substitutes it.
  const yaml = documents.map((document) => stringify(document, { lineWidth: 0 })).join('---\n');
  return { manifest, ...(policy ? { policy } : {}), documents, yaml };
}

function namespaceSelector(extra: LabelSelector | undefined, excluded: string[]): LabelSelector {
  const selector: LabelSelector = {};
  if (extra?.matchLabels && Object.keys(extra.matchLabels).length > 0) selector.matchLabels = { ...extra.matchLabels };
  const expressions: LabelSelectorRequirement[] = (extra?.matchExpressions ?? []).map((e) => structuredClone(e));
  if (excluded.length > 0) expressions.push({ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values: [...excluded] });
  if (expressions.length > 0) selector.matchExpressions = expressions;
  return selector;
}

/** Every problem with the settings, as sentences naming the setting. */
export function settingsProblems(settings: WebhookConfigurationSettings): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(settings)) {
    if (!SETTINGS_KEYS.has(key)) problems.push(`unknown setting "${key}"`);
  }
  problems.push(...urlProblems(settings.url));
  if (settings.caBundle !== undefined && caBundleBase64(settings.caBundle) === undefined) {
    problems.push('caBundle must be a PEM certificate (-----BEGIN CERTIFICATE-----) or its base64');
  }
  if (settings.name !== undefined && !isDns1123Subdomain(settings.name)) {
    problems.push(`name "${settings.name}" must be a DNS subdomain (lower-case letters, digits, "-" and ".")`);
  }
  if (settings.webhookName !== undefined && (!isDns1123Subdomain(settings.webhookName) || settings.webhookName.split('.').length < 3)) {
    problems.push(`webhookName "${settings.webhookName}" must be a fully qualified name with at least three segments, such as sidecar-injector.example.com`);
  }
  for (const key of ['upgradeOnUpdate', 'skipHostNetwork', 'skipMirrorPods', 'matchConditions', 'failOpen'] as const) {
    if (settings[key] !== undefined && typeof settings[key] !== 'boolean') problems.push(`${key} must be true or false`);
  }
  if (settings.sidecarName !== undefined && (typeof settings.sidecarName !== 'string' || !isDns1123Label(settings.sidecarName))) {
    problems.push(`sidecarName "${String(settings.sidecarName)}" must be a container name (lower-case letters, digits and "-", at most 63)`);
  }
  if (settings.annotationPrefix !== undefined && (typeof settings.annotationPrefix !== 'string' || !isDns1123Subdomain(settings.annotationPrefix))) {
    problems.push(`annotationPrefix "${String(settings.annotationPrefix)}" must be a DNS subdomain such as injector.example.com`);
  }
  if (settings.failOpen === true && settings.failurePolicy === 'Fail') {
    problems.push('failOpen=true renders failurePolicy Ignore plus a ValidatingAdmissionPolicy that refuses selected pods without the sidecar; set failurePolicy=Ignore (it is Fail), or failOpen=false to keep Fail');
  }
  if (settings.failOpen === true && settings.name !== undefined && isDns1123Subdomain(settings.name) && `${settings.name}-require-sidecar`.length > 253) {
    problems.push(`name "${settings.name}" is too long for the policy name "<name>-require-sidecar" (at most 253 characters)`);
  }
  oneOf(problems, 'failurePolicy', settings.failurePolicy, ['Fail', 'Ignore']);
  oneOf(problems, 'reinvocationPolicy', settings.reinvocationPolicy, ['IfNeeded', 'Never']);
  oneOf(problems, 'matchPolicy', settings.matchPolicy, ['Equivalent', 'Exact']);
  const timeout = settings.timeoutSeconds;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 30)) {
    problems.push(`timeoutSeconds ${String(timeout)} must be a whole number from 1 to 30 (the API server's limit)`);
  }
  if (settings.objectSelector !== undefined) problems.push(...labelSelectorProblems(settings.objectSelector, 'objectSelector'));
  if (settings.namespaceSelector !== undefined) problems.push(...labelSelectorProblems(settings.namespaceSelector, 'namespaceSelector'));
  const excluded = settings.excludedNamespaces;
  if (excluded !== undefined) {
    if (!Array.isArray(excluded)) problems.push('excludedNamespaces must be a list of namespace names');
    else {
      for (const namespace of excluded) {
        if (typeof namespace !== 'string' || !isDns1123Label(namespace)) problems.push(`excludedNamespaces: "${String(namespace)}" is not a namespace name`);
      }
    }
  }
  return problems;
}

/** The rules the API server applies to `clientConfig.url`. */
export function urlProblems(url: unknown): string[] {
  if (typeof url !== 'string' || url.trim() === '') return ['url is required: the https address the API server calls'];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [`url "${url}" is not an absolute URL`];
  }
  const problems: string[] = [];
  if (parsed.protocol !== 'https:') problems.push(`url "${url}" must use https (the API server only calls webhooks over TLS)`);
  if (parsed.username !== '' || parsed.password !== '') problems.push(`url must not contain user:password (the API server refuses credentials in the URL)`);
  if (url.includes('?')) problems.push(`url "${url}" must not contain a query string`);
  if (url.includes('#')) problems.push(`url "${url}" must not contain a fragment`);
  if (parsed.hostname === '') problems.push(`url "${url}" has no host`);
  return problems;
}

function oneOf(problems: string[], setting: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value))) {
    problems.push(`${setting} "${String(value)}" must be one of ${allowed.join(', ')}`);
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** The caBundle as the manifest wants it (base64 of PEM), or undefined when it is neither PEM nor base64 of PEM. */
function caBundleBase64(caBundle: string): string | undefined {
  if (typeof caBundle !== 'string') return undefined;
  const text = caBundle.trim();
  if (PEM_CERTIFICATE.test(text)) return Buffer.from(`${text}\n`, 'utf8').toString('base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  return PEM_CERTIFICATE.test(decoded) ? text : undefined;
}

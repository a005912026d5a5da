import type { LabelSelector } from './label-selector.ts';

/**
 * The CEL the API server evaluates for the injector, in two directions:
 *
 * - `webhookMatchConditions`: requests the webhook would certainly answer without a patch and
 *   without a warning are never sent (no network call, no throttle, no invocation). They must be
 *   a SUBSET of the webhook's own skips (functions/core/decide.ts, `triage`): leaving out a
 *   request the webhook would have patched would leave a pod without its sidecar.
 * - `requireSidecarPolicy`: in fail-open mode, a ValidatingAdmissionPolicy refuses a selected pod
 *   that reached validation without the sidecar. Its exemptions must be a SUPERSET of the
 *   webhook's skips: refusing a pod the webhook skips on purpose would make it impossible to create.
 *
 * Both directions are checked against the core's decision in test/infra/admission-cel.test.ts and
 * against the real API server in the end-to-end suite.
 */

/** What the CEL needs to know about the injector. */
export interface InjectorShape {
  sidecarName: string;
  annotationPrefix: string;
  upgradeOnUpdate: boolean;
  skipHostNetwork: boolean;
  skipMirrorPods: boolean;
  /** Names of the template's volumes (see requireSidecarPolicy). */
  templateVolumeNames: string[];
}

export interface MatchCondition {
  name: string;
  expression: string;
}

/** Opt-out values of `<prefix>/inject`, as the core compares them (trimmed, case-insensitive). */
export const OPT_OUT_VALUES = ['false', 'no', 'off', 'n', '0', 'disabled'] as const;
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** A CEL string literal. JSON's escapes (\" \\ \uXXXX) are CEL escapes too. */
const str = (value: string): string => JSON.stringify(value);

const annotationIs = (key: string, test: (value: string) => string): string =>
  `has(object.metadata.annotations) && ${str(key)} in object.metadata.annotations && ${test(`object.metadata.annotations[${str(key)}]`)}`;

const hasSidecar = (name: string): string =>
  `(has(object.spec.containers) && object.spec.containers.exists(c, c.name == ${str(name)})) || ` +
  `(has(object.spec.initContainers) && object.spec.initContainers.exists(c, c.name == ${str(name)}))`;

/**
 * The webhook's matchConditions (all must hold for the call to be made).
 *
 * Opt-out is matched only on the exact values in any ASCII case: the core also trims whitespace,
 * so " false " is still sent (and skipped by the webhook). CEL's trim() knows a different set of
 * whitespace than JavaScript's, so using it here could leave out a request the webhook would patch.
 *
 * Not excluded, on purpose: hostNetwork pods (the webhook's skip carries a warning the user should
 * see), and UPDATEs of pods with the sidecar (whether the image is current depends on the release
 * in SSM, which the API server does not know).
 */
export function webhookMatchConditions(shape: InjectorShape): MatchCondition[] {
  const inject = `${shape.annotationPrefix}/inject`;
  const optOut = `[${OPT_OUT_VALUES.map(str).join(', ')}]`;
  const conditions: MatchCondition[] = [
    { name: 'not-being-deleted', expression: '!has(object.metadata.deletionTimestamp)' },
    { name: 'not-opted-out', expression: `!(${annotationIs(inject, (v) => `${v}.lowerAscii() in ${optOut}`)})` },
  ];
  if (shape.skipMirrorPods) {
    conditions.push({ name: 'not-a-mirror-pod', expression: `!(has(object.metadata.annotations) && ${str(MIRROR_POD_ANNOTATION)} in object.metadata.annotations)` });
  }
  if (shape.upgradeOnUpdate) {
    // Containers cannot be added on UPDATE: only a pod that has the sidecar can be changed.
    conditions.push({ name: 'update-of-a-pod-with-the-sidecar', expression: `request.operation != "UPDATE" || ${hasSidecar(shape.sidecarName)}` });
  }
  return conditions;
}

export interface ValidatingAdmissionPolicy {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'ValidatingAdmissionPolicy';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    failurePolicy: 'Fail';
    matchConstraints: {
      matchPolicy: 'Equivalent' | 'Exact';
      namespaceSelector: LabelSelector;
      objectSelector: LabelSelector;
      resourceRules: Array<{ apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[]; scope: string }>;
    };
    matchConditions: MatchCondition[];
    validations: Array<{ expression: string; message: string; reason: 'Forbidden' }>;
  };
}

export interface ValidatingAdmissionPolicyBinding {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'ValidatingAdmissionPolicyBinding';
  metadata: { name: string; labels: Record<string, string> };
  spec: { policyName: string; validationActions: Array<'Deny'> };
}

export interface RequireSidecarPolicyInput extends InjectorShape {
  /** Name of the policy and of its binding. */
  name: string;
  labels: Record<string, string>;
  /** The MutatingWebhookConfiguration's and the webhook's names, for the refusal message. */
  configurationName: string;
  webhookName: string;
  matchPolicy: 'Equivalent' | 'Exact';
  /** Exactly the webhook's selectors, so the policy looks at the pods the webhook is sent and no other. */
  namespaceSelector: LabelSelector;
  objectSelector: LabelSelector;
}

/**
 * Fail-open's other half: the webhook's failurePolicy is Ignore (a webhook that cannot be reached
 * never blocks the cluster), and this policy, evaluated inside the API server, refuses the one
 * thing Ignore would let through silently: a selected pod without its sidecar. Controllers retry
 * a refused creation, so the pod appears, injected, once the webhook answers again.
 *
 * Exempt (the webhook skips them on purpose): opted-out pods, mirror pods and hostNetwork pods
 * when the webhook skips those, Windows pods, pods with no containers, and pods that bring a
 * volume named like one of the template's. The opt-out exemption is wider than the webhook's own test (any surrounding characters
 * that are not letters or digits), so a value the webhook reads as an opt-out is always exempt.
 */
export function requireSidecarPolicy(input: RequireSidecarPolicyInput): { policy: ValidatingAdmissionPolicy; binding: ValidatingAdmissionPolicyBinding } {
  const inject = `${input.annotationPrefix}/inject`;
  const exemptions: MatchCondition[] = [
    {
      name: 'not-opted-out',
      expression: `!(${annotationIs(inject, (v) => `${v}.lowerAscii().matches(${str(`^[^a-z0-9]*(${OPT_OUT_VALUES.join('|')})[^a-z0-9]*$`)})`)})`,
    },
    { name: 'not-windows', expression: '!(has(object.spec.os) && has(object.spec.os.name) && object.spec.os.name == "windows")' },
    { name: 'has-containers', expression: 'has(object.spec.containers) && size(object.spec.containers) > 0' },
  ];
  if (input.skipMirrorPods) {
    exemptions.push({ name: 'not-a-mirror-pod', expression: `!(has(object.metadata.annotations) && ${str(MIRROR_POD_ANNOTATION)} in object.metadata.annotations)` });
  }
  if (input.skipHostNetwork) {
    exemptions.push({ name: 'not-host-network', expression: '!(has(object.spec.hostNetwork) && object.spec.hostNetwork)' });
  }
  if (input.templateVolumeNames.length > 0) {
    // Wider than the webhook's skip (a same-named volume with another source): a pod the webhook
    // leaves alone for that reason must not become impossible to create.
    const names = `[${input.templateVolumeNames.map(str).join(', ')}]`;
    exemptions.push({ name: 'no-volume-named-like-the-template', expression: `!(has(object.spec.volumes) && object.spec.volumes.exists(v, v.name in ${names}))` });
  }
  const message =
    `pod refused: it is selected for sidecar injection but has no container named "${input.sidecarName}", so the mutating webhook ` +
    `"${input.webhookName}" did not run (unreachable, timing out or failing; with failurePolicy Ignore the API server went on without it). ` +
    'Controllers retry, and the pod is created with the sidecar once the webhook answers. Diagnose: the sidecar-injector stack\'s alarms ' +
    `and function logs, and "kubectl get --raw /metrics | grep 'apiserver_admission_webhook_.*${input.webhookName}'" (rejection_count, request_total by code); ` +
    `"kubectl get mutatingwebhookconfiguration ${input.configurationName} -o yaml" for the URL. ` +
    `To run this pod without the sidecar, annotate it ${inject}: "false".`;
  return {
    policy: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: input.name, labels: { ...input.labels } },
      spec: {
        // An error evaluating the policy refuses: this policy exists to never admit silently.
        failurePolicy: 'Fail',
        matchConstraints: {
          matchPolicy: input.matchPolicy,
          namespaceSelector: structuredClone(input.namespaceSelector),
          objectSelector: structuredClone(input.objectSelector),
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }],
        },
        matchConditions: exemptions,
        validations: [{ expression: hasSidecar(input.sidecarName), message, reason: 'Forbidden' }],
      },
    },
    binding: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: input.name, labels: { ...input.labels } },
      spec: { policyName: input.name, validationActions: ['Deny'] },
    },
  };
}

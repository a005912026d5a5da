// Other teams' mutating webhooks, imitated: what production clusters run next to the injector.
// Each handler is a pure function of the AdmissionReview request, idempotent (it adds only what
// is absent), so a second call on its own output returns no patch, as a well-behaved webhook's
// does. Serve them with startAdmissionServer({ handle: foreignWebhooks }) and register each with
// registerForeignWebhook (reinvocationPolicy IfNeeded, CREATE of pods).
//
//   - /pod-identity imitates EKS's pod identity webhook (IRSA, amazon-eks-pod-identity-webhook):
//     env AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE in every container and init container, a
//     projected serviceAccountToken volume `aws-iam-token`, and a read-only mount of it at
//     /var/run/secrets/eks.amazonaws.com/serviceaccount in every container and init container.
//   - /digest-pin imitates an image-digest pinning policy (Kyverno verifyImages with mutateDigest,
//     Connaisseur, ...): every image without a digest becomes `<image>@sha256:<hex>`, the hex being
//     the SHA-256 of the image string (a stand-in for the registry's manifest digest); on CREATE
//     and, when registered for it, on UPDATE.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { AdmissionDecision, AdmissionRequest } from './admission-server.ts';
import type { Cluster } from './cluster.ts';

export const POD_IDENTITY = {
  path: '/pod-identity',
  volume: 'aws-iam-token',
  mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount',
  env: {
    AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/e2e-app',
    AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
  },
} as const;

export const DIGEST_PIN = { path: '/digest-pin' } as const;

/** The digest the pinning webhook gives `image` (deterministic, so tests can predict it). */
export function pinnedImage(image: string): string {
  return `${image}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

type Op = { op: 'add' | 'replace'; path: string; value: unknown };
const LISTS = ['initContainers', 'containers'] as const;

function containersOf(pod: V1Pod): Array<{ list: (typeof LISTS)[number]; index: number; container: V1Container }> {
  return LISTS.flatMap((list) => (pod.spec?.[list] ?? []).map((container, index) => ({ list, index, container })));
}

/** EKS pod identity (IRSA), as its webhook mutates a pod: only what is absent is added. */
export function podIdentityPatch(pod: V1Pod): Op[] {
  const ops: Op[] = [];
  const volumes = pod.spec?.volumes;
  const volume = {
    name: POD_IDENTITY.volume,
    projected: { defaultMode: 420, sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] },
  };
  if (!volumes) ops.push({ op: 'add', path: '/spec/volumes', value: [volume] });
  else if (!volumes.some((v) => v.name === POD_IDENTITY.volume)) ops.push({ op: 'add', path: '/spec/volumes/-', value: volume });
  const mount = { name: POD_IDENTITY.volume, mountPath: POD_IDENTITY.mountPath, readOnly: true };
  for (const { list, index, container } of containersOf(pod)) {
    const base = `/spec/${list}/${index}`;
    const missing = Object.entries(POD_IDENTITY.env)
      .filter(([name]) => !container.env?.some((e) => e.name === name))
      .map(([name, value]) => ({ name, value }));
    if (!container.env) {
      if (missing.length > 0) ops.push({ op: 'add', path: `${base}/env`, value: missing });
    } else {
      for (const env of missing) ops.push({ op: 'add', path: `${base}/env/-`, value: env });
    }
    if (!container.volumeMounts) ops.push({ op: 'add', path: `${base}/volumeMounts`, value: [mount] });
    else if (!container.volumeMounts.some((m) => m.name === POD_IDENTITY.volume)) ops.push({ op: 'add', path: `${base}/volumeMounts/-`, value: mount });
  }
  return ops;
}

/** Digest pinning: every image without `@` gets one. */
export function digestPinPatch(pod: V1Pod): Op[] {
  return containersOf(pod)
    .filter(({ container }) => typeof container.image === 'string' && !container.image.includes('@'))
    .map(({ list, index, container }) => ({ op: 'replace' as const, path: `/spec/${list}/${index}/image`, value: pinnedImage(container.image!) }));
}

/**
 * The AdmissionServer handler serving both imitations, routed by path. Pod identity acts on
 * CREATE only (env and volumes cannot change on UPDATE); pinning on CREATE and UPDATE (an image
 * can change on UPDATE, e.g. an upgraded sidecar's), as registered.
 */
export function foreignWebhooks(request: AdmissionRequest, path: string): AdmissionDecision {
  const pod = request.object as V1Pod | null | undefined;
  if (!pod || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return { allowed: true };
  if (request.operation === 'UPDATE' && path !== DIGEST_PIN.path) return { allowed: true };
  const patch = path === POD_IDENTITY.path ? podIdentityPatch(pod) : path === DIGEST_PIN.path ? digestPinPatch(pod) : [];
  return patch.length > 0 ? { allowed: true, patch } : { allowed: true };
}

export interface ForeignWebhookRegistration {
  /** metadata.name of the configuration: the API server calls configurations in name order. */
  name: string;
  /** https://127.0.0.1:<port><path> */
  url: string;
  namespaceSelector?: Record<string, unknown>;
  objectSelector?: Record<string, unknown>;
  operations?: string[];
}

/** A MutatingWebhookConfiguration with one webhook: pods, IfNeeded, Fail, sideEffects None. */
export async function registerForeignWebhook(cluster: Cluster, reg: ForeignWebhookRegistration): Promise<void> {
  await cluster.admission.createMutatingWebhookConfiguration({
    body: {
      metadata: { name: reg.name },
      webhooks: [
        {
          name: `${reg.name}.foreign.example.com`,
          clientConfig: { url: reg.url, caBundle: cluster.certs.caBundle },
          rules: [{ operations: reg.operations ?? ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
          ...(reg.namespaceSelector ? { namespaceSelector: reg.namespaceSelector } : {}),
          ...(reg.objectSelector ? { objectSelector: reg.objectSelector } : {}),
          reinvocationPolicy: 'IfNeeded',
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
        },
      ],
    },
  });
}

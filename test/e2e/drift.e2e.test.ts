// The drift check (issue 11, part 4) against a real kube-apiserver that authenticates it the way
// EKS does: the API server's token webhook (here a small stand-in for aws-iam-authenticator in
// this process) takes the k8s-aws-v1 token, checks it is a presigned STS GetCallerIdentity for
// this cluster, sends that request to STS (moto), and maps the caller to the group of the
// function's access entry, which RBAC lets read pods and nothing else. Metrics are read from the
// EMF lines the function prints.
import { RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node';
import jsonPatch from 'fast-json-patch';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSelection } from '../../infra/webhook-config/selection.ts';
import { decide } from '../../functions/core/decide.ts';
import { checkDrift } from '../../functions/drift/drift.ts';
import { DRIFT_GROUP, driftRbac } from '../../functions/drift/rbac.ts';
import { settingsFromEnv } from '../../functions/shell/settings.ts';
import { captureOutput } from '../support/output-capture.ts';
import { apiStatus, makeClients, makeKubeConfig, requireParts, startCluster, startMoto, stopAll, type Cluster, type Moto } from './harness/index.ts';
import { appPod } from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'moto', 'openssl']);
const CLUSTER = 'e2e-cluster';

interface Authentication {
  token: string;
  authenticated: boolean;
  why: string;
}

/** A TokenReview endpoint that validates k8s-aws-v1 tokens as aws-iam-authenticator does, against moto's STS. */
async function startAuthenticator(stsEndpoint: string, region: string) {
  const seen: Authentication[] = [];
  const check = async (token: string): Promise<{ ok: boolean; why: string; arn?: string }> => {
    if (!token.startsWith('k8s-aws-v1.')) return { ok: false, why: 'not a k8s-aws-v1 token' };
    const url = new URL(Buffer.from(token.slice(11), 'base64url').toString('utf8'));
    const q = url.searchParams;
    if (url.protocol !== 'https:' || url.hostname !== `sts.${region}.amazonaws.com`) return { ok: false, why: `unexpected STS host ${url.hostname}` };
    if (q.get('Action') !== 'GetCallerIdentity' || q.get('Version') !== '2011-06-15') return { ok: false, why: 'not GetCallerIdentity' };
    if (Number(q.get('X-Amz-Expires')) > 60) return { ok: false, why: 'expires later than 60 s' };
    if (!(q.get('X-Amz-SignedHeaders') ?? '').split(';').includes('x-k8s-aws-id')) return { ok: false, why: 'cluster id header not signed' };
    // The presigned request, sent to moto's STS. moto's single endpoint picks the service from
    // an Authorization header's credential scope, so the query's own signature parameters are
    // also given in that form (the same credential, signed headers and signature; moto does not
    // verify signatures). aws-iam-authenticator sends the presigned GET to STS as it is.
    const authorization = `AWS4-HMAC-SHA256 Credential=${q.get('X-Amz-Credential')}, SignedHeaders=${q.get('X-Amz-SignedHeaders')}, Signature=${q.get('X-Amz-Signature')}`;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${stsEndpoint}/?${q.toString()}`, { headers: { Authorization: authorization, 'x-k8s-aws-id': CLUSTER } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    const arn = /<Arn>([^<]+)<\/Arn>/.exec(answer.body)?.[1];
    return answer.status === 200 && arn ? { ok: true, why: 'STS answered', arn } : { ok: false, why: `STS answered ${answer.status} without an Arn` };
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      void (async () => {
        const review = JSON.parse(body) as { spec: { token: string } };
        const result = await check(review.spec.token).catch((e: Error) => ({ ok: false, why: e.message, arn: undefined }));
        seen.push({ token: review.spec.token, authenticated: result.ok, why: result.why });
        res.setHeader('Content-Type', 'application/json');
        res.end(
          JSON.stringify({
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenReview',
            status: result.ok ? { authenticated: true, user: { username: `aws:${result.arn}`, groups: [DRIFT_GROUP] } } : { authenticated: false, error: result.why },
          }),
        );
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/authenticate`, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe.skipIf(gate.skip)(`drift check${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  let moto: Moto;
  let authenticator: Awaited<ReturnType<typeof startAuthenticator>>;
  let env: Record<string, string>;
  let webhookConfig = '';

  const withSidecarAt = (version: string, pod: V1Pod): V1Pod => {
    const settings = settingsFromEnv({ SIDECAR_VERSION: version, SIDECAR_IMAGE: 'registry.example/my-sidecar' });
    const config = { ...settings.injector, release: (settings.release as { release: { version: string; image: string } }).release };
    const decision = decide({ uid: 'e2e', operation: 'CREATE', namespace: 'drift', kind: { kind: 'Pod' }, resource: { resource: 'pods' }, object: pod }, config);
    return jsonPatch.applyPatch(structuredClone(pod), decision.patch as jsonPatch.Operation[]).newDocument;
  };

  beforeAll(async () => {
    moto = await startMoto();
    authenticator = await startAuthenticator(moto.endpoint, moto.region);
    const dir = join(process.cwd(), '.cache', 'e2e', 'runs');
    webhookConfig = join(dir, `authn-webhook-${process.pid}.yaml`);
    writeFileSync(
      webhookConfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '  - name: authn',
        `    cluster: { server: "${authenticator.url}" }`,
        'users:',
        '  - name: apiserver',
        '    user: {}',
        'contexts:',
        '  - name: authn',
        '    context: { cluster: authn, user: apiserver }',
        'current-context: authn',
        '',
      ].join('\n'),
    );
    cluster = await startCluster({ apiServerArgs: [`--authentication-token-webhook-config-file=${webhookConfig}`, '--authentication-token-webhook-version=v1'] });
    const rbac = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const [role, binding] = driftRbac();
    await rbac.createClusterRole({ body: structuredClone(role) as never });
    await rbac.createClusterRoleBinding({ body: structuredClone(binding) as never });

    await moto.putParameter('/drift/version', '1.3.0');
    await moto.putParameter('/drift/image', 'registry.example/my-sidecar');
    const ns = await cluster.createNamespace('drift');
    for (const [name, pod] of [
      ['current-1', withSidecarAt('1.3.0', appPod('current-1'))],
      ['current-2', withSidecarAt('1.3.0', appPod('current-2'))],
      ['old-1', withSidecarAt('1.2.1', appPod('old-1'))],
      ['old-2', withSidecarAt('1.2.1', appPod('old-2'))],
      ['old-3', withSidecarAt('1.2.1', appPod('old-3'))],
      ['missing', appPod('missing')],
      ['unlabelled', appPod('unlabelled', { inject: false })],
    ] as const) {
      await cluster.core.createNamespacedPod({ namespace: ns, body: { ...pod, metadata: { ...pod.metadata, name } } });
    }
    const selection = defaultSelection();
    env = {
      ...moto.env,
      SSM_VERSION_PARAMETER: '/drift/version',
      SSM_IMAGE_PARAMETER: '/drift/image',
      DRIFT_CLUSTER_NAME: CLUSTER,
      DRIFT_CLUSTER_ENDPOINT: cluster.server,
      DRIFT_CLUSTER_CA: Buffer.from(cluster.certs.ca.certPem).toString('base64'),
      WEBHOOK_OBJECT_SELECTOR: JSON.stringify(selection.objectSelector),
      WEBHOOK_NAMESPACE_SELECTOR: JSON.stringify(selection.namespaceSelector),
      POWERTOOLS_METRICS_DISABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
  });
  afterAll(async () => {
    await authenticator?.close();
    await stopAll();
    rmSync(webhookConfig, { force: true });
  });

  it('authenticates with a presigned STS token, reads pods only, and publishes the drift per cluster', async () => {
    const output = captureOutput();
    let result;
    try {
      result = await checkDrift(env);
    } finally {
      output.restore();
    }
    expect(authenticator.seen.at(-1)).toMatchObject({ authenticated: true, why: 'STS answered' });
    expect({ outdated: result.outdated, missing: result.missing, current: result.current }).toEqual({ outdated: 3, missing: 1, current: 2 });
    // One LIST of pods; neither namespaces nor the webhook configuration (RBAC would refuse them).
    expect(result.requests).toBe(1);
    const emf = output.records().find((r) => r._aws !== undefined && 'PodsOutdated' in r) as Record<string, unknown>;
    expect(emf).toMatchObject({ cluster: CLUSTER, PodsOutdated: 3, PodsMissingSidecar: 1, PodsCurrent: 2, service: 'sidecar-injector' });
    expect((emf._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }> }).CloudWatchMetrics[0]).toMatchObject({ Namespace: 'SidecarInjector', Dimensions: [expect.arrayContaining(['service', 'cluster'])] });
  });

  it('the token gets nothing but pods: listing namespaces is forbidden', async () => {
    const { eksToken } = await import('../../functions/shell/eks-token.ts');
    const token = await eksToken({ clusterName: CLUSTER, region: moto.region });
    const clients = makeClients(makeKubeConfig(cluster.server, token, cluster.certs.ca.certPem));
    await expect(clients.core.listPodForAllNamespaces({ limit: 1 })).resolves.toBeDefined();
    const denied = await clients.core.listNamespace({}).then(
      () => 200,
      (e: unknown) => apiStatus(e),
    );
    expect(denied).toBe(403);
  });

  it('a token that is not a presigned STS request is refused by the API server (401), and the check fails', async () => {
    await expect(checkDrift(env, { token: async () => 'k8s-aws-v1.bm90LWEtdXJs' })).rejects.toThrow(/401/);
  });
});

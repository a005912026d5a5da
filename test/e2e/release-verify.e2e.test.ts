// A release is verified before it reaches a pod (issue 11, part 0), against real registry APIs:
// the CNCF distribution registry (OCI distribution API, with a Bearer challenge for anonymous
// pulls) and moto's ECR (BatchGetImage through the AWS SDK). The webhook server reads its release
// from moto's SSM with RELEASE_VERIFY=true and RELEASE_PLATFORMS=linux/amd64,linux/arm64; pods
// are created through a real kube-apiserver. The tests of each describe run in order.
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import type { V1Pod } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  requireParts,
  startCluster,
  startMoto,
  startRegistry,
  startWebhookServer,
  stopAll,
  waitFor,
  type Cluster,
  type Moto,
  type Registry,
  type WebhookServer,
} from './harness/index.ts';
import { appPod, logLines, registerInjector, scenarioNamespace, sidecarsOf, waitUntilActive } from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'moto', 'registry', 'openssl']);
const PLATFORMS = 'linux/amd64,linux/arm64';

describe.skipIf(gate.skip)(`release verification${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  let moto: Moto;
  let registry: Registry;

  beforeAll(async () => {
    cluster = await startCluster();
    moto = await startMoto();
    registry = await startRegistry();
  });
  afterAll(stopAll);

  const sidecarImage = (pod: V1Pod) => sidecarsOf(pod)[0]?.container.image;
  let probes = 0;
  const probe = (ns: string) => cluster.dryRunPod(ns, appPod(`probe-${probes++}`));

  async function webhook(id: string, image: string, version: string, extra: Record<string, string> = {}) {
    const parameters = { version: `/${id}/version`, image: `/${id}/image` };
    await moto.putParameter(parameters.version, version);
    await moto.putParameter(parameters.image, image);
    const server = await startWebhookServer({
      cert: cluster.certs.webhook,
      caPem: cluster.certs.ca.certPem,
      env: {
        ...moto.env,
        AWS_ENDPOINT_URL_ECR: moto.endpoint,
        SSM_VERSION_PARAMETER: parameters.version,
        SSM_IMAGE_PARAMETER: parameters.image,
        SSM_CACHE_TTL_SECONDS: '1',
        RELEASE_VERIFY: 'true',
        RELEASE_PLATFORMS: PLATFORMS,
        ...extra,
      },
    });
    const ns = await scenarioNamespace(cluster, id);
    await registerInjector(cluster, { id, baseUrl: server.url });
    return { server, ns, parameters };
  }

  /** Waits until the server has logged a refusal whose reason contains `text`, and returns that line. */
  async function refusal(server: WebhookServer, text: string): Promise<Record<string, unknown>> {
    let line: Record<string, unknown> | undefined;
    await waitFor(
      async () => {
        // A review is what triggers a due refresh.
        await probe(currentNs).catch(() => undefined);
        line = logLines(server).find((l) => String(l.message).startsWith('sidecar release refused') && String(l.message).includes(text));
        return line !== undefined;
      },
      { what: `a refusal mentioning "${text}"`, timeoutMs: 30_000, intervalMs: 300 },
    );
    return line as Record<string, unknown>;
  }
  let currentNs = '';

  describe('an OCI registry (distribution)', () => {
    let server: WebhookServer;
    let parameters: { version: string; image: string };
    let repo: string;

    beforeAll(async () => {
      repo = `${registry.host}/team/sidecar`;
      await registry.push('team/sidecar', '1.0.0', ['linux/amd64', 'linux/arm64']);
      ({ server, ns: currentNs, parameters } = await webhook('verify-oci', repo, '1.0.0'));
      await waitUntilActive(cluster, currentNs);
    });

    it('serves a release whose multi-arch index covers the platforms, after an anonymous token', async () => {
      expect(sidecarImage(await probe(currentNs))).toBe(`${repo}:1.0.0`);
      expect(registry.tokenRequests).toBeGreaterThan(0);
    });

    it('a version that was never pushed is refused, logged with the reason, and the previous release keeps being served', async () => {
      await moto.putParameter(parameters.version, '1.1.0');
      const line = await refusal(server, 'not found');
      expect(line.message).toContain(`${repo}:1.1.0 not found in its registry (manifest unknown)`);
      expect(line.serving).toEqual({ version: '1.0.0', image: `${repo}:1.0.0` });
      const pod = await cluster.core.createNamespacedPod({ namespace: currentNs, body: appPod('during-refusal') });
      expect(sidecarImage(pod)).toBe(`${repo}:1.0.0`);
    });

    it('a single-platform image is refused for the platform it lacks (read from its config blob)', async () => {
      await registry.push('team/sidecar', '1.2.0', ['linux/amd64']);
      await moto.putParameter(parameters.version, '1.2.0');
      const line = await refusal(server, '1.2.0 does not cover');
      expect(line.message).toContain('does not cover linux/arm64 (it has linux/amd64)');
      expect(sidecarImage(await probe(currentNs))).toBe(`${repo}:1.0.0`);
    });

    it('a release pushed for every platform is served as soon as SSM names it', async () => {
      await registry.push('team/sidecar', '1.3.0', ['linux/amd64', 'linux/arm64/v8']);
      await moto.putParameter(parameters.version, '1.3.0');
      await waitFor(async () => sidecarImage(await probe(currentNs)) === `${repo}:1.3.0`, { what: 'release 1.3.0 served', timeoutMs: 30_000, intervalMs: 300 });
      const pod = await cluster.core.createNamespacedPod({ namespace: currentNs, body: appPod('after-push') });
      expect(sidecarImage(pod)).toBe(`${repo}:1.3.0`);
    });
  });

  describe('Amazon ECR (moto)', () => {
    let server: WebhookServer;
    let parameters: { version: string; image: string };
    let repo: string;
    let ecr: ECRClient;

    const index = (platforms: string[]) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: platforms.map((p) => {
          const [os, architecture] = p.split('/');
          return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${createHash('sha256').update(p).digest('hex')}`, size: 500, platform: { os, architecture } };
        }),
      });
    const push = (tag: string, platforms: string[]) => ecr.send(new PutImageCommand({ repositoryName: 'sidecar', imageTag: tag, imageManifest: index(platforms) }));

    beforeAll(async () => {
      ecr = new ECRClient({ region: moto.region, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'sidecar' }));
      await push('2.0.0', ['linux/amd64', 'linux/arm64']);
      repo = `123456789012.dkr.ecr.${moto.region}.amazonaws.com/sidecar`;
      ({ server, ns: currentNs, parameters } = await webhook('verify-ecr', repo, '2.0.0'));
      await waitUntilActive(cluster, currentNs);
    });
    afterAll(() => ecr.destroy());

    it('serves a release BatchGetImage finds for every platform', async () => {
      expect(sidecarImage(await probe(currentNs))).toBe(`${repo}:2.0.0`);
    });

    it('refuses a tag ECR does not have, with ECR\'s failure code', async () => {
      await moto.putParameter(parameters.version, '2.1.0');
      const line = await refusal(server, 'not found in ECR');
      expect(line.message).toContain(`${repo}:2.1.0 not found in ECR (ImageNotFound`);
      expect(sidecarImage(await probe(currentNs))).toBe(`${repo}:2.0.0`);
    });

    it('refuses an amd64-only push for Graviton nodes, then serves the multi-arch one', async () => {
      await push('2.2.0', ['linux/amd64']);
      await moto.putParameter(parameters.version, '2.2.0');
      expect((await refusal(server, '2.2.0 does not cover')).message).toContain('does not cover linux/arm64 (it has linux/amd64)');
      await push('2.3.0', ['linux/amd64', 'linux/arm64']);
      await moto.putParameter(parameters.version, '2.3.0');
      await waitFor(async () => sidecarImage(await probe(currentNs)) === `${repo}:2.3.0`, { what: 'release 2.3.0 served', timeoutMs: 30_000, intervalMs: 300 });
    });
  });
});

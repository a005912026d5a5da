// Upgrading the sidecar by SSM (issue 4, scenario 6) and SSM going away after a first load
// (scenario 7, first fault): the local webhook server reads its release from moto through the
// real SDK (AWS_ENDPOINT_URL_SSM) with a 2 s cache, behind a real kube-apiserver.
// The tests of this file run in order and share the pods they create (old pod, then upgrade).
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  requireParts,
  sleep,
  startCluster,
  startMoto,
  startWebhookServer,
  stopAll,
  type Cluster,
  type Moto,
  type WebhookServer,
} from './harness/index.ts';
import {
  apiErrorText,
  appPod,
  logLines,
  registerInjector,
  reviewsFor,
  scenarioNamespace,
  SIDECAR,
  sidecarsOf,
  STATUS_KEY,
  updatePod,
  VERSION_KEY,
  waitUntilActive,
} from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'moto', 'openssl']);

const VERSION_PARAMETER = '/sidecar-injector/version';
const IMAGE_PARAMETER = '/sidecar-injector/image';
const REPOSITORY = 'registry.example/my-sidecar';
const TTL_SECONDS = 2;
/** Past the cache period: the next request refreshes from SSM before it answers. */
const PAST_TTL_MS = TTL_SECONDS * 1000 + 700;

const sidecarImage = (pod: V1Pod): string | undefined => sidecarsOf(pod)[0]?.container.image;

describe.skipIf(gate.skip)(`sidecar release from SSM (moto)${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  let moto: Moto;
  let server: WebhookServer;
  let native: WebhookServer;
  let ns: string;
  let nativeNs: string;

  beforeAll(async () => {
    cluster = await startCluster();
    moto = await startMoto();
    await moto.putParameter(VERSION_PARAMETER, '1.2.1');
    await moto.putParameter(IMAGE_PARAMETER, REPOSITORY);
    const env = {
      ...moto.env,
      SSM_VERSION_PARAMETER: VERSION_PARAMETER,
      SSM_IMAGE_PARAMETER: IMAGE_PARAMETER,
      SSM_CACHE_TTL_SECONDS: String(TTL_SECONDS),
      UPGRADE_ON_UPDATE: 'true',
    };
    const tls = { cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem };
    [server, native] = await Promise.all([
      startWebhookServer({ ...tls, env }),
      startWebhookServer({ ...tls, env: { ...env, NATIVE_SIDECAR: 'true' } }),
    ]);
    ns = await scenarioNamespace(cluster, 'ssm');
    nativeNs = await scenarioNamespace(cluster, 'ssm-native');
    await registerInjector(cluster, { id: 'ssm', baseUrl: server.url, upgradeOnUpdate: true });
    await registerInjector(cluster, { id: 'ssm-native', baseUrl: native.url, upgradeOnUpdate: true });
    await waitUntilActive(cluster, ns);
    await waitUntilActive(cluster, nativeNs);
  });
  afterAll(stopAll);

  it('a pod gets the release in SSM', async () => {
    const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('old') });
    expect(sidecarImage(pod)).toBe(`${REPOSITORY}:1.2.1`);
    expect(pod.metadata?.annotations?.[VERSION_KEY]).toBe('1.2.1');
    const nativePod = await cluster.core.createNamespacedPod({ namespace: nativeNs, body: appPod('old-native') });
    expect(sidecarsOf(nativePod).map((s) => [s.list, s.container.image])).toEqual([['initContainers', `${REPOSITORY}:1.2.1`]]);
  });

  it('after PutParameter and the cache period, new pods get the new version; older pods keep theirs', async () => {
    await moto.putParameter(VERSION_PARAMETER, '1.3.0');
    await sleep(PAST_TTL_MS);
    const fresh = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('new') });
    expect(sidecarsOf(fresh)).toHaveLength(1);
    expect(sidecarImage(fresh)).toBe(`${REPOSITORY}:1.3.0`);
    expect(fresh.metadata?.annotations?.[VERSION_KEY]).toBe('1.3.0');

    const old = await cluster.core.readNamespacedPod({ name: 'old', namespace: ns });
    expect(sidecarImage(old)).toBe(`${REPOSITORY}:1.2.1`);
    expect(old.metadata?.annotations?.[VERSION_KEY]).toBe('1.2.1');
    expect(logLines(server).some((l) => l.message === 'sidecar release loaded from SSM' && JSON.stringify(l.release).includes('1.3.0'))).toBe(true);
  });

  it('UPGRADE_ON_UPDATE: an UPDATE of the old pod moves only its sidecar image and the version annotation', async () => {
    const before = await cluster.core.readNamespacedPod({ name: 'old', namespace: ns });
    const after = await updatePod(cluster, ns, 'old', (pod) => void (pod.metadata!.labels!.touched = 'yes'));

    expect(sidecarsOf(after)).toHaveLength(1);
    expect(sidecarImage(after)).toBe(`${REPOSITORY}:1.3.0`);
    expect(after.metadata?.annotations).toEqual({ ...before.metadata?.annotations, [VERSION_KEY]: '1.3.0' });
    expect(after.metadata?.annotations?.[STATUS_KEY]).toBe('injected');
    expect(after.metadata?.labels).toEqual({ ...before.metadata?.labels, touched: 'yes' });
    // The whole spec is the same but for that one image.
    const expected = structuredClone(before.spec!);
    expected.containers.find((c) => c.name === SIDECAR)!.image = `${REPOSITORY}:1.3.0`;
    expect(after.spec).toEqual(expected);

    const update = reviewsFor(server, ns, 'old').filter((r) => r.operation === 'UPDATE');
    expect(update.map((r) => r.action)).toEqual(['upgrade']);
  });

  it('UPGRADE_ON_UPDATE in native mode: the UPDATE moves the sidecar init container\'s image only', async () => {
    const before = await cluster.core.readNamespacedPod({ name: 'old-native', namespace: nativeNs });
    const after = await updatePod(cluster, nativeNs, 'old-native', (pod) => void (pod.metadata!.labels!.touched = 'yes'));
    const expected = structuredClone(before.spec!);
    expected.initContainers!.find((c) => c.name === SIDECAR)!.image = `${REPOSITORY}:1.3.0`;
    expect(after.spec).toEqual(expected);
    expect(after.metadata?.annotations).toEqual({ ...before.metadata?.annotations, [VERSION_KEY]: '1.3.0' });
    expect(reviewsFor(native, nativeNs, 'old-native').filter((r) => r.operation === 'UPDATE').map((r) => r.action)).toEqual(['upgrade']);
  });

  it('moto stopped after a first load: pods keep getting the last known good sidecar', async () => {
    await moto.stop();
    await sleep(PAST_TTL_MS);
    let pod: V1Pod;
    try {
      pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('ssm-down') });
    } catch (err) {
      throw new Error(`pod refused while SSM is down: ${apiErrorText(err)}`);
    }
    expect(sidecarsOf(pod)).toHaveLength(1);
    expect(sidecarImage(pod)).toBe(`${REPOSITORY}:1.3.0`);
    expect(pod.metadata?.annotations?.[VERSION_KEY]).toBe('1.3.0');

    const [review] = reviewsFor(server, ns, 'ssm-down');
    expect(review?.action).toBe('inject');
    expect(review?.releaseStale).toBe(true);
    expect(logLines(server).some((l) => String(l.message).startsWith('SSM refresh failed, serving the last known good release'))).toBe(true);
  });
});

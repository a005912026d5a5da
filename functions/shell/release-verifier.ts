import { BatchGetImageCommand, ECRClient, GetDownloadUrlForLayerCommand } from '@aws-sdk/client-ecr';
import {
  ACCEPTED_MANIFESTS,
  missingPlatforms,
  platformName,
  platformOfConfig,
  readManifest,
  registryTarget,
  type Platform,
  type RegistryTarget,
} from '../core/release-check.ts';

/**
 * Whether a release's image can be pulled on the cluster's nodes, asked of its registry before
 * the release is served: Amazon ECR through the AWS SDK (BatchGetImage, with the function's
 * role), any other registry through the OCI distribution API's manifest endpoint (anonymous, with
 * the Bearer token challenge public registries use). An image index answers in one request; a
 * single-platform image needs its config blob too (a second request). Never per review: the
 * release source asks once per release change (see ssm-release-source.ts).
 */

export type Verification = { ok: true; platforms: string[] } | { ok: false; reason: string };
export type VerifyImage = (image: string) => Promise<Verification>;

export interface ReleaseVerifierOptions {
  /** Platforms the nodes run; empty: the image only has to exist. */
  platforms: Platform[];
  /** Makes the ECR client for a region (tests point it at moto; AWS_ENDPOINT_URL_ECR works too). */
  ecrClient?: (region: string) => Pick<ECRClient, 'send'>;
  /** Bound for each registry request (default 2 s). */
  timeoutMs?: number;
}

export function createReleaseVerifier(options: ReleaseVerifierOptions): VerifyImage {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const clients = new Map<string, Pick<ECRClient, 'send'>>();
  const ecr = (region: string) => {
    let client = clients.get(region);
    if (!client) {
      client = options.ecrClient?.(region) ?? new ECRClient({ region, maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: timeoutMs } });
      clients.set(region, client);
    }
    return client;
  };

  return async (image) => {
    const target = registryTarget(image);
    if ('error' in target) return { ok: false, reason: target.error };
    try {
      const platforms = target.ecr ? await ecrPlatforms(target, ecr(target.ecr.region), timeoutMs) : await ociPlatforms(target, timeoutMs);
      if ('reason' in platforms) return { ok: false, reason: platforms.reason };
      const missing = missingPlatforms(options.platforms, platforms.available);
      const names = platforms.available.map(platformName);
      if (missing.length > 0) return { ok: false, reason: `${image} does not cover ${missing.join(', ')} (it has ${names.join(', ') || 'no platform'})` };
      return { ok: true, platforms: names };
    } catch (error) {
      return { ok: false, reason: `${image}: registry ${target.host} not reachable: ${describe(error)}` };
    }
  };
}

type Found = { available: Platform[] } | { reason: string };

async function ecrPlatforms(target: RegistryTarget, client: Pick<ECRClient, 'send'>, timeoutMs: number): Promise<Found> {
  const { registryId } = target.ecr as { registryId: string };
  const imageId = target.byDigest ? { imageDigest: target.reference } : { imageTag: target.reference };
  const answer = await client.send(
    new BatchGetImageCommand({ registryId, repositoryName: target.repository, imageIds: [imageId], acceptedMediaTypes: ACCEPTED_MANIFESTS }),
  );
  const manifest = answer.images?.[0]?.imageManifest;
  if (!manifest) {
    const failure = answer.failures?.[0];
    return { reason: `${target.host}/${target.repository}:${target.reference} not found in ECR (${failure?.failureCode ?? 'no image'}${failure?.failureReason ? `: ${failure.failureReason}` : ''})` };
  }
  const reading = readManifest(manifest, answer.images?.[0]?.imageManifestMediaType);
  if ('error' in reading) return { reason: reading.error };
  if (reading.kind === 'index') return { available: reading.platforms };
  const layer = await client.send(new GetDownloadUrlForLayerCommand({ registryId, repositoryName: target.repository, layerDigest: reading.configDigest }));
  if (!layer.downloadUrl) return { reason: `ECR gave no download URL for the config of ${target.repository}` };
  const response = await fetch(layer.downloadUrl, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) return { reason: `the config blob of ${target.repository} answered ${response.status}` };
  const platform = platformOfConfig(await response.text());
  return 'error' in platform ? { reason: platform.error } : { available: [platform] };
}

async function ociPlatforms(target: RegistryTarget, timeoutMs: number): Promise<Found> {
  const base = `${target.insecure ? 'http' : 'https'}://${target.host}/v2/${target.repository}`;
  const session = registrySession(target, timeoutMs);
  const manifest = await session.get(`${base}/manifests/${target.reference}`, ACCEPTED_MANIFESTS.join(', '));
  const name = `${target.host}/${target.repository}${target.byDigest ? '@' : ':'}${target.reference}`;
  if (manifest.status === 404) return { reason: `${name} not found in its registry (manifest unknown)` };
  if (manifest.status === 401 || manifest.status === 403) return { reason: `${name}: the registry refused an anonymous pull (${manifest.status})` };
  if (manifest.status !== 200) return { reason: `${name}: the registry answered ${manifest.status}` };
  const reading = readManifest(manifest.body, manifest.contentType);
  if ('error' in reading) return { reason: reading.error };
  if (reading.kind === 'index') return { available: reading.platforms };
  const config = await session.get(`${base}/blobs/${reading.configDigest}`, '*/*');
  if (config.status !== 200) return { reason: `the config blob of ${name} answered ${config.status}` };
  const platform = platformOfConfig(config.body);
  return 'error' in platform ? { reason: platform.error } : { available: [platform] };
}

/** GETs against one repository, answering a Bearer challenge with an anonymous pull token once. */
function registrySession(target: RegistryTarget, timeoutMs: number) {
  let token: string | undefined;
  const request = (url: string, accept: string) =>
    fetch(url, { headers: { Accept: accept, ...(token ? { Authorization: `Bearer ${token}` } : {}) }, signal: AbortSignal.timeout(timeoutMs) });
  return {
    async get(url: string, accept: string): Promise<{ status: number; body: string; contentType?: string }> {
      let response = await request(url, accept);
      const challenge = response.headers.get('www-authenticate');
      if (response.status === 401 && token === undefined && challenge?.toLowerCase().startsWith('bearer ')) {
        token = await anonymousToken(challenge, target, timeoutMs);
        if (token !== undefined) response = await request(url, accept);
      }
      const contentType = response.headers.get('content-type') ?? undefined;
      return { status: response.status, body: await response.text(), ...(contentType ? { contentType } : {}) };
    },
  };
}

async function anonymousToken(challenge: string, target: RegistryTarget, timeoutMs: number): Promise<string | undefined> {
  const params = Object.fromEntries([...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!params.realm) return undefined;
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  url.searchParams.set('scope', params.scope ?? `repository:${target.repository}:pull`);
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) return undefined;
  const body = (await response.json()) as { token?: string; access_token?: string };
  return body.token ?? body.access_token;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return `${error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}${cause ? ` (${cause})` : ''}`;
}

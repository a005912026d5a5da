import { isPlainObject } from './pod-view.ts';
import { normalizeImageReference } from './image-reference.ts';

/**
 * What makes a release servable, without I/O: where its image lives (registry, repository,
 * tag or digest; ECR recognised by its host), which platforms a manifest covers (an OCI image
 * index or Docker manifest list names them; a single image's config blob says its own), and
 * whether they cover the platforms the operator requires. The shell fetches; this decides.
 */

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface RegistryTarget {
  /** Host (and port) of the registry API. */
  host: string;
  repository: string;
  /** A tag, or a digest when `byDigest`. */
  reference: string;
  byDigest: boolean;
  /** Plain HTTP: loopback registries only, as Docker treats 127.0.0.0/8 as insecure by default. */
  insecure: boolean;
  /** Set for Amazon ECR hosts (`<account>.dkr.ecr.<region>.amazonaws.com`). */
  ecr?: { registryId: string; region: string };
}

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;
export const ACCEPTED_MANIFESTS = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest];

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
const PLATFORM = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/;

/** `linux/amd64,linux/arm64/v8` -> platforms, or the first entry that is not one. */
export function parsePlatforms(text: string): Platform[] | { error: string } {
  const platforms: Platform[] = [];
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = PLATFORM.exec(entry);
    if (!match) return { error: `"${entry}" is not a platform such as linux/amd64 or linux/arm64/v8` };
    platforms.push({ os: match[1] as string, architecture: match[2] as string, ...(match[3] ? { variant: match[3] } : {}) });
  }
  return platforms;
}

export function platformName(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

export function registryTarget(image: string): RegistryTarget | { error: string } {
  const ref = normalizeImageReference(image);
  if (!ref) return { error: `"${image}" is not an image reference` };
  const slash = ref.name.indexOf('/');
  const domain = ref.name.slice(0, slash);
  const repository = ref.name.slice(slash + 1);
  const host = domain === 'docker.io' ? 'registry-1.docker.io' : domain;
  const hostname = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const insecure = hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '::1';
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const ecr = ECR_HOST.exec(host);
  return {
    host,
    repository,
    reference,
    byDigest: ref.digest !== undefined,
    insecure,
    ...(ecr ? { ecr: { registryId: ecr[1] as string, region: ecr[2] as string } } : {}),
  };
}

export type ManifestReading = { kind: 'index'; platforms: Platform[] } | { kind: 'image'; configDigest: string } | { error: string };

/** An index lists its platforms; an image manifest points at the config blob that names its own. */
export function readManifest(body: string, contentType?: string): ManifestReading {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { error: 'the registry answered a manifest that is not JSON' };
  }
  if (!isPlainObject(doc)) return { error: 'the manifest is not a JSON object' };
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : contentType?.split(';')[0]?.trim();
  if (Array.isArray(doc.manifests) || mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList) {
    const manifests = Array.isArray(doc.manifests) ? doc.manifests : [];
    const platforms: Platform[] = [];
    for (const m of manifests) {
      if (!isPlainObject(m) || !isPlainObject(m.platform)) continue;
      const { os, architecture, variant } = m.platform;
      // Attestation manifests (buildx provenance) carry platform unknown/unknown: not a platform.
      if (typeof os !== 'string' || typeof architecture !== 'string' || os === 'unknown') continue;
      platforms.push({ os, architecture, ...(typeof variant === 'string' && variant ? { variant } : {}) });
    }
    return { kind: 'index', platforms };
  }
  if (isPlainObject(doc.config) && typeof doc.config.digest === 'string') return { kind: 'image', configDigest: doc.config.digest };
  return { error: `the manifest (${mediaType ?? 'no media type'}) is neither an image index nor an image manifest` };
}

/** The platform an image config blob declares. */
export function platformOfConfig(body: string): Platform | { error: string } {
  try {
    const doc: unknown = JSON.parse(body);
    if (isPlainObject(doc) && typeof doc.os === 'string' && typeof doc.architecture === 'string') {
      return { os: doc.os, architecture: doc.architecture, ...(typeof doc.variant === 'string' && doc.variant ? { variant: doc.variant } : {}) };
    }
  } catch {
    // fall through
  }
  return { error: 'the image config does not name its os and architecture' };
}

/**
 * The required platforms the available ones do not cover. A requirement without a variant
 * takes any variant (linux/arm64 is met by linux/arm64/v8); one with a variant needs it, where
 * arm64 without a variant counts as v8 (its only variant in practice).
 */
export function missingPlatforms(required: Platform[], available: Platform[]): string[] {
  const variantOf = (p: Platform) => p.variant ?? (p.architecture === 'arm64' ? 'v8' : undefined);
  return required
    .filter((r) => !available.some((a) => a.os === r.os && a.architecture === r.architecture && (r.variant === undefined || variantOf(a) === variantOf(r))))
    .map(platformName);
}

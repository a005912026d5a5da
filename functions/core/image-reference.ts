/**
 * Container image references, following the grammar of distribution/reference (the one
 * Docker, containerd and the kubelet parse). Written by hand: it is a handful of regular
 * expressions, and the npm packages that parse references are unmaintained or pull in a
 * registry client, which would cost Lambda bundle size for no gain.
 */

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[_.]|__|[-]+)[a-z0-9]+)*';
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';

const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const REMOTE_NAME_RE = new RegExp(`^${REMOTE_NAME}$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const DIGEST_RE = new RegExp(`^${DIGEST}$`);
const MAX_NAME_LENGTH = 255;

export interface ImageReference {
  /** Repository, with its registry when one was given. */
  name: string;
  tag?: string;
  digest?: string;
}

/** Parses a reference, or returns an error message saying what is wrong with it. */
export function parseImageReference(text: string): ImageReference | { error: string } {
  if (typeof text !== 'string' || text.length === 0) return { error: 'image reference is empty' };
  if (text.trim() !== text) return { error: `image reference "${text}" has surrounding white space` };

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) return { error: `image reference "${text}" has an invalid digest "${digest}"` };
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon !== -1) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) return { error: `image reference "${text}" has an invalid tag "${tag}"` };
  }
  if (rest.length === 0) return { error: `image reference "${text}" has no repository` };
  if (rest.length > MAX_NAME_LENGTH) return { error: `image reference "${text}" is longer than ${MAX_NAME_LENGTH} characters` };

  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  const hasDomain = slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  const remote = hasDomain ? rest.slice(slash + 1) : rest;
  if (hasDomain && !DOMAIN_RE.test(first)) return { error: `image reference "${text}" has an invalid registry "${first}"` };
  if (!REMOTE_NAME_RE.test(remote)) {
    return { error: `image reference "${text}" has an invalid repository "${remote}" (lower-case letters, digits and . _ - separators)` };
  }
  const ref: ImageReference = { name: rest };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

export function isTag(text: string): boolean {
  return typeof text === 'string' && TAG_RE.test(text);
}

/**
 * The image a pod should run for a configured image and version: a bare repository gets the
 * version as its tag, a reference that already has a tag or digest is used as it is (so an
 * operator can pin a digest). Returns an error message when either value is unusable.
 */
export function resolveSidecarImage(image: string, version: string): { image: string } | { error: string } {
  if (typeof version !== 'string' || version.length === 0) return { error: 'sidecar version is empty' };
  if (!isTag(version)) {
    return { error: `sidecar version "${version}" is not a valid image tag (letters, digits, _ . -, at most 128, not starting with . or -)` };
  }
  const ref = parseImageReference(image);
  if ('error' in ref) return ref;
  if (ref.tag !== undefined || ref.digest !== undefined) return { image };
  return { image: `${ref.name}:${version}` };
}

/**
 * A reference as the container runtime resolves it: the Docker Hub registry spelled one way
 * (`nginx`, `docker.io/library/nginx` and `index.docker.io/library/nginx` are one image), and
 * `latest` as the tag of a reference that names neither tag nor digest.
 */
export function normalizeImageReference(text: string): ImageReference | undefined {
  const ref = parseImageReference(text);
  if ('error' in ref) return undefined;
  const slash = ref.name.indexOf('/');
  const first = slash === -1 ? '' : ref.name.slice(0, slash);
  const hasDomain = slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  let domain = hasDomain ? first : 'docker.io';
  let path = hasDomain ? ref.name.slice(slash + 1) : ref.name;
  if (domain === 'index.docker.io' || domain === 'registry-1.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  const normalized: ImageReference = { name: `${domain}/${path}` };
  if (ref.tag !== undefined) normalized.tag = ref.tag;
  else if (ref.digest === undefined) normalized.tag = 'latest';
  if (ref.digest !== undefined) normalized.digest = ref.digest;
  return normalized;
}

/**
 * True when a container running `actual` runs the image `wanted` names: the same repository up
 * to registry normalisation and the same tag, where `actual` may carry a digest appended by an
 * image-pinning policy (`repo:1.2@sha256:...` is `repo:1.2`). When `wanted` pins a digest,
 * `actual` must carry that digest.
 */
export function sameImage(actual: unknown, wanted: string): boolean {
  if (actual === wanted) return true;
  if (typeof actual !== 'string') return false;
  const a = normalizeImageReference(actual);
  const w = normalizeImageReference(wanted);
  if (!a || !w || a.name !== w.name) return false;
  if (w.digest !== undefined) return a.digest === w.digest && (w.tag === undefined || a.tag === undefined || a.tag === w.tag);
  return a.tag === w.tag;
}

/** The repository of a reference, normalised (undefined when it does not parse). */
export function imageRepository(text: unknown): string | undefined {
  return typeof text === 'string' ? normalizeImageReference(text)?.name : undefined;
}

/** The tag a reference names, if any. */
export function imageTag(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const ref = parseImageReference(text);
  return 'error' in ref ? undefined : ref.tag;
}

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

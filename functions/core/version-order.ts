/**
 * The order of sidecar releases, so that an upgrade only ever moves forward. Semantic versions
 * (https://semver.org, section 11), with the leniency operators' tags need: a leading `v`, and
 * a missing minor or patch read as 0 (`1.3` is `1.3.0`). Written by hand because the rule is
 * twenty lines and the `semver` package would add its range grammar to the Lambda bundle.
 */

interface Version {
  core: [number, number, number];
  pre: string[];
}

const VERSION_RE = /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

function parse(text: string): Version | undefined {
  const match = VERSION_RE.exec(text);
  if (!match) return undefined;
  const [, major = '0', minor = '0', patch = '0', pre] = match;
  return { core: [Number(major), Number(minor), Number(patch)], pre: pre ? pre.split('.') : [] };
}

export function isOrderedVersion(text: string): boolean {
  return parse(text) !== undefined;
}

/**
 * Negative when `a` is older than `b`, 0 when they are the same release (build metadata is
 * ignored), positive when newer; undefined when either is not a version this order knows (then
 * nothing is upgraded: moving to or from an unordered tag could be a downgrade).
 */
export function compareVersions(a: string, b: string): number | undefined {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  for (let i = 0; i < 3; i++) {
    const d = (x.core[i] as number) - (y.core[i] as number);
    if (d !== 0) return Math.sign(d);
  }
  // A pre-release is older than its release.
  if (x.pre.length === 0 || y.pre.length === 0) return Math.sign(y.pre.length - x.pre.length);
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const d = comparePreRelease(x.pre[i] as string, y.pre[i] as string);
    if (d !== 0) return d;
  }
  return Math.sign(x.pre.length - y.pre.length);
}

function comparePreRelease(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an !== bn) return an ? -1 : 1; // numeric identifiers sort before alphanumeric ones
  return a < b ? -1 : a > b ? 1 : 0;
}

/** How far apart two ordered versions are, by the first part that differs (for the fleet report). */
export type VersionGap = 'major' | 'minor' | 'patch' | 'pre-release' | 'none';

export function versionGap(a: string, b: string): VersionGap | undefined {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  const parts = ['major', 'minor', 'patch'] as const;
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return parts[i];
  return x.pre.join('.') === y.pre.join('.') ? 'none' : 'pre-release';
}

import { isPlainObject } from './pod-view.ts';
import { cachedQuantityNanos } from './quantity.ts';
import type { Container, JsonObject } from './types.ts';

/**
 * How Kubernetes adds up a pod's resources, for the two adaptations that depend on it: keeping
 * a Guaranteed pod Guaranteed, and raising pod-level `spec.resources` by what the injected
 * containers need (the API server refuses a pod whose containers request more than it).
 */

type Kind = 'requests' | 'limits';

function amount(container: Container | JsonObject, kind: Kind, resource: string): bigint | undefined {
  const resources = container.resources;
  if (!isPlainObject(resources) || !isPlainObject(resources[kind])) return undefined;
  const value = resources[kind][resource];
  return typeof value === 'string' || typeof value === 'number' ? cachedQuantityNanos(String(value)) : undefined;
}

/** A container's request, defaulted to its limit as the API server does when only the limit is set. */
function effectiveRequest(container: Container | JsonObject, resource: string): bigint | undefined {
  return amount(container, 'requests', resource) ?? amount(container, 'limits', resource);
}

function isGuaranteedFor(subject: Container | JsonObject, resource: string): boolean {
  const limit = amount(subject, 'limits', resource);
  return limit !== undefined && limit > 0n && effectiveRequest(subject, resource) === limit;
}

/**
 * Whether the app's own containers (those the template does not inject) make the pod
 * Guaranteed: cpu and memory limits on every one, with requests equal to them. With pod-level
 * resources the pod's QoS follows those instead.
 */
export function appIsGuaranteed(spec: JsonObject, injected: ReadonlySet<string>): boolean {
  if (isPlainObject(spec.resources) && (isPlainObject(spec.resources.limits) || isPlainObject(spec.resources.requests))) {
    return isGuaranteedFor(spec.resources, 'cpu') && isGuaranteedFor(spec.resources, 'memory');
  }
  const app = [...listOf(spec, 'initContainers'), ...listOf(spec, 'containers')].filter((c) => !injected.has(c.name));
  return app.length > 0 && app.every((c) => isGuaranteedFor(c, 'cpu') && isGuaranteedFor(c, 'memory'));
}

function listOf(spec: JsonObject, list: 'containers' | 'initContainers'): Container[] {
  const value = spec[list];
  return Array.isArray(value) ? (value.filter(isPlainObject) as Container[]) : [];
}

/**
 * The pod's aggregate of one resource, the way the scheduler and the API server's pod-level
 * validation count it: regular containers and sidecars (init containers with restartPolicy
 * Always) add up; a plain init container runs alone beside the sidecars started before it.
 */
export function aggregate(containers: Container[], initContainers: Container[], kind: Kind, resource: string): bigint {
  const get = (c: Container): bigint => (kind === 'requests' ? effectiveRequest(c, resource) : amount(c, kind, resource)) ?? 0n;
  let running = containers.reduce((sum, c) => sum + get(c), 0n);
  let sidecars = 0n;
  let initPeak = 0n;
  for (const init of initContainers) {
    if (init.restartPolicy === 'Always') {
      running += get(init);
      sidecars += get(init);
    } else {
      const during = get(init) + sidecars;
      if (during > initPeak) initPeak = during;
    }
  }
  return running > initPeak ? running : initPeak;
}

/**
 * A quantity for an amount in nano-units, in the form of `like` where that is exact (`Mi`
 * stays `Mi`, millicores stay millicores), so the raised value reads as the operator wrote it.
 */
export function formatQuantity(nanos: bigint, like: string): string {
  const binary = /([KMGTPE]i)$/.exec(like)?.[1];
  const units: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
  const giga = 1_000_000_000n;
  if (binary && nanos % giga === 0n) {
    const bytes = nanos / giga;
    const unit = units[binary] as bigint;
    if (bytes % unit === 0n) return `${bytes / unit}${binary}`;
    for (const [suffix, size] of Object.entries(units).reverse()) if (bytes % size === 0n) return `${bytes / size}${suffix}`;
    return String(bytes);
  }
  if (nanos % giga === 0n && !/m$/.test(like)) return String(nanos / giga);
  if (nanos % 1_000_000n === 0n) return `${nanos / 1_000_000n}m`;
  return `${nanos}n`;
}

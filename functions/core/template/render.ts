import type { InjectorConfig } from '../injector-config.ts';
import { appIsGuaranteed } from '../pod-resources.ts';
import { isPlainObject } from '../pod-view.ts';
import type { Container, JsonObject, Pod } from '../types.ts';
import { templateContainerNames } from './pod-fragment.ts';
import { deepFreeze } from '../deep-freeze.ts';
import { cloneJson } from '../json-clone.ts';

/**
 * The template as this pod should receive it: the release's image on the sidecar, and the
 * adaptations the pod calls for, each with the note that goes into the decision's reason and,
 * where a user should know, a warning. Pure: the same pod and config give the same result, so a
 * second review finds the pod already at it.
 */
export interface RenderedTemplate {
  /** In pod order: the setup init containers, then the sidecars when they go native. */
  initContainers: Container[];
  /** The sidecars when they go among the regular containers. */
  containers: Container[];
  volumes: JsonObject[];
  imagePullSecrets: JsonObject[];
  /** The template's long-running containers (the sidecar and helpers), wherever they go. */
  sidecarNames: Set<string>;
  /** Container ports the template's containers declare, with the container that declares each. */
  ports: Map<unknown, string>;
  native: boolean;
  notes: string[];
  warnings: string[];
}

/** Pod restart policies under which the pod is meant to finish (Jobs, one-off pods). */
const RUN_TO_COMPLETION = new Set(['Never', 'OnFailure']);

/** Fields the API server forbids in a container's securityContext when spec.os.name is windows. */
const LINUX_ONLY_SECURITY_FIELDS = [
  'appArmorProfile',
  'seLinuxOptions',
  'seccompProfile',
  'capabilities',
  'readOnlyRootFilesystem',
  'privileged',
  'allowPrivilegeEscalation',
  'procMount',
  'runAsUser',
  'runAsGroup',
];

export function runsToCompletion(pod: Pod): boolean {
  return isPlainObject(pod.spec) && typeof pod.spec.restartPolicy === 'string' && RUN_TO_COMPLETION.has(pod.spec.restartPolicy);
}

export function isWindowsPod(pod: Pod): boolean {
  return isPlainObject(pod.spec) && isPlainObject(pod.spec.os) && pod.spec.os.name === 'windows';
}

/**
 * The rendering depends on the pod only through three facts (its run-to-completion restart
 * policy, Guaranteed, Windows), so each combination is rendered once per template and release and then shared: the
 * result is read-only, and the decision copies what it puts into a patch.
 */
const renderings = new WeakMap<object, Map<string, RenderedTemplate>>();
const MAX_RENDERINGS = 64;

export function renderTemplate(pod: Pod, config: InjectorConfig): Readonly<RenderedTemplate> {
  const spec = (pod.spec ?? {}) as JsonObject;
  const toCompletion = runsToCompletion(pod);
  const guaranteed = config.keepGuaranteedQos && appIsGuaranteed(spec, templateNames(config));
  const windows = isWindowsPod(pod);
  const key = `${config.nativeSidecar}|${toCompletion ? String(spec.restartPolicy) : ''}|${guaranteed}|${windows}|${config.release.image}`;
  let cache = renderings.get(config.template);
  if (!cache) renderings.set(config.template, (cache = new Map()));
  let rendered = cache.get(key);
  if (!rendered) {
    if (cache.size >= MAX_RENDERINGS) cache.clear();
    rendered = render(config, spec, toCompletion, guaranteed, windows);
    // Shared by every review of this kind of pod, and put into patches as it is.
    deepFreeze(rendered.initContainers);
    deepFreeze(rendered.containers);
    deepFreeze(rendered.volumes);
    deepFreeze(rendered.imagePullSecrets);
    cache.set(key, rendered);
  }
  return rendered;
}

const names = new WeakMap<object, Set<string>>();

function templateNames(config: InjectorConfig): Set<string> {
  let set = names.get(config.template);
  if (!set) names.set(config.template, (set = templateContainerNames(config.template.fragment)));
  return set;
}

function render(config: InjectorConfig, spec: JsonObject, toCompletion: boolean, guaranteed: boolean, windows: boolean): RenderedTemplate {
  const { fragment, sidecarName } = config.template;
  const notes: string[] = [];
  const warnings: string[] = [];
  const native = config.nativeSidecar === 'always' || (config.nativeSidecar === 'auto' && toCompletion);
  if (native && config.nativeSidecar === 'auto') notes.push('native sidecar for a run-to-completion pod');
  if (toCompletion && !native) {
    warnings.push(
      `${sidecarName} injected as a regular container into a pod with restartPolicy ${String(spec.restartPolicy)}: the pod will not complete while it runs; set NATIVE_SIDECAR=auto (Kubernetes 1.29+)`,
    );
  }
  if (guaranteed) notes.push('requests set to limits to keep the pod Guaranteed');
  if (windows) notes.push('Linux-only security fields left out for a Windows pod');

  const adapt = (template: Container): Container => {
    const container = cloneJson(template);
    if (container.name === sidecarName) container.image = config.release.image;
    if (guaranteed) matchRequestsToLimits(container, warnings);
    if (windows) dropLinuxOnlySecurity(container);
    return container;
  };

  const setup = fragment.initContainers.map(adapt);
  const sidecars = fragment.containers.map(adapt);
  if (native) for (const sidecar of sidecars) sidecar.restartPolicy = 'Always';
  const ports = new Map<unknown, string>();
  for (const container of [...setup, ...sidecars]) {
    if (!Array.isArray(container.ports)) continue;
    for (const port of container.ports) if (isPlainObject(port)) ports.set(port.containerPort, container.name);
  }
  return {
    ports,
    initContainers: native ? [...setup, ...sidecars] : setup,
    containers: native ? [] : sidecars,
    volumes: cloneJson(fragment.volumes),
    imagePullSecrets: cloneJson(fragment.imagePullSecrets),
    sidecarNames: new Set(fragment.containers.map((c) => c.name)),
    native,
    notes,
    warnings,
  };
}

/**
 * A pod is Guaranteed only when every container's requests equal its limits for cpu and
 * memory; an injected container with smaller requests would make it Burstable (it loses
 * exclusive CPUs under the static CPU manager and is evicted sooner).
 */
function matchRequestsToLimits(container: Container, warnings: string[]): void {
  const resources = isPlainObject(container.resources) ? container.resources : {};
  const limits = isPlainObject(resources.limits) ? resources.limits : {};
  const missing = ['cpu', 'memory'].filter((r) => !(r in limits));
  if (missing.length > 0) {
    warnings.push(
      `the pod loses Guaranteed QoS: injected container ${container.name} has no ${missing.join(' or ')} limit in the sidecar template`,
    );
  }
  if (Object.keys(limits).length === 0) return;
  const requests = isPlainObject(resources.requests) ? resources.requests : {};
  container.resources = { ...resources, requests: { ...requests, ...limits } };
}

function dropLinuxOnlySecurity(container: Container): void {
  const context = container.securityContext;
  if (!isPlainObject(context)) return;
  for (const field of LINUX_ONLY_SECURITY_FIELDS) delete context[field];
  if (Object.keys(context).length === 0) delete container.securityContext;
}

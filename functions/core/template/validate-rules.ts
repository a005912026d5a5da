/**
 * The rules the API server applies to containers and volumes beyond their types, for a pod
 * template (the schema, generated from Kubernetes' OpenAPI document, has already checked types and
 * field names). Read from Kubernetes v1.37's pkg/apis/core/validation/validation.go (functions
 * named beside each rule) and its defaulting (pkg/apis/core/v1/defaults.go); written anew here.
 *
 * Three more kinds of refusal, stricter than the API server, each because the injector would
 * otherwise re-patch every pod (the pod read back would differ from the template):
 * - values the API server changes: a quantity finer than 1m (rounded up), an empty string or 0
 *   where a default is filled in (`protocol: ""`, `periodSeconds: 0`), a non-canonical divisor;
 * - fields behind a feature gate that is not GA in v1.37: with the gate off the API server drops
 *   the field silently (alpha gates are off by default; a cluster may turn beta gates off);
 * - things that depend on the pod the template is merged into, which the template cannot know
 *   (resource claims, volume devices, Windows options): refused with the reason.
 *
 * Pure. Input: a document that passed the schema. Output: one line per problem.
 */
import { isDns1123Label, isDns1123Subdomain, isPortName } from '../kubernetes-names.ts';
import { quantityNanos } from '../quantity.ts';
import { VOLUME_KINDS_NOT_IN_TEMPLATES } from './schema/openapi-to-json-schema.ts';

type Obj = { [key: string]: unknown };
type Problems = string[];

const NANO = 1_000_000_000n;
const MILLI_IN_NANOS = 1_000_000n;
const INT64_MAX = 9223372036854775807n;
const MAX_UID = 2147483647;
/** The pod's default terminationGracePeriodSeconds: a preStop sleep may not be longer. */
const DEFAULT_GRACE_PERIOD_SECONDS = 30;

const CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];
const BYTE_RESOURCES = new Set(['memory', 'ephemeral-storage']);
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const HTTP_SCHEMES = ['HTTP', 'HTTPS'];
const MOUNT_PROPAGATIONS = ['None', 'HostToContainer', 'Bidirectional'];
const RECURSIVE_READ_ONLY = ['Disabled', 'IfPossible', 'Enabled'];
const PROFILE_TYPES = ['RuntimeDefault', 'Unconfined', 'Localhost'];
const RESIZE_RESOURCES = ['cpu', 'memory'];
const RESIZE_POLICIES = ['NotRequired', 'RestartContainer'];
const HOST_PATH_TYPES = ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];
const EMPTY_DIR_MEDIA = ['', 'Memory'];
const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const VOLUME_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.labels', 'metadata.annotations', 'metadata.uid'];
const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage'];
const CPU_DIVISORS = ['1m', '1'];
const BYTE_DIVISORS = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];
const TEMPLATE_VOLUME_KINDS = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'hostPath', 'image', 'nfs', 'persistentVolumeClaim', 'projected', 'secret'];
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;

/** Fields behind a feature gate that is not GA in Kubernetes v1.37 (pkg/features/kube_features.go). */
const GATED = {
  stopSignal: 'ContainerStopSignals (alpha, off by default)',
  fileKeyRef: 'EnvFiles (beta)',
  restartPolicyRules: 'ContainerRestartRules (beta)',
  containerRestartPolicy: 'ContainerRestartRules (beta)',
  grpcMode: 'GRPCContainerProbeTLS (alpha, off by default)',
  httpProtocol: 'H2CContainerProbe (alpha, off by default)',
  bindMountOptions: 'VolumeBindMountOptions (alpha, off by default)',
  emptyDirMode: 'EmptyDirVolumeMode (alpha, off by default)',
  volumeUser: 'AtomicWriteVolumeUserFields (alpha, off by default)',
} as const;

export interface RuleOptions {
  sidecarName: string;
}

export function templateRuleProblems(doc: Obj, options: RuleOptions): Problems {
  const problems: Problems = [];
  const initContainers = objects(doc.initContainers);
  const containers = objects(doc.containers);
  const volumes = objects(doc.volumes);

  const volumeNames = checkVolumes(volumes, problems);

  const seen = new Map<string, string>();
  const all = [
    ...initContainers.map((c, i) => ({ c, path: containerPath('initContainers', i, c), init: true })),
    ...containers.map((c, i) => ({ c, path: containerPath('containers', i, c), init: false })),
  ];
  for (const { c, path, init } of all) {
    const name = c.name as string;
    const isSidecar = name === options.sidecarName;
    if (isSidecar && init) {
      problems.push(`${path}: the sidecar "${name}" belongs in containers (native-sidecar mode moves it among the init containers itself)`);
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) problems.push(`${path}.name: "${name}" is also the name of ${earlier}; container names must be unique across initContainers and containers`);
    else seen.set(name, path);
    checkContainer(c, path, { init, isSidecar, volumeNames }, problems);
  }
  if (!containers.some((c) => c.name === options.sidecarName)) {
    problems.push(`containers: no container named "${options.sidecarName}" (the SIDECAR_NAME setting): the template must describe the sidecar`);
  }
  checkHostPorts(containers, 'containers', problems);
  for (const [i, c] of initContainers.entries()) checkHostPorts([c], `initContainers[${i}]`, problems);

  for (const [i, secret] of objects(doc.imagePullSecrets).entries()) {
    const name = secret.name;
    if (typeof name !== 'string' || name === '') problems.push(`imagePullSecrets[${i}].name: required (the name of a Secret of the pod's namespace)`);
  }
  return problems;
}

function containerPath(list: string, index: number, c: Obj): string {
  return typeof c.name === 'string' && c.name !== '' ? `${list}[${index}] (${c.name})` : `${list}[${index}]`;
}

interface ContainerContext {
  init: boolean;
  isSidecar: boolean;
  volumeNames: Set<string>;
}

// validateContainerCommon, validateContainers, validateInitContainers
function checkContainer(c: Obj, path: string, ctx: ContainerContext, problems: Problems): void {
  const name = c.name;
  if (typeof name !== 'string' || name === '') problems.push(`${path}.name: required`);
  else if (!isDns1123Label(name)) problems.push(`${path}.name: "${name}" is not a valid container name: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (RFC 1123 label)`);

  if (ctx.isSidecar) {
    if ('image' in c) problems.push(`${path}.image: comes from the release (SSM or SIDECAR_IMAGE/SIDECAR_VERSION); remove it from the template`);
  } else if (typeof c.image !== 'string' || c.image.trim() === '') {
    problems.push(`${path}.image: required (only the sidecar's image comes from the release)`);
  } else if (c.image !== c.image.trim()) {
    problems.push(`${path}.image: must not have leading or trailing whitespace`);
  }

  oneOf(c, 'imagePullPolicy', PULL_POLICIES, path, problems);
  oneOf(c, 'terminationMessagePolicy', TERMINATION_MESSAGE_POLICIES, path, problems);
  if (c.terminationMessagePath === '') problems.push(`${path}.terminationMessagePath: empty; the API server fills in /dev/termination-log: omit it or write a path`);

  checkPorts(objects(c.ports), `${path}.ports`, problems);
  checkEnv(objects(c.env), `${path}.env`, problems);
  checkEnvFrom(objects(c.envFrom), `${path}.envFrom`, problems);
  checkVolumeMounts(objects(c.volumeMounts), c, `${path}.volumeMounts`, ctx.volumeNames, problems);
  if (c.volumeDevices !== undefined) problems.push(`${path}.volumeDevices: not supported in a template (a raw block device needs a PersistentVolumeClaim of the pod)`);
  if (isObj(c.resources)) checkResources(c.resources, `${path}.resources`, problems);
  checkResizePolicy(objects(c.resizePolicy), `${path}.resizePolicy`, problems);
  if (isObj(c.securityContext)) checkSecurityContext(c.securityContext, `${path}.securityContext`, problems);
  if (c.restartPolicyRules !== undefined) problems.push(`${path}.restartPolicyRules: ${gated(GATED.restartPolicyRules)}`);

  const restartAlways = c.restartPolicy === 'Always';
  if (ctx.init) {
    if (c.restartPolicy !== undefined && !restartAlways) {
      problems.push(`${path}.restartPolicy: ${describe(c.restartPolicy)} is not supported for an init container: only "Always" (a native sidecar), or omit it`);
    }
    if (!restartAlways) {
      for (const field of ['lifecycle', ...PROBES]) {
        if (c[field] !== undefined) problems.push(`${path}.${field}: may not be set for an init container without restartPolicy: Always`);
      }
      for (const [j, p] of objects(c.resizePolicy).entries()) {
        if (p.restartPolicy === 'RestartContainer') problems.push(`${path}.resizePolicy[${j}].restartPolicy: must not be RestartContainer for an init container that is not a native sidecar`);
      }
    }
  } else if (c.restartPolicy !== undefined) {
    problems.push(`${path}.restartPolicy: may not be set on a regular container (${GATED.containerRestartPolicy}); omit it`);
  }
  if (!ctx.init || restartAlways) {
    if (isObj(c.lifecycle)) checkLifecycle(c.lifecycle, `${path}.lifecycle`, problems);
    for (const probe of PROBES) {
      if (isObj(c[probe])) checkProbe(c[probe] as Obj, probe, `${path}.${probe}`, problems);
    }
  }
}

// validateContainerPorts
function checkPorts(ports: Obj[], path: string, problems: Problems): void {
  const names = new Set<string>();
  for (const [i, port] of ports.entries()) {
    const at = typeof port.name === 'string' && port.name !== '' ? `${path}[${i}] (${port.name})` : `${path}[${i}]`;
    if (typeof port.name === 'string') {
      if (port.name === '') problems.push(`${at}.name: empty; omit it or name the port`);
      else if (!isPortName(port.name)) problems.push(`${at}.name: "${port.name}" is not a valid port name: at most 15 lower-case letters, digits and '-', at least one letter, no '-' at either end or twice in a row (IANA_SVC_NAME)`);
      else if (names.has(port.name)) problems.push(`${at}.name: "${port.name}" is used twice in this container; port names must be unique`);
      else names.add(port.name);
    }
    portNumber(port.containerPort, `${at}.containerPort`, true, problems);
    if (port.hostPort !== undefined && port.hostPort !== 0) portNumber(port.hostPort, `${at}.hostPort`, false, problems);
    oneOf(port, 'protocol', PROTOCOLS, at, problems);
  }
}

function portNumber(value: unknown, path: string, required: boolean, problems: Problems): void {
  if (value === undefined || value === 0) {
    if (required) problems.push(`${path}: required, a port number from 1 to 65535`);
    return;
  }
  if (typeof value !== 'number' || value < 1 || value > 65535) problems.push(`${path}: ${describe(value)} is not a port number: 1 to 65535`);
}

// checkHostPortConflicts
function checkHostPorts(containers: Obj[], path: string, problems: Problems): void {
  const used = new Set<string>();
  for (const c of containers) {
    for (const port of objects(c.ports)) {
      if (typeof port.hostPort !== 'number' || port.hostPort === 0) continue;
      const key = `${port.hostIP ?? ''}/${port.hostPort}/${port.protocol ?? 'TCP'}`;
      if (used.has(key)) problems.push(`${path}: hostPort ${port.hostPort}/${port.protocol ?? 'TCP'} is declared twice`);
      used.add(key);
    }
  }
}

// ValidateEnv, validateEnvVarValueFrom
function checkEnv(env: Obj[], path: string, problems: Problems): void {
  for (const [i, e] of env.entries()) {
    const at = typeof e.name === 'string' && e.name !== '' ? `${path}[${i}] (${e.name})` : `${path}[${i}]`;
    envName(e.name, `${at}.name`, true, problems);
    const from = e.valueFrom;
    if (from === undefined) continue;
    if (!isObj(from)) continue;
    const sources = Object.keys(from);
    if (typeof e.value === 'string' && e.value !== '') {
      problems.push(`${at}: has both value and valueFrom; keep one`);
    }
    if (sources.length === 0) problems.push(`${at}.valueFrom: empty; name one of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef`);
    else if (sources.length > 1) problems.push(`${at}.valueFrom: has ${sources.join(' and ')}; keep exactly one`);
    if (isObj(from.fieldRef)) fieldRef(from.fieldRef, ENV_FIELD_PATHS, `${at}.valueFrom.fieldRef`, problems);
    if (isObj(from.resourceFieldRef)) resourceFieldRef(from.resourceFieldRef, false, `${at}.valueFrom.resourceFieldRef`, problems);
    if (isObj(from.configMapKeyRef)) keySelector(from.configMapKeyRef, 'ConfigMap', `${at}.valueFrom.configMapKeyRef`, problems);
    if (isObj(from.secretKeyRef)) keySelector(from.secretKeyRef, 'Secret', `${at}.valueFrom.secretKeyRef`, problems);
    if (from.fileKeyRef !== undefined) problems.push(`${at}.valueFrom.fileKeyRef: ${gated(GATED.fileKeyRef)}`);
  }
}

/** IsRelaxedEnvVarName: GA since 1.34, so any printable ASCII but '='. */
function envName(name: unknown, path: string, required: boolean, problems: Problems): void {
  if (typeof name !== 'string' || name === '') {
    if (required) problems.push(`${path}: required`);
    return;
  }
  if (!/^[\x20-\x7e]+$/.test(name) || name.includes('=')) problems.push(`${path}: "${name}" is not a valid environment variable name: printable ASCII characters other than '='`);
}

// validateObjectFieldSelector
function fieldRef(ref: Obj, allowed: string[], path: string, problems: Problems): void {
  if (ref.apiVersion !== undefined && ref.apiVersion !== 'v1') problems.push(`${path}.apiVersion: ${describe(ref.apiVersion)} is not supported: "v1", or omit it`);
  const fieldPath = ref.fieldPath;
  if (typeof fieldPath !== 'string' || fieldPath === '') {
    problems.push(`${path}.fieldPath: required`);
    return;
  }
  const subscripted = /^(metadata\.(?:labels|annotations))\['(.+)'\]$/.exec(fieldPath);
  if (subscripted) {
    const [, base = '', key = ''] = subscripted;
    if (!isQualifiedName(base === 'metadata.annotations' ? key.toLowerCase() : key)) problems.push(`${path}.fieldPath: "${key}" is not a valid label or annotation key`);
    return;
  }
  if (!allowed.includes(fieldPath)) problems.push(`${path}.fieldPath: "${fieldPath}" is not supported here; one of ${allowed.join(', ')}${allowed.includes('metadata.labels') ? ", or metadata.labels['<key>'], metadata.annotations['<key>']" : ", metadata.labels['<key>'], metadata.annotations['<key>']"}`);
}

// validateContainerResourceFieldSelector, validateContainerResourceDivisor
function resourceFieldRef(ref: Obj, inVolume: boolean, path: string, problems: Problems): void {
  if (inVolume && (typeof ref.containerName !== 'string' || ref.containerName === '')) {
    problems.push(`${path}.containerName: required in a volume`);
    return;
  }
  const resource = ref.resource;
  if (typeof resource !== 'string' || resource === '') {
    problems.push(`${path}.resource: required`);
    return;
  }
  if (!RESOURCE_FIELD_PATHS.includes(resource)) {
    problems.push(`${path}.resource: "${resource}" is not supported; one of ${RESOURCE_FIELD_PATHS.join(', ')}`);
    return;
  }
  if (ref.divisor === undefined) return;
  const allowed = resource.endsWith('.cpu') ? CPU_DIVISORS : BYTE_DIVISORS;
  if (!allowed.includes(String(ref.divisor))) {
    problems.push(`${path}.divisor: ${describe(ref.divisor)} is not supported for ${resource}; one of ${allowed.join(', ')} (written exactly so)`);
  }
}

// validateConfigMapKeySelector, validateSecretKeySelector
function keySelector(ref: Obj, kind: string, path: string, problems: Problems): void {
  objectName(ref.name, kind, `${path}.name`, problems);
  const key = ref.key;
  if (typeof key !== 'string' || key === '') problems.push(`${path}.key: required`);
  else if (!isConfigKey(key)) problems.push(`${path}.key: "${key}" is not a valid key: letters, digits, '-', '_' or '.', at most 253 characters`);
}

function objectName(name: unknown, kind: string, path: string, problems: Problems): void {
  if (typeof name !== 'string' || name === '') problems.push(`${path}: required (the name of a ${kind} of the pod's namespace)`);
  else if (!isDns1123Subdomain(name)) problems.push(`${path}: "${name}" is not a valid ${kind} name (RFC 1123 subdomain: lower-case letters, digits, '-' and '.')`);
}

// ValidateEnvFrom
function checkEnvFrom(envFrom: Obj[], path: string, problems: Problems): void {
  for (const [i, e] of envFrom.entries()) {
    const at = `${path}[${i}]`;
    if (e.prefix !== undefined && e.prefix !== '') envName(e.prefix, `${at}.prefix`, false, problems);
    const kinds = ['configMapRef', 'secretRef'].filter((k) => e[k] !== undefined);
    if (kinds.length !== 1) problems.push(`${at}: name exactly one of configMapRef or secretRef`);
    if (isObj(e.configMapRef)) objectName(e.configMapRef.name, 'ConfigMap', `${at}.configMapRef.name`, problems);
    if (isObj(e.secretRef)) objectName(e.secretRef.name, 'Secret', `${at}.secretRef.name`, problems);
  }
}

// ValidateVolumeMounts, validateMountPropagation, validateMountRecursiveReadOnly
function checkVolumeMounts(mounts: Obj[], c: Obj, path: string, volumeNames: Set<string>, problems: Problems): void {
  const mountPaths = new Set<string>();
  for (const [i, m] of mounts.entries()) {
    const at = typeof m.name === 'string' && m.name !== '' ? `${path}[${i}] (${m.name})` : `${path}[${i}]`;
    if (typeof m.name !== 'string' || m.name === '') problems.push(`${at}.name: required`);
    else if (!volumeNames.has(m.name)) {
      problems.push(`${at}.name: no volume "${m.name}" in the template's volumes; a template can mount only its own volumes${volumeNames.size > 0 ? ` (${[...volumeNames].join(', ')})` : ''}`);
    }
    if (typeof m.mountPath !== 'string' || m.mountPath === '') problems.push(`${at}.mountPath: required`);
    else if (mountPaths.has(m.mountPath)) problems.push(`${at}.mountPath: "${m.mountPath}" is mounted twice in this container`);
    else mountPaths.add(m.mountPath);
    if (typeof m.subPath === 'string' && m.subPath !== '') localDescendingPath(m.subPath, `${at}.subPath`, problems);
    if (typeof m.subPathExpr === 'string' && m.subPathExpr !== '') {
      if (typeof m.subPath === 'string' && m.subPath !== '') problems.push(`${at}: subPath and subPathExpr exclude each other; keep one`);
      localDescendingPath(m.subPathExpr, `${at}.subPathExpr`, problems);
    }
    if (m.mountPropagation !== undefined) {
      oneOf(m, 'mountPropagation', MOUNT_PROPAGATIONS, at, problems);
      const privileged = isObj(c.securityContext) && c.securityContext.privileged === true;
      if (m.mountPropagation === 'Bidirectional' && !privileged) problems.push(`${at}.mountPropagation: Bidirectional needs a privileged container`);
    }
    if (m.recursiveReadOnly !== undefined) {
      oneOf(m, 'recursiveReadOnly', RECURSIVE_READ_ONLY, at, problems);
      if (m.recursiveReadOnly === 'Enabled' || m.recursiveReadOnly === 'IfPossible') {
        if (m.readOnly !== true) problems.push(`${at}.recursiveReadOnly: needs readOnly: true`);
        if (m.mountPropagation !== undefined && m.mountPropagation !== 'None') problems.push(`${at}.recursiveReadOnly: needs mountPropagation None or unset`);
      }
    }
    if (m.bindMountOptions !== undefined) problems.push(`${at}.bindMountOptions: ${gated(GATED.bindMountOptions)}`);
  }
}

// validateLocalDescendingPath, ValidateLocalNonReservedPath
function localDescendingPath(p: string, path: string, problems: Problems, nonReserved = false): void {
  if (p.startsWith('/')) problems.push(`${path}: "${p}" must be a relative path`);
  if (p.split('/').includes('..')) problems.push(`${path}: "${p}" must not contain '..'`);
  else if (nonReserved && p.startsWith('..')) problems.push(`${path}: "${p}" must not start with '..'`);
}

// validateResourceRequirements, ValidateResourceQuantityValue, SetDefaults_ResourceList (rounds to 1m)
function checkResources(resources: Obj, path: string, problems: Problems): void {
  if (resources.claims !== undefined) problems.push(`${path}.claims: not supported in a template (a claim must name one of the pod's resourceClaims)`);
  const amounts: Record<'requests' | 'limits', Map<string, bigint>> = { requests: new Map(), limits: new Map() };
  for (const kind of ['limits', 'requests'] as const) {
    const list = resources[kind];
    if (!isObj(list)) continue;
    for (const [name, value] of Object.entries(list)) {
      const at = `${path}.${kind}.${name}`;
      if (!CONTAINER_RESOURCES.includes(name)) {
        problems.push(`${at}: "${name}" is not a resource a template may set; one of ${CONTAINER_RESOURCES.join(', ')}`);
        continue;
      }
      const nanos = quantityAmount(value, at, BYTE_RESOURCES.has(name), problems);
      if (nanos !== undefined) amounts[kind].set(name, nanos);
    }
  }
  for (const [name, request] of amounts.requests) {
    const limit = amounts.limits.get(name);
    if (limit !== undefined && request > limit) {
      const requests = resources.requests as Obj;
      const limits = resources.limits as Obj;
      problems.push(`${path}.requests.${name}: ${describe(requests[name])} is above the limit ${describe(limits[name])}; a request must be at most its limit`);
    }
  }
}

/**
 * A quantity's amount in nano-units, or a problem: malformed, negative, finer than 1m (the API
 * server rounds it up, so the pod would never match the template), fractional bytes, too large.
 */
function quantityAmount(value: unknown, path: string, bytes: boolean, problems: Problems): bigint | undefined {
  const text = String(value);
  const nanos = quantityNanos(text);
  if (nanos === undefined) {
    problems.push(`${path}: ${describe(value)} is not a quantity; write e.g. "100m", "0.5", "64Mi", "1G"`);
    return undefined;
  }
  if (nanos < 0n) {
    problems.push(`${path}: ${describe(value)} is negative; a quantity here must be 0 or more`);
    return undefined;
  }
  if (nanos % MILLI_IN_NANOS !== 0n) {
    problems.push(`${path}: ${describe(value)} is finer than 1m; the API server would round it up, and the pod would never match the template: write a multiple of 1m`);
    return undefined;
  }
  if (bytes && nanos % NANO !== 0n) {
    problems.push(`${path}: ${describe(value)} is not a whole number of bytes; write e.g. "64Mi" or "1500k"`);
    return undefined;
  }
  if (nanos / NANO > INT64_MAX) {
    problems.push(`${path}: ${describe(value)} is larger than Kubernetes quantities can hold (2^63-1)`);
    return undefined;
  }
  return nanos;
}

// validateResizePolicy
function checkResizePolicy(policies: Obj[], path: string, problems: Problems): void {
  const seen = new Set<unknown>();
  for (const [i, p] of policies.entries()) {
    const at = `${path}[${i}]`;
    oneOf(p, 'resourceName', RESIZE_RESOURCES, at, problems);
    oneOf(p, 'restartPolicy', RESIZE_POLICIES, at, problems);
    if (seen.has(p.resourceName)) problems.push(`${at}.resourceName: ${describe(p.resourceName)} appears twice`);
    seen.add(p.resourceName);
  }
}

// ValidateSecurityContext, validateSeccompProfileField, ValidateAppArmorProfileField
function checkSecurityContext(sc: Obj, path: string, problems: Problems): void {
  for (const field of ['runAsUser', 'runAsGroup']) {
    const id = sc[field];
    if (typeof id === 'number' && (id < 0 || id > MAX_UID)) problems.push(`${path}.${field}: ${id} is out of range: 0 to ${MAX_UID}`);
  }
  if (sc.procMount !== undefined && sc.procMount !== 'Default') {
    problems.push(`${path}.procMount: ${describe(sc.procMount)} is not supported in a template: "Default" (Unmasked needs the pod's hostUsers: false)`);
  }
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) problems.push(`${path}: allowPrivilegeEscalation: false and privileged: true exclude each other`);
    const add = isObj(sc.capabilities) && Array.isArray(sc.capabilities.add) ? sc.capabilities.add : [];
    if (add.includes('CAP_SYS_ADMIN')) problems.push(`${path}: allowPrivilegeEscalation: false and capabilities.add CAP_SYS_ADMIN exclude each other`);
  }
  for (const field of ['seccompProfile', 'appArmorProfile']) {
    const profile = sc[field];
    if (!isObj(profile)) continue;
    const at = `${path}.${field}`;
    oneOf(profile, 'type', PROFILE_TYPES, at, problems);
    if (profile.type === 'Localhost') {
      const local = profile.localhostProfile;
      if (typeof local !== 'string' || local.trim() === '') problems.push(`${at}.localhostProfile: required when type is Localhost`);
      else if (field === 'appArmorProfile' && local !== local.trim()) problems.push(`${at}.localhostProfile: must not be padded with whitespace`);
      else if (field === 'seccompProfile') localDescendingPath(local, `${at}.localhostProfile`, problems);
    } else if (profile.localhostProfile !== undefined) {
      problems.push(`${at}.localhostProfile: may be set only when type is Localhost`);
    }
  }
  if (sc.windowsOptions !== undefined) problems.push(`${path}.windowsOptions: not supported in a template (the sidecar runs on Linux)`);
}

// validateLifecycle, validateHandler
function checkLifecycle(lifecycle: Obj, path: string, problems: Problems): void {
  for (const hook of ['postStart', 'preStop']) {
    if (isObj(lifecycle[hook])) checkHandler(lifecycle[hook] as Obj, ['exec', 'httpGet', 'tcpSocket', 'sleep'], `${path}.${hook}`, problems);
  }
  if (lifecycle.stopSignal !== undefined) problems.push(`${path}.stopSignal: ${gated(GATED.stopSignal)}`);
}

// validateProbe, validateLivenessProbe, validateReadinessProbe, validateStartupProbe, SetDefaults_Probe
function checkProbe(probe: Obj, kind: (typeof PROBES)[number], path: string, problems: Problems): void {
  checkHandler(probe, ['exec', 'httpGet', 'tcpSocket', 'grpc'], path, problems);
  const defaults: Record<string, number> = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };
  for (const field of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    const value = probe[field];
    if (typeof value !== 'number') continue;
    if (value < 0) problems.push(`${path}.${field}: ${value} is negative`);
    else if (value === 0 && field in defaults) problems.push(`${path}.${field}: 0 is replaced by the default ${defaults[field]}; omit it or write ${defaults[field]}`);
  }
  if (kind !== 'readinessProbe' && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    problems.push(`${path}.successThreshold: must be 1 for a ${kind}`);
  }
  if (probe.terminationGracePeriodSeconds !== undefined) {
    if (kind === 'readinessProbe') problems.push(`${path}.terminationGracePeriodSeconds: may not be set on a readinessProbe`);
    else if (typeof probe.terminationGracePeriodSeconds === 'number' && probe.terminationGracePeriodSeconds <= 0) problems.push(`${path}.terminationGracePeriodSeconds: must be more than 0`);
  }
}

function checkHandler(handler: Obj, kinds: string[], path: string, problems: Problems): void {
  const present = kinds.filter((k) => handler[k] !== undefined);
  if (present.length === 0) problems.push(`${path}: no handler; set exactly one of ${kinds.join(', ')}`);
  else if (present.length > 1) problems.push(`${path}: has ${present.join(' and ')}; set exactly one handler`);
  if (isObj(handler.exec)) {
    if (!Array.isArray(handler.exec.command) || handler.exec.command.length === 0) problems.push(`${path}.exec.command: required, a non-empty list`);
  }
  if (isObj(handler.httpGet)) {
    const http = handler.httpGet;
    const at = `${path}.httpGet`;
    if (http.path === '') problems.push(`${at}.path: empty; the API server fills in "/": omit it or write a path`);
    portNumberOrName(http.port, `${at}.port`, problems);
    oneOf(http, 'scheme', HTTP_SCHEMES, at, problems);
    for (const [i, header] of objects(http.httpHeaders).entries()) {
      if (typeof header.name !== 'string' || !/^[-A-Za-z0-9]+$/.test(header.name)) problems.push(`${at}.httpHeaders[${i}].name: ${describe(header.name)} is not a valid HTTP header name: letters, digits and '-'`);
    }
    if (http.protocol !== undefined) problems.push(`${at}.protocol: ${gated(GATED.httpProtocol)}`);
  }
  if (isObj(handler.tcpSocket)) portNumberOrName(handler.tcpSocket.port, `${path}.tcpSocket.port`, problems);
  if (isObj(handler.grpc)) {
    portNumber(handler.grpc.port, `${path}.grpc.port`, true, problems);
    if (handler.grpc.mode !== undefined) problems.push(`${path}.grpc.mode: ${gated(GATED.grpcMode)}`);
  }
  if (isObj(handler.sleep)) {
    const seconds = handler.sleep.seconds;
    if (typeof seconds === 'number' && (seconds < 0 || seconds > DEFAULT_GRACE_PERIOD_SECONDS)) {
      problems.push(`${path}.sleep.seconds: ${seconds} must be from 0 to the pod's terminationGracePeriodSeconds (30 unless the pod sets it)`);
    }
  }
}

// ValidatePortNumOrName
function portNumberOrName(port: unknown, path: string, problems: Problems): void {
  if (typeof port === 'string') {
    if (!isPortName(port)) problems.push(`${path}: "${port}" is neither a port number nor a valid port name (IANA_SVC_NAME)`);
  } else portNumber(port, path, true, problems);
}

// ValidateVolumes, validateVolumeSource and the per-kind functions
function checkVolumes(volumes: Obj[], problems: Problems): Set<string> {
  const names = new Set<string>();
  for (const [i, v] of volumes.entries()) {
    const at = typeof v.name === 'string' && v.name !== '' ? `volumes[${i}] (${v.name})` : `volumes[${i}]`;
    const name = v.name;
    if (typeof name !== 'string' || name === '') problems.push(`${at}.name: required`);
    else if (!isDns1123Label(name)) problems.push(`${at}.name: "${name}" is not a valid volume name: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (RFC 1123 label)`);
    else if (names.has(name)) problems.push(`${at}.name: "${name}" is used by two volumes; volume names must be unique`);
    else names.add(name);

    const kinds = Object.keys(v).filter((k) => k !== 'name');
    const refused = kinds.filter((k) => (VOLUME_KINDS_NOT_IN_TEMPLATES as readonly string[]).includes(k));
    for (const kind of refused) problems.push(`${at}.${kind}: this volume kind is not supported in a template; use one of ${TEMPLATE_VOLUME_KINDS.join(', ')}`);
    if (kinds.length === 0) problems.push(`${at}: no volume kind; set one of ${TEMPLATE_VOLUME_KINDS.join(', ')}`);
    else if (kinds.length > 1) problems.push(`${at}: has ${kinds.join(' and ')}; a volume has exactly one kind`);

    if (isObj(v.emptyDir)) {
      const e = v.emptyDir;
      oneOf(e, 'medium', EMPTY_DIR_MEDIA, `${at}.emptyDir`, problems, true);
      if (e.sizeLimit !== undefined) quantityAmount(e.sizeLimit, `${at}.emptyDir.sizeLimit`, true, problems);
      if (e.mode !== undefined) problems.push(`${at}.emptyDir.mode: ${gated(GATED.emptyDirMode)}`);
    }
    if (isObj(v.configMap)) {
      const cm = v.configMap;
      if (typeof cm.name !== 'string' || cm.name === '') problems.push(`${at}.configMap.name: required (the name of a ConfigMap of the pod's namespace)`);
      fileModes(cm, `${at}.configMap`, problems);
      keyToPaths(objects(cm.items), `${at}.configMap.items`, problems);
    }
    if (isObj(v.secret)) {
      const s = v.secret;
      if (typeof s.secretName !== 'string' || s.secretName === '') problems.push(`${at}.secret.secretName: required (the name of a Secret of the pod's namespace)`);
      fileModes(s, `${at}.secret`, problems);
      keyToPaths(objects(s.items), `${at}.secret.items`, problems);
    }
    if (isObj(v.downwardAPI)) {
      fileModes(v.downwardAPI, `${at}.downwardAPI`, problems);
      for (const [j, file] of objects(v.downwardAPI.items).entries()) downwardFile(file, `${at}.downwardAPI.items[${j}]`, problems);
    }
    if (isObj(v.projected)) checkProjected(v.projected, `${at}.projected`, problems);
    if (isObj(v.hostPath)) {
      const h = v.hostPath;
      if (typeof h.path !== 'string' || h.path === '') problems.push(`${at}.hostPath.path: required`);
      else if (h.path.split('/').includes('..')) problems.push(`${at}.hostPath.path: "${h.path}" must not contain '..'`);
      oneOf(h, 'type', HOST_PATH_TYPES, `${at}.hostPath`, problems, true);
    }
    if (isObj(v.persistentVolumeClaim)) {
      if (typeof v.persistentVolumeClaim.claimName !== 'string' || v.persistentVolumeClaim.claimName === '') problems.push(`${at}.persistentVolumeClaim.claimName: required`);
    }
    if (isObj(v.csi)) {
      const driver = v.csi.driver;
      if (typeof driver !== 'string' || driver === '') problems.push(`${at}.csi.driver: required`);
      else if (driver.length > 63 || !isDns1123Subdomain(driver.toLowerCase())) problems.push(`${at}.csi.driver: "${driver}" is not a valid CSI driver name (an RFC 1123 subdomain of at most 63 characters)`);
      if (isObj(v.csi.nodePublishSecretRef)) objectName(v.csi.nodePublishSecretRef.name, 'Secret', `${at}.csi.nodePublishSecretRef.name`, problems);
    }
    if (isObj(v.image)) {
      if (typeof v.image.reference !== 'string' || v.image.reference === '') problems.push(`${at}.image.reference: required`);
      oneOf(v.image, 'pullPolicy', PULL_POLICIES, `${at}.image`, problems);
    }
    if (isObj(v.nfs)) {
      if (typeof v.nfs.server !== 'string' || v.nfs.server === '') problems.push(`${at}.nfs.server: required`);
      if (typeof v.nfs.path !== 'string' || !v.nfs.path.startsWith('/')) problems.push(`${at}.nfs.path: required, an absolute path`);
    }
  }
  return names;
}

function fileModes(source: Obj, path: string, problems: Problems): void {
  fileMode(source.defaultMode, `${path}.defaultMode`, problems);
  if (source.defaultUser !== undefined) problems.push(`${path}.defaultUser: ${gated(GATED.volumeUser)}`);
}

function fileMode(mode: unknown, path: string, problems: Problems): void {
  if (typeof mode === 'number' && (mode < 0 || mode > 0o777)) problems.push(`${path}: ${mode} is not a file mode: 0 to 0777 (octal; 511 in decimal)`);
}

// validateKeyToPath
function keyToPaths(items: Obj[], path: string, problems: Problems): void {
  for (const [i, item] of items.entries()) {
    const at = `${path}[${i}]`;
    if (typeof item.key !== 'string' || item.key === '') problems.push(`${at}.key: required`);
    if (typeof item.path !== 'string' || item.path === '') problems.push(`${at}.path: required`);
    else localDescendingPath(item.path, `${at}.path`, problems, true);
    fileMode(item.mode, `${at}.mode`, problems);
    if (item.user !== undefined) problems.push(`${at}.user: ${gated(GATED.volumeUser)}`);
  }
}

// validateDownwardAPIVolumeFile
function downwardFile(file: Obj, path: string, problems: Problems): void {
  if (typeof file.path !== 'string' || file.path === '') problems.push(`${path}.path: required`);
  else localDescendingPath(file.path, `${path}.path`, problems, true);
  const refs = ['fieldRef', 'resourceFieldRef'].filter((k) => file[k] !== undefined);
  if (refs.length !== 1) problems.push(`${path}: set exactly one of fieldRef or resourceFieldRef`);
  if (isObj(file.fieldRef)) fieldRef(file.fieldRef, VOLUME_FIELD_PATHS, `${path}.fieldRef`, problems);
  if (isObj(file.resourceFieldRef)) resourceFieldRef(file.resourceFieldRef, true, `${path}.resourceFieldRef`, problems);
  fileMode(file.mode, `${path}.mode`, problems);
  if (file.user !== undefined) problems.push(`${path}.user: ${gated(GATED.volumeUser)}`);
}

// validateProjectedVolumeSource, validateProjectionSources, SetDefaults_ServiceAccountTokenProjection
function checkProjected(projected: Obj, path: string, problems: Problems): void {
  fileModes(projected, path, problems);
  const paths = new Set<string>();
  const claim = (p: unknown, at: string) => {
    if (typeof p !== 'string' || p === '') return;
    if (paths.has(p)) problems.push(`${at}: "${p}" is also written by another source of this volume`);
    paths.add(p);
  };
  for (const [i, source] of objects(projected.sources).entries()) {
    const at = `${path}.sources[${i}]`;
    const kinds = Object.keys(source);
    if (kinds.length !== 1) problems.push(`${at}: set exactly one of secret, configMap, downwardAPI, serviceAccountToken`);
    for (const kind of ['secret', 'configMap'] as const) {
      const s = source[kind];
      if (!isObj(s)) continue;
      if (typeof s.name !== 'string' || s.name === '') problems.push(`${at}.${kind}.name: required`);
      const items = objects(s.items);
      keyToPaths(items, `${at}.${kind}.items`, problems);
      for (const [j, item] of items.entries()) claim(item.path, `${at}.${kind}.items[${j}].path`);
    }
    if (isObj(source.downwardAPI)) {
      for (const [j, file] of objects(source.downwardAPI.items).entries()) {
        downwardFile(file, `${at}.downwardAPI.items[${j}]`, problems);
        claim(file.path, `${at}.downwardAPI.items[${j}].path`);
      }
    }
    if (isObj(source.serviceAccountToken)) {
      const token = source.serviceAccountToken;
      const seconds = token.expirationSeconds;
      if (typeof seconds === 'number' && (seconds < 600 || seconds > 2 ** 32)) problems.push(`${at}.serviceAccountToken.expirationSeconds: ${seconds} must be from 600 (10 minutes) to 2^32`);
      if (typeof token.path !== 'string' || token.path === '') problems.push(`${at}.serviceAccountToken.path: required`);
      else localDescendingPath(token.path, `${at}.serviceAccountToken.path`, problems, true);
      if (token.user !== undefined) problems.push(`${at}.serviceAccountToken.user: ${gated(GATED.volumeUser)}`);
    }
    for (const kind of ['clusterTrustBundle', 'podCertificate']) {
      if (source[kind] !== undefined) problems.push(`${at}.${kind}: not supported in a template; use secret, configMap, downwardAPI or serviceAccountToken`);
    }
  }
}

/** IsQualifiedName: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
function isQualifiedName(value: string): boolean {
  const parts = value.split('/');
  if (parts.length > 2) return false;
  const name = parts.at(-1) ?? '';
  if (parts.length === 2 && (parts[0] === '' || !isDns1123Subdomain(parts[0] as string))) return false;
  return name.length > 0 && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

/** IsConfigMapKey */
function isConfigKey(key: string): boolean {
  return key.length <= 253 && /^[-._a-zA-Z0-9]+$/.test(key) && key !== '.' && key !== '..' && !key.startsWith('..');
}

function oneOf(object: Obj, field: string, allowed: string[], path: string, problems: Problems, emptyAllowed = false): void {
  const value = object[field];
  if (value === undefined) return;
  if (value === '' && !emptyAllowed) {
    problems.push(`${path}.${field}: empty; the API server fills in a default: omit it, or one of ${allowed.join(', ')}`);
  } else if (typeof value !== 'string' || !allowed.includes(value)) {
    problems.push(`${path}.${field}: ${describe(value)} is not supported; one of ${allowed.filter((a) => a !== '').join(', ')}${suggestion(value, allowed)}`);
  }
}

function suggestion(value: unknown, allowed: string[]): string {
  if (typeof value !== 'string') return '';
  const match = allowed.find((a) => a !== '' && a.toLowerCase() === value.toLowerCase());
  return match ? ` (did you mean "${match}"?)` : '';
}

function gated(feature: string): string {
  return `behind the feature gate ${feature} in Kubernetes 1.37; with the gate off the API server drops the field silently, so a template may not set it`;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objects(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter(isObj) : [];
}

// The real API server as the oracle of the template validator (functions/core/template/validate.ts).
// fast-check generates templates (mostly plausible, some with misspelled fields, wrong types and
// out-of-range values); each is merged into a small app pod as the injector would (template init
// containers first, the sidecar with a release image) and created with dryRun=All in a namespace
// that enforces Pod Security `restricted` when the template complies, else `baseline`.
//
// Property: the validator accepts => the API server accepts, and the pod it returns holds every
// field of the template as readPodFragment normalizes it (storedForm: without the zero values of
// non-pointer omitempty fields, x-go-omitempty in the generated schema) with the same value
// (quantities by amount): nothing dropped, rounded or changed. Strict, no "empty counts as
// absent": a zero value the API server drops but the normalized template keeps would make the
// injector patch every pod again on every review, and fails here. The other way round too: each
// field the normalization left out must be absent from the stored pod (the template is sent as
// written; for a non-pointer field, absent and zero are the same Go value), so a pointer field
// stripped by mistake (allowPrivilegeEscalation: false kept by the API server) fails as well. A
// left-out field the API server fills by defaulting (requests: {} next to limits becomes the
// limits) is not a difference: absent from the template, extra in the pod, still contained.
// Counted, not asserted: how often the validator's refusals coincide with the API server's.
//
// The request is raw JSON (the typed client would drop unknown fields and coerce types before
// sending) with fieldValidation=Strict, so the API server also reports the unknown fields it
// would otherwise drop silently.
import { request } from 'node:https';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameQuantity } from '../../functions/core/quantity.ts';
import { storedForm } from '../../functions/core/template/read.ts';
import { podFragmentProblems } from '../../functions/core/template/validate.ts';
import { requireParts, startCluster, stopAll, type Cluster } from './harness/index.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'openssl']);

const SIDECAR = 'my-sidecar';
const SIDECAR_IMAGE = 'registry.example/sidecar:1.0';
const SEED = 20260524;
const RUNS = Number(process.env.TEMPLATE_ORACLE_RUNS ?? 500);

type Obj = { [key: string]: unknown };

// ---------- generators ----------

/** Mostly `good` values, sometimes a `bad` one: most templates should be usable, some not. */
function pick<T>(good: T[], bad: T[]): fc.Arbitrary<T> {
  return bad.length === 0 ? fc.constantFrom(...good) : fc.oneof({ weight: 100, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
}

const CPU: [string[], string[]] = [['0', '1m', '10m', '50m', '100m', '0.1', '0.25', '1', '2', '1.5', '1500m', '1e3', '2k'], ['0.0005', '1.5m', '100u', '-1']];
const MEMORY: [string[], string[]] = [['0', '1', '1k', '32Mi', '64Mi', '1Gi', '1.5Gi', '1G', '1e6', '512Ki'], ['100m', '0.5', '1.5', '-64Mi', '1e-3']];
const quantity = ([good, bad]: [string[], string[]]) => fc.oneof({ weight: 8, arbitrary: pick<unknown>(good, bad) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0.5, 1, 2, 0.001, 0.0001) });

const restrictedSecurity: Obj = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };

const securityContext = fc.oneof(
  { weight: 4, arbitrary: fc.constant(restrictedSecurity) },
  {
    weight: 3,
    arbitrary: fc.record({
      allowPrivilegeEscalation: fc.boolean(),
      runAsNonRoot: fc.boolean(),
      runAsUser: pick<unknown>([1000, 65534, 0], [-1, '1000']),
      readOnlyRootFilesystem: fc.boolean(),
      capabilities: fc.record({ drop: fc.constant(['ALL']), add: fc.constantFrom(['NET_BIND_SERVICE'], ['CHOWN']) }, { requiredKeys: ['drop'] }),
      seccompProfile: pick<unknown>([{ type: 'RuntimeDefault' }, { type: 'Localhost', localhostProfile: 'profiles/a.json' }], [{ type: 'Localhost' }, { type: 'runtimeDefault' }]),
    }, { requiredKeys: [] }),
  },
);

const envVar = fc.oneof(
  fc.record({ name: pick(['LOG_LEVEL', 'A_B', 'my.var', 'x-y'], ['A=B', '']), value: pick<unknown>(['info', '', '3'], [3]) }, { requiredKeys: ['name'] }),
  fc.record({
    name: fc.constantFrom('POD_NAME', 'NODE', 'CPU_LIMIT', 'TOKEN'),
    valueFrom: fc.oneof(
      fc.record({ fieldRef: fc.record({ fieldPath: pick(['metadata.name', 'spec.nodeName', "metadata.labels['app']"], ['spec.hostname']), apiVersion: fc.constant('v1') }, { requiredKeys: ['fieldPath'] }) }),
      fc.record({ resourceFieldRef: fc.record({ resource: pick(['limits.cpu'], ['limits.gpu']), divisor: pick(['1m', '1'], ['1Mi', '1000m']) }, { requiredKeys: ['resource'] }) }),
      fc.record({ configMapKeyRef: fc.record({ name: pick(['conf'], ['Conf']), key: pick(['level'], ['a/b']), optional: fc.boolean() }, { requiredKeys: ['name', 'key'] }) }),
      fc.record({ secretKeyRef: fc.record({ name: fc.constant('creds'), key: fc.constant('token') }) }),
    ),
  }),
);

const handler = (kinds: string[]) => fc.oneof({ weight: 30, arbitrary: fc.oneof(
  ...kinds.map((kind) => {
    switch (kind) {
      case 'exec': return fc.constant<Obj>({ exec: { command: ['true'] } });
      case 'httpGet': return fc.record({ httpGet: fc.record({ path: pick(['/healthz'], ['']), port: pick<unknown>([8080, 'http'], ['Http', 0]), scheme: pick(['HTTP', 'HTTPS'], ['http']) }, { requiredKeys: ['port'] }) });
      case 'tcpSocket': return fc.record({ tcpSocket: fc.record({ port: pick<unknown>([8080, 'http'], [70000]) }) });
      case 'grpc': return fc.record({ grpc: fc.record({ port: pick([9000], [0]) }) });
      default: return fc.record({ sleep: fc.record({ seconds: pick([0, 5], [60]) }) });
    }
  }),
) }, { weight: 1, arbitrary: fc.constant<Obj>({ exec: { command: ['true'] }, tcpSocket: { port: 8080 } }) });

const probe = fc.tuple(handler(['exec', 'httpGet', 'tcpSocket', 'grpc']), fc.record({
  periodSeconds: pick([5, 10], [0]),
  successThreshold: pick([1], [2]),
  failureThreshold: fc.constantFrom(1, 3),
  timeoutSeconds: pick([1, 2], [-1]),
  initialDelaySeconds: fc.constantFrom(0, 5),
}, { requiredKeys: [] })).map(([h, rest]) => ({ ...h, ...rest }));

function container(name: fc.Arbitrary<string>, volumeNames: string[], isSidecar: boolean): fc.Arbitrary<Obj> {
  return fc.record({
    name,
    image: isSidecar ? fc.constant(undefined) : pick<unknown>(['registry.example/helper:2'], ['', ' spaced ']),
    args: pick<unknown>([['--verbose'], []], ['--verbose']),
    command: fc.constantFrom<unknown>(['/bin/agent'], []),
    stdin: fc.boolean(),
    env: fc.array(envVar, { maxLength: 3 }),
    ports: fc.array(fc.record({
      name: pick(['http', 'metrics', 'grpc'], ['Metrics', 'a-very-long-port-name']),
      containerPort: pick<unknown>([8080, 9090], [0, 70000, '8080']),
      protocol: pick(['TCP', 'UDP'], ['tcp', '']),
      hostPort: fc.constant(0),
    }, { requiredKeys: ['containerPort'] }), { maxLength: 2 }),
    resources: fc.tuple(
      fc.record({ cpu: quantity(CPU), memory: quantity(MEMORY) }, { requiredKeys: [] }),
      fc.record({ cpu: quantity(CPU), memory: quantity(MEMORY) }, { requiredKeys: [] }),
      fc.constantFrom('requests', 'limits', 'equal', 'equal', 'equal', 'independent'),
    ).map(([a, b, how]) => (how === 'requests' ? { requests: a } : how === 'limits' ? { limits: a } : how === 'equal' ? { requests: a, limits: { ...a } } : { requests: a, limits: b })),
    securityContext,
    readinessProbe: probe,
    livenessProbe: probe,
    lifecycle: fc.record({ preStop: handler(['exec', 'sleep']) }),
    volumeMounts: volumeNames.length === 0
      ? fc.constantFrom<unknown>([], [], [], [{ name: 'from-the-pod', mountPath: '/data' }])
      : fc.uniqueArray(fc.record({
        name: pick(volumeNames, ['from-the-pod']),
        mountPath: fc.constantFrom('/data', '/etc/conf', '/tmp'),
        readOnly: fc.boolean(),
      }), { maxLength: 2, selector: (m) => m.mountPath }),
    imagePullPolicy: pick(['IfNotPresent', 'Always'], ['always']),
    workingDir: fc.constant('/work'),
  }, { requiredKeys: isSidecar ? ['name'] : ['name', 'image'] }).map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)));
}

const volume = fc.oneof(
  fc.record({ name: fc.constant('data'), emptyDir: fc.record({ sizeLimit: quantity(MEMORY), medium: fc.constantFrom('', 'Memory') }, { requiredKeys: [] }) }),
  fc.record({ name: fc.constant('conf'), configMap: fc.record({ name: fc.constant('conf'), items: fc.constantFrom<unknown[]>([{ key: 'a', path: 'a.yaml' }], []), defaultMode: pick([0o644], [0o1777]) }, { requiredKeys: ['name'] }) }),
  fc.record({ name: fc.constant('creds'), secret: fc.record({ secretName: pick(['creds'], ['']), optional: fc.boolean() }, { requiredKeys: ['secretName'] }) }),
  fc.record({ name: fc.constant('bundle'), projected: fc.record({ sources: fc.constantFrom<unknown[]>(
    [{ configMap: { name: 'conf' } }, { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }],
    [{ secret: { name: 'a', items: [{ key: 'k', path: 'p' }] } }, { configMap: { name: 'b', items: [{ key: 'k', path: 'p' }] } }],
  ) }) }),
  fc.record({ name: fc.constant('info'), downwardAPI: fc.record({ items: pick<unknown[]>([[{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }], [{ path: 'cpu', resourceFieldRef: { resource: 'limits.cpu', containerName: 'my-sidecar' } }], [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }]], [[{ path: 'cpu', resourceFieldRef: { resource: 'limits.cpu' } }]]) }) }),
);

/** Misspellings and wrong types the operator might write, applied to a generated template. */
const mutation = fc.constantFrom<(t: Obj) => void>(
  (t) => { sidecarOf(t).imagePullPolcy = 'Always'; },
  (t) => { (sidecarOf(t).securityContext as Obj | undefined ?? (sidecarOf(t).securityContext = {}) as Obj).runAsNonroot = true; },
  (t) => { sidecarOf(t).securityContext = { runAsUser: '1000' }; },
  (t) => { sidecarOf(t).Env = [{ name: 'A', value: 'b' }]; },
  (t) => { t.volume = []; },
  (t) => { sidecarOf(t).resources = { requests: { cpu: '2' }, limits: { cpu: '1' } }; },
  (t) => { sidecarOf(t).image = 'registry.example/other:1'; },
  (t) => { sidecarOf(t).tty = 'true'; },
  (t) => { sidecarOf(t).env = [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]; },
);

function sidecarOf(template: Obj): Obj {
  return (template.containers as Obj[]).find((c) => c.name === SIDECAR) as Obj;
}

const template: fc.Arbitrary<Obj> = fc.uniqueArray(volume, { maxLength: 3, selector: (v) => v.name }).chain((volumes) => {
  const names = volumes.map((v) => v.name as string);
  return fc.record({
    volumes: fc.constant(volumes),
    sidecar: container(fc.constant(SIDECAR), names, true),
    helpers: fc.array(container(pick(['helper', 'log-agent'], ['Helper']), names, false), { maxLength: 1 }),
    inits: fc.uniqueArray(fc.tuple(container(pick(['setup', 'prepare'], ['helper']), names, false), pick<unknown>([undefined, 'Always'], ['OnFailure'])), { maxLength: 2, selector: ([c]) => c.name }),
    mutate: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: mutation }),
    pullSecrets: fc.boolean(),
  });
}).map(({ volumes, sidecar, helpers, inits, mutate, pullSecrets }) => {
  const t: Obj = { containers: [sidecar, ...helpers] };
  if (inits.length > 0) {
    t.initContainers = inits.map(([c, restartPolicy]) => {
      // A plain init container with probes or lifecycle is refused; keep that case rare.
      const init: Obj = restartPolicy === undefined ? { ...c, livenessProbe: undefined, readinessProbe: undefined, lifecycle: undefined } : { ...c, restartPolicy };
      return Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined));
    });
  }
  if (volumes.length > 0) t.volumes = volumes;
  if (pullSecrets) t.imagePullSecrets = [{ name: 'registry-credentials' }];
  // Generated values share constant objects: a mutation must change this template only.
  const own = structuredClone(t);
  if (mutate) mutate(own);
  return own;
});

// ---------- the merge, as the injector does it ----------

const APP: Obj = {
  name: 'app',
  image: 'registry.example/app:1',
  securityContext: structuredClone(restrictedSecurity),
};

function podWith(t: Obj, name: string): Obj {
  const containers = (t.containers as Obj[]).map((c) => (c.name === SIDECAR ? { ...c, image: SIDECAR_IMAGE } : c));
  const spec: Obj = {
    containers: [APP, ...containers],
    // The ServiceAccount plugin adds a token volume; keep the template's own volumes checkable.
    automountServiceAccountToken: false,
  };
  if (Array.isArray(t.initContainers)) spec.initContainers = t.initContainers;
  if (Array.isArray(t.volumes)) spec.volumes = t.volumes;
  if (Array.isArray(t.imagePullSecrets)) spec.imagePullSecrets = t.imagePullSecrets;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec };
}

/** Pod Security `restricted`, checked for the fields the generator produces. */
function restrictedCompliant(t: Obj): boolean {
  const all = [...((t.initContainers as Obj[] | undefined) ?? []), ...(t.containers as Obj[])];
  return all.every((c) => {
    const sc = c.securityContext as Obj | undefined;
    const caps = sc?.capabilities as Obj | undefined;
    const seccomp = (sc?.seccompProfile as Obj | undefined)?.type;
    return sc?.allowPrivilegeEscalation === false && sc.runAsNonRoot === true && sc.runAsUser !== 0 &&
      Array.isArray(caps?.drop) && caps.drop.includes('ALL') &&
      (caps.add === undefined || (Array.isArray(caps.add) && caps.add.every((a) => a === 'NET_BIND_SERVICE'))) &&
      (seccomp === 'RuntimeDefault' || seccomp === 'Localhost');
  });
}

// ---------- read-back comparison ----------

interface Comparison { differences: string[]; leftOut: string[]; defaulted: string[] }

const QUANTITY_PATH = /(\.resources\.(requests|limits)\.[^.]+|\.sizeLimit|\.divisor)$/;

/**
 * `sent` as written in the template, `normalized` the same value after storedForm, `stored` what
 * the API server returned. Every normalized field must be stored with the same value; no field
 * the normalization left out may be stored as sent (absent, or replaced by a default: counted).
 */
function compare(sent: unknown, normalized: unknown, stored: unknown, path: string, out: Comparison): void {
  const differ = (what: string) => out.differences.push(`${path}: ${what}`);
  if (QUANTITY_PATH.test(path)) {
    if (!sameQuantity(normalized, stored)) differ(`sent ${JSON.stringify(normalized)}, stored ${JSON.stringify(stored)}`);
    return;
  }
  if (Array.isArray(sent)) {
    if (!Array.isArray(normalized) || normalized.length !== sent.length) {
      differ(`the normalization changed a list: ${JSON.stringify(sent)} -> ${JSON.stringify(normalized)}`);
      return;
    }
    if (!Array.isArray(stored) || stored.length < sent.length) {
      differ(`sent ${JSON.stringify(normalized)}, stored ${JSON.stringify(stored)}`);
      return;
    }
    sent.forEach((item, i) => compare(item, normalized[i], stored[i], `${path}[${i}]`, out));
    return;
  }
  if (typeof sent === 'object' && sent !== null) {
    if (typeof normalized !== 'object' || normalized === null || Array.isArray(normalized)) {
      differ(`the normalization changed an object: ${JSON.stringify(sent)} -> ${JSON.stringify(normalized)}`);
      return;
    }
    if (typeof stored !== 'object' || stored === null) {
      differ(`sent an object, stored ${JSON.stringify(stored)}`);
      return;
    }
    for (const [key, value] of Object.entries(sent)) {
      const there = (stored as Obj)[key];
      if (!Object.hasOwn(normalized, key)) {
        out.leftOut.push(`${path}.${key}`);
        // Kept as sent: the API server stores this zero value, the normalization must not drop it.
        if (there !== undefined && JSON.stringify(there) === JSON.stringify(value)) out.differences.push(`${path}.${key}: sent ${JSON.stringify(value)}, left out by the normalization, but stored as sent`);
        // Dropped, then filled by defaulting (requests: {} becomes the limits): not stored as sent either.
        else if (there !== undefined) out.defaulted.push(`${path}.${key}: ${JSON.stringify(value)} -> ${JSON.stringify(there)}`);
      } else if (there === undefined) {
        out.differences.push(`${path}.${key}: sent ${JSON.stringify(value)}, kept by the normalization, not stored`);
      } else {
        compare(value, (normalized as Obj)[key], there, `${path}.${key}`, out);
      }
    }
    return;
  }
  if (normalized !== stored) differ(`sent ${JSON.stringify(sent)}, normalized to ${JSON.stringify(normalized)}, stored ${JSON.stringify(stored)}`);
}

function compareTemplate(t: Obj, pod: Obj): Comparison {
  const out: Comparison = { differences: [], leftOut: [], defaulted: [] };
  const normalized = storedForm(t) as Obj;
  const spec = pod.spec as Obj;
  for (const list of ['containers', 'initContainers'] as const) {
    ((t[list] as Obj[] | undefined) ?? []).forEach((c, i) => {
      const storedC = ((spec[list] as Obj[] | undefined) ?? []).find((s) => s.name === c.name);
      // The sidecar goes with the release's image, as in podWith.
      const sent = c.name === SIDECAR ? { ...c, image: SIDECAR_IMAGE } : c;
      const norm = (normalized[list] as Obj[])[i] as Obj;
      compare(sent, c.name === SIDECAR ? { ...norm, image: SIDECAR_IMAGE } : norm, storedC, `${list}(${String(c.name)})`, out);
    });
  }
  ((t.volumes as Obj[] | undefined) ?? []).forEach((v, i) => {
    compare(v, (normalized.volumes as Obj[])[i], ((spec.volumes as Obj[] | undefined) ?? []).find((s) => s.name === v.name), `volumes(${String(v.name)})`, out);
  });
  if (t.imagePullSecrets) compare(t.imagePullSecrets, normalized.imagePullSecrets, spec.imagePullSecrets, 'imagePullSecrets', out);
  return out;
}

// ---------- raw dry-run ----------

interface DryRun { status: number; body: Obj }

function dryRunCreate(cluster: Cluster, namespace: string, pod: Obj): Promise<DryRun> {
  const url = new URL(`${cluster.server}/api/v1/namespaces/${namespace}/pods?dryRun=All&fieldValidation=Strict`);
  const payload = JSON.stringify(pod);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      ca: cluster.certs.ca.certPem,
      headers: { Authorization: `Bearer ${cluster.token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      timeout: 30_000,
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('dry-run create timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

// ---------- the test ----------

describe.skipIf(gate.skip)(`template validator vs the real API server${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  let restrictedNs: string;
  let baselineNs: string;

  beforeAll(async () => {
    cluster = await startCluster();
    restrictedNs = await cluster.createNamespace('oracle-restricted', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    baselineNs = await cluster.createNamespace('oracle-baseline', { 'pod-security.kubernetes.io/enforce': 'baseline' });
  });
  afterAll(stopAll);

  it(`validator accepts => the API server accepts and stores every template field unchanged (${RUNS} generated templates, seed ${SEED})`, async () => {
    const counts = { runs: 0, validatorAccepts: 0, apiAccepts: 0, bothAccept: 0, bothRefuse: 0, onlyValidatorRefuses: 0, onlyApiRefuses: 0, restrictedNamespace: 0, templatesNormalized: 0, fieldsLeftOut: 0, leftOutThenDefaulted: 0 };
    const defaultedExamples = new Set<string>();
    const leftOutExamples = new Set<string>();
    const onlyValidatorRefusesExamples: string[] = [];
    const bothRefuseExamples: string[] = [];
    let serial = 0;

    await fc.assert(fc.asyncProperty(template, async (t) => {
      const problems = podFragmentProblems(t, { sidecarName: SIDECAR });
      const restricted = restrictedCompliant(t);
      const result = await dryRunCreate(cluster, restricted ? restrictedNs : baselineNs, podWith(t, `oracle-${serial++}`));
      const apiAccepts = result.status === 201 || result.status === 200;
      counts.runs++;
      if (restricted) counts.restrictedNamespace++;
      if (problems.length === 0) counts.validatorAccepts++;
      if (apiAccepts) counts.apiAccepts++;
      if (problems.length === 0 && apiAccepts) counts.bothAccept++;
      else if (problems.length > 0 && !apiAccepts) {
        counts.bothRefuse++;
        if (bothRefuseExamples.length < 5) bothRefuseExamples.push(`validator: ${problems[0]} | API server: ${String(result.body.message).slice(0, 300)}`);
      }
      else if (problems.length > 0) {
        counts.onlyValidatorRefuses++;
        if (onlyValidatorRefusesExamples.length < 12) onlyValidatorRefusesExamples.push(problems.join(' / '));
      } else counts.onlyApiRefuses++;

      if (problems.length > 0) return;
      expect(apiAccepts, `the validator accepted, the API server refused: ${String(result.body.message)}\n${JSON.stringify(t)}`).toBe(true);
      const comparison = compareTemplate(t, result.body);
      if (comparison.leftOut.length > 0) counts.templatesNormalized++;
      counts.fieldsLeftOut += comparison.leftOut.length;
      counts.leftOutThenDefaulted += comparison.defaulted.length;
      for (const example of comparison.defaulted) if (defaultedExamples.size < 5) defaultedExamples.add(example);
      for (const path of comparison.leftOut) leftOutExamples.add(path.replace(/^[a-zA-Z]+\([^)]*\)/, '').replace(/\[\d+\]/g, '[]'));
      expect(comparison.differences, `the stored pod differs from the normalized template:\n${JSON.stringify(t)}`).toEqual([]);
    }), { seed: SEED, numRuns: RUNS, endOnFailure: true });

    // Figures for the README (not assertions beyond the property above).
    console.log(`template oracle: ${JSON.stringify(counts)}`);
    console.log(`template oracle: validator refused, API server accepted (examples): ${JSON.stringify(onlyValidatorRefusesExamples, null, 2)}`);
    console.log(`template oracle: both refused (examples): ${JSON.stringify(bothRefuseExamples, null, 2)}`);
    console.log(`template oracle: fields the normalization left out (and the API server did not store as sent): ${JSON.stringify([...leftOutExamples].sort())}`);
    console.log(`template oracle: left out, then filled by defaulting (examples): ${JSON.stringify([...defaultedExamples], null, 2)}`);
    expect(counts.validatorAccepts, 'the generator must produce templates the validator accepts').toBeGreaterThan(RUNS / 10);
    expect(counts.bothRefuse, 'the generator must produce templates both refuse').toBeGreaterThan(RUNS / 10);
    expect(counts.templatesNormalized, 'the generator must produce accepted templates with zero values the API server drops').toBeGreaterThan(RUNS / 20);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../functions/core/decide.ts';
import type { InjectorConfig } from '../../functions/core/injector-config.ts';
import type { PodFragment } from '../../functions/core/template/pod-fragment.ts';
import { readPodFragment, storedForm } from '../../functions/core/template/read.ts';
import { podFragmentJsonSchema } from '../../functions/core/template/schema/pod-fragment.validator.gen.ts';
import { podArbitrary } from '../support/arbitraries.ts';
import { applyPatch, podRequest, testConfig } from '../support/injector.ts';

// readPodFragment gives the template in the form the API server stores it: Go's encoding/json
// leaves out a non-pointer `omitempty` field holding its zero value, so a template that kept
// `readOnly: false` would never be found in the stored pod, and the injector would patch it again
// on every review. Which fields: x-go-omitempty in the generated schema (from the Go types; the
// end-to-end oracle checks it against a real API server).

const SIDECAR = 'my-sidecar';

function fragmentOf(doc: unknown): PodFragment {
  const read = readPodFragment(doc, SIDECAR);
  if ('problems' in read) throw new Error(`refused: ${read.problems.join(' / ')}`);
  return read.fragment;
}

/** The pod as the API server hands it back (storage, or the next admission review): template-shaped lists in stored form. */
function asStored(pod: any): any {
  const spec = { ...pod.spec };
  const lists = storedForm(Object.fromEntries(['initContainers', 'containers', 'volumes', 'imagePullSecrets'].filter((k) => k in spec).map((k) => [k, spec[k]]))) as Record<string, unknown>;
  return { ...pod, spec: { ...spec, ...lists } };
}

const mountedVolume = { name: 'data', emptyDir: {} };

describe('readPodFragment: zero values the API server does not store are left out', () => {
  it('readOnly: false on a volume mount', () => {
    const fragment = fragmentOf({ containers: [{ name: SIDECAR, volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: false }] }], volumes: [mountedVolume] });
    expect(fragment.containers[0]?.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
  });

  it('args: [], command: [], stdin: false, tty: false, workingDir: "" on a container', () => {
    const fragment = fragmentOf({ containers: [{ name: SIDECAR, args: [], command: [], stdin: false, stdinOnce: false, tty: false, workingDir: '' }] });
    expect(fragment.containers[0]).toEqual({ name: SIDECAR });
  });

  it('deep in the structure: env value "", hostPort 0, a probe\'s initialDelaySeconds 0 and host "", capabilities.drop [], limits {}, an init container\'s mount', () => {
    const fragment = fragmentOf({
      initContainers: [{ name: 'setup', image: 'registry.example/busybox:1', volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: false, subPath: '' }] }],
      containers: [{
        name: SIDECAR,
        env: [{ name: 'EMPTY', value: '' }, { name: 'SET', value: 'x' }],
        ports: [{ name: 'http', containerPort: 8080, hostPort: 0, hostIP: '' }],
        readinessProbe: { initialDelaySeconds: 0, httpGet: { port: 8080, host: '', httpHeaders: [] } },
        securityContext: { capabilities: { drop: [], add: ['NET_BIND_SERVICE'] } },
        resources: { limits: {}, requests: { cpu: '10m' } },
      }],
      volumes: [mountedVolume],
    });
    expect(fragment.initContainers[0]?.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(fragment.containers[0]).toEqual({
      name: SIDECAR,
      env: [{ name: 'EMPTY' }, { name: 'SET', value: 'x' }],
      ports: [{ name: 'http', containerPort: 8080 }],
      readinessProbe: { httpGet: { port: 8080 } },
      securityContext: { capabilities: { add: ['NET_BIND_SERVICE'] } },
      resources: { requests: { cpu: '10m' } },
    });
  });

  it('in volumes: emptyDir.medium "", a configMap\'s and a secret\'s items [], a projected source\'s items []', () => {
    const fragment = fragmentOf({
      containers: [{ name: SIDECAR }],
      volumes: [
        { name: 'data', emptyDir: { medium: '' } },
        { name: 'conf', configMap: { name: 'conf', items: [] } },
        { name: 'creds', secret: { secretName: 'creds', items: [] } },
        { name: 'bundle', projected: { sources: [{ configMap: { name: 'conf', items: [] } }] } },
      ],
    });
    expect(fragment.volumes).toEqual([
      { name: 'data', emptyDir: {} },
      { name: 'conf', configMap: { name: 'conf' } },
      { name: 'creds', secret: { secretName: 'creds' } },
      { name: 'bundle', projected: { sources: [{ configMap: { name: 'conf' } }] } },
    ]);
  });

  it('the same fields keep a value that is not zero', () => {
    const container = { name: SIDECAR, args: ['--v'], stdin: true, workingDir: '/work', volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }], readinessProbe: { initialDelaySeconds: 5, tcpSocket: { port: 8080 } } };
    expect(fragmentOf({ containers: [container], volumes: [mountedVolume] }).containers[0]).toEqual(container);
  });
});

describe('readPodFragment: zero values the API server stores are kept', () => {
  it('pointer fields: allowPrivilegeEscalation false, runAsUser 0, runAsNonRoot false, privileged false, optional false, defaultMode 0', () => {
    const securityContext = { allowPrivilegeEscalation: false, runAsUser: 0, runAsGroup: 0, runAsNonRoot: false, privileged: false, readOnlyRootFilesystem: false };
    const env = [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'conf', key: 'level', optional: false } } }];
    const volumes = [
      { name: 'creds', secret: { secretName: 'creds', optional: false, defaultMode: 0 } },
      { name: 'conf', configMap: { name: 'conf', optional: false } },
    ];
    const fragment = fragmentOf({ containers: [{ name: SIDECAR, securityContext, env }], volumes });
    expect(fragment.containers[0]).toEqual({ name: SIDECAR, securityContext, env });
    expect(fragment.volumes).toEqual(volumes);
  });

  it('empty objects of pointer and struct fields: emptyDir {}, securityContext {}, capabilities {}, resources {}', () => {
    const container = { name: SIDECAR, securityContext: { capabilities: {} }, resources: {} };
    const fragment = fragmentOf({ containers: [container], volumes: [{ name: 'data', emptyDir: {} }] });
    expect(fragment.containers[0]).toEqual(container);
    expect(fragment.volumes).toEqual([{ name: 'data', emptyDir: {} }]);
  });

  it('the generated data names the non-pointer fields and none of the pointer ones', () => {
    const omitEmpty = podFragmentJsonSchema['x-go-omitempty'] as Record<string, string[]>;
    const core = (name: string) => omitEmpty[`io.k8s.api.core.v1.${name}`] ?? [];
    expect(core('VolumeMount')).toContain('readOnly');
    expect(core('Container')).toEqual(expect.arrayContaining(['args', 'command', 'stdin', 'tty', 'workingDir', 'volumeMounts']));
    expect(core('Container')).not.toContain('securityContext');
    expect(core('Container')).not.toContain('resources');
    expect(core('SecurityContext')).toEqual([]);
    expect(core('SecretVolumeSource')).not.toContain('optional');
    expect(core('SecretVolumeSource')).not.toContain('defaultMode');
    expect(core('Volume')).toEqual([]);
    // Every listed field is a field of its definition.
    const definitions = podFragmentJsonSchema.definitions as Record<string, { properties?: Record<string, unknown> }>;
    for (const [name, fields] of Object.entries(omitEmpty)) {
      for (const field of fields) expect(definitions[name]?.properties, `${name}.${field}`).toHaveProperty([field]);
    }
  });
});

describe('readPodFragment: the validator\'s refusals stay', () => {
  it.each([
    ['imagePullPolicy: ""', { imagePullPolicy: '' }, /imagePullPolicy: empty/],
    ['terminationMessagePath: ""', { terminationMessagePath: '' }, /terminationMessagePath: empty/],
    ['a probe\'s periodSeconds: 0', { readinessProbe: { periodSeconds: 0, tcpSocket: { port: 8080 } } }, /periodSeconds: 0 is replaced by the default 10/],
    ['a port\'s protocol: ""', { ports: [{ containerPort: 8080, protocol: '' }] }, /protocol: empty/],
  ])('%s, which the API server replaces by a default, is refused, not dropped', (_label, fields, problem) => {
    const read = readPodFragment({ containers: [{ name: SIDECAR, ...fields }] }, SIDECAR);
    expect('problems' in read && read.problems.join('\n')).toMatch(problem);
  });
});

describe('storedForm', () => {
  it('does not change the document it is given, and is its own fixed point', () => {
    const doc = { containers: [{ name: SIDECAR, args: [], volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: false }] }], volumes: [mountedVolume] };
    const before = structuredClone(doc);
    const once = storedForm(doc);
    expect(doc).toEqual(before);
    expect(once).not.toEqual(doc);
    expect(storedForm(once)).toEqual(once);
  });
});

// ---------- convergence: a template with zero values, through the API server ----------

const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const defined = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));

const mount = fc.record({
  name: fc.constantFrom('data', 'conf'),
  mountPath: fc.constantFrom('/data', '/etc/conf'),
  readOnly: maybe(fc.boolean()),
  subPath: maybe(fc.constantFrom('', 'sub')),
}).map(defined);

function containerArbitrary(name: string, isSidecar: boolean, isInit: boolean): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({
    name: fc.constant(name),
    image: isSidecar ? fc.constant(undefined) : fc.constant('registry.example/helper:2'),
    args: maybe(fc.constantFrom([], ['--v'])),
    command: maybe(fc.constantFrom([], ['run'])),
    stdin: maybe(fc.boolean()),
    tty: maybe(fc.constant(false)),
    workingDir: maybe(fc.constantFrom('', '/work')),
    env: maybe(fc.constantFrom([], [{ name: 'A', value: '' }], [{ name: 'A', value: 'x' }], [{ name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: false } } }])),
    ports: maybe(fc.constantFrom([], [{ name: 'http', containerPort: 8080, hostPort: 0 }], [{ containerPort: 9090, hostIP: '' }])),
    volumeMounts: maybe(fc.uniqueArray(mount, { maxLength: 2, selector: (m) => m.mountPath })),
    readinessProbe: isInit ? fc.constant(undefined) : maybe(fc.record({ tcpSocket: fc.constant({ port: 8080 }), initialDelaySeconds: fc.constantFrom(0, 3) })),
    securityContext: maybe(fc.record({
      allowPrivilegeEscalation: maybe(fc.boolean()),
      runAsUser: maybe(fc.constantFrom(0, 1000)),
      runAsNonRoot: maybe(fc.boolean()),
      capabilities: maybe(fc.constantFrom({}, { drop: [] }, { drop: ['ALL'] })),
    }).map(defined)),
    resources: maybe(fc.constantFrom({}, { limits: {} }, { requests: { cpu: '10m' }, limits: {} }, { limits: { cpu: '100m', memory: '64Mi' } })),
  }).map(defined);
}

const volumesArbitrary = fc.tuple(
  fc.constantFrom({ emptyDir: {} }, { emptyDir: { medium: '' } }, { emptyDir: { medium: 'Memory' } }),
  fc.constantFrom({ configMap: { name: 'conf' } }, { configMap: { name: 'conf', items: [], optional: false } }, { configMap: { name: 'conf', items: [{ key: 'a', path: 'a' }], defaultMode: 0 } }),
).map(([data, conf]) => [{ name: 'data', ...data }, { name: 'conf', ...conf }]);

const templateArbitrary = fc.record({
  sidecar: containerArbitrary(SIDECAR, true, false),
  inits: fc.array(containerArbitrary('setup', false, true), { maxLength: 1 }),
  volumes: volumesArbitrary,
  pullSecrets: fc.boolean(),
}).map(({ sidecar, inits, volumes, pullSecrets }) => defined({
  containers: [sidecar],
  initContainers: inits.length > 0 ? inits : undefined,
  volumes,
  imagePullSecrets: pullSecrets ? [{ name: 'registry-credentials' }] : undefined,
}));

function configFor(fragment: PodFragment, nativeSidecar: InjectorConfig['nativeSidecar']): InjectorConfig {
  return testConfig({ template: { sidecarName: SIDECAR, fragment }, nativeSidecar });
}

/** The template as read before this fix: validated, not normalized. */
function rawFragment(doc: Record<string, unknown>): PodFragment {
  fragmentOf(doc);
  const list = (key: string) => structuredClone((doc[key] as any[] | undefined) ?? []);
  return { initContainers: list('initContainers'), containers: list('containers'), volumes: list('volumes'), imagePullSecrets: list('imagePullSecrets') };
}

describe('convergence with the API server dropping zero values (property)', () => {
  it('inject, store, review again: no patch; the same template not normalized would patch again', () => {
    let withZeroValues = 0;
    let rawLoops = 0;
    fc.assert(
      fc.property(podArbitrary, templateArbitrary, fc.constantFrom<InjectorConfig['nativeSidecar']>('auto', 'always', 'never'), (pod, doc, native) => {
        const config = configFor(fragmentOf(doc), native);
        const first = decide(podRequest(pod), config);
        const stored = asStored(applyPatch(pod, first.patch));
        expect(decide(podRequest(stored), config).patch).toEqual([]);
        // A pod that already carries the normalized template, stored: nothing to do either.
        expect(decide(podRequest(asStored(stored)), config).patch).toEqual([]);

        if (JSON.stringify(storedForm(doc)) === JSON.stringify(doc)) return;
        withZeroValues++;
        const raw = configFor(rawFragment(doc), native);
        const rawFirst = decide(podRequest(pod), raw);
        if (rawFirst.action !== 'skip' && decide(podRequest(asStored(applyPatch(pod, rawFirst.patch))), raw).patch.length > 0) rawLoops++;
      }),
      { numRuns: 1000, seed: 20260524 },
    );
    // The property is not vacuous: most templates carry a zero value the API server drops, and
    // without the normalization many of them loop.
    expect(withZeroValues).toBeGreaterThan(500);
    expect(rawLoops).toBeGreaterThan(100);
  });
});

import { describe, expect, it } from 'vitest';
import { decide, triage } from '../../functions/core/decide.ts';
import { applyPatch, containersNamed, decideAndApply, expectedSidecar, podRequest, testConfig, withSidecarFields } from '../support/injector.ts';

const config = testConfig();
const STATUS = 'injector.my-company.com/status';
const VERSION = 'injector.my-company.com/version';

function appPod(extra: any = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', ...(extra.metadata ?? {}) },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...(extra.spec ?? {}) },
  };
}

describe('CREATE', () => {
  it('adds the sidecar and both annotations to a pod that has neither, creating the annotations map', () => {
    const pod = appPod();
    const { decision, pod: out } = decideAndApply(pod, config);
    expect(decision.action).toBe('inject');
    expect(decision.patch).toEqual([
      { op: 'add', path: '/spec/containers/-', value: expectedSidecar(config) },
      { op: 'add', path: '/metadata/annotations', value: { [STATUS]: 'injected', [VERSION]: '1.2.1' } },
    ]);
    expect(out.spec.containers.map((c: any) => c.name)).toEqual(['app', 'my-sidecar']);
    expect(out.spec.containers[1]).toEqual({
      name: 'my-sidecar',
      image: 'my-org/my-sidecar:1.2.1',
      ports: [{ name: 'http', containerPort: 8080 }],
      resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
  });

  it('adds single annotation keys, escaped, next to existing annotations without replacing the map', () => {
    const pod = appPod({ metadata: { annotations: { 'example.com/a~b': 'keep' } } });
    const { decision, pod: out } = decideAndApply(pod, config);
    expect(decision.patch.slice(1)).toEqual([
      { op: 'add', path: '/metadata/annotations/injector.my-company.com~1status', value: 'injected' },
      { op: 'add', path: '/metadata/annotations/injector.my-company.com~1version', value: '1.2.1' },
    ]);
    expect(out.metadata.annotations).toEqual({ 'example.com/a~b': 'keep', [STATUS]: 'injected', [VERSION]: '1.2.1' });
  });

  it('escapes ~ and / in a configured prefix', () => {
    const pod = appPod({ metadata: { annotations: {} } });
    const { decision, pod: out } = decideAndApply(pod, testConfig({ annotationPrefix: 'a~b' }));
    expect(decision.patch.map((p) => p.path)).toContain('/metadata/annotations/a~0b~1status');
    expect(out.metadata.annotations['a~b/status']).toBe('injected');
  });

  it('creates metadata when the pod has none', () => {
    const pod = { spec: { containers: [{ name: 'app' }] } };
    const { pod: out } = decideAndApply(pod, config);
    expect(out.metadata).toEqual({ annotations: { [STATUS]: 'injected', [VERSION]: '1.2.1' } });
  });

  it('never adds a second sidecar when one was added by hand, and brings it to spec in place', () => {
    const pod = appPod({
      spec: {
        containers: [
          { name: 'my-sidecar', image: 'my-org/my-sidecar:0.9.0', env: [{ name: 'KEEP', value: 'me' }] },
          { name: 'app', image: 'nginx' },
        ],
      },
    });
    const { decision, pod: out } = decideAndApply(pod, config);
    expect(decision.action).toBe('converge');
    expect(containersNamed(out, 'my-sidecar')).toHaveLength(1);
    const sidecar = out.spec.containers[0];
    expect(sidecar.image).toBe('my-org/my-sidecar:1.2.1');
    expect(sidecar.env).toEqual([{ name: 'KEEP', value: 'me' }]);
    expect(sidecar.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
    expect(decision.patch.every((op) => op.op !== 'remove')).toBe(true);
    expect(decision.patch.some((op) => op.path === '/spec/containers/0/image' && op.op === 'replace')).toBe(true);
  });

  it('injects when the status annotation says injected but the container is missing', () => {
    const pod = appPod({ metadata: { annotations: { [STATUS]: 'injected', [VERSION]: '1.2.1' } } });
    const { decision, pod: out } = decideAndApply(pod, config);
    expect(decision.action).toBe('inject');
    expect(decision.patch).toHaveLength(1);
    expect(containersNamed(out, 'my-sidecar')).toHaveLength(1);
  });

  it('returns no patch for a pod already at the configured version', () => {
    const injected = decideAndApply(appPod(), config).pod;
    const again = decide(podRequest(injected), config);
    expect(again).toMatchObject({ action: 'unchanged', patch: [] });
  });

  it('returns no patch after the API server added its defaults to the sidecar', () => {
    const injected = decideAndApply(appPod(), config).pod;
    const sidecar = injected.spec.containers[1];
    sidecar.ports[0].protocol = 'TCP';
    sidecar.imagePullPolicy = 'IfNotPresent';
    sidecar.terminationMessagePath = '/dev/termination-log';
    expect(decide(podRequest(injected), config).patch).toEqual([]);
  });

  it('compares resource quantities by amount, not by spelling', () => {
    const injected = decideAndApply(appPod(), withSidecarFields(config, { resources: { requests: { cpu: '0.05', memory: '33554432' }, limits: { cpu: '0.1', memory: '64Mi' } } })).pod;
    const canonical = injected.spec.containers[1].resources;
    canonical.requests = { cpu: '50m', memory: '32Mi' };
    canonical.limits.cpu = '100m';
    const again = decide(podRequest(injected), withSidecarFields(config, { resources: { requests: { cpu: '0.05', memory: '33554432' }, limits: { cpu: '0.1', memory: '64Mi' } } }));
    expect(again.patch).toEqual([]);
  });

  it('upgrades an older sidecar on CREATE: only the image and the version annotation change', () => {
    const old = decideAndApply(appPod(), testConfig({ release: { version: '1.0.0', image: 'my-org/my-sidecar:1.0.0' } })).pod;
    const decision = decide(podRequest(old), config);
    expect(decision.action).toBe('converge');
    expect(decision.patch).toEqual([
      { op: 'replace', path: '/spec/containers/1/image', value: 'my-org/my-sidecar:1.2.1' },
      { op: 'replace', path: '/metadata/annotations/injector.my-company.com~1version', value: '1.2.1' },
    ]);
  });

  it('removes extra copies of its own sidecar, highest index first, keeping the first', () => {
    const pod = appPod({
      spec: {
        containers: [
          { name: 'app', image: 'nginx' },
          { name: 'my-sidecar', image: 'my-org/my-sidecar:1.2.1' },
          { name: 'other', image: 'x' },
          { name: 'my-sidecar', image: 'old' },
          { name: 'my-sidecar', image: 'older' },
        ],
      },
    });
    const { decision, pod: out } = decideAndApply(pod, config);
    const removes = decision.patch.filter((op) => op.op === 'remove').map((op) => op.path);
    expect(removes).toEqual(['/spec/containers/4', '/spec/containers/3']);
    expect(out.spec.containers.map((c: any) => c.name)).toEqual(['app', 'my-sidecar', 'other']);
  });

  it('treats a sidecar among init containers as present, with restartPolicy Always', () => {
    const pod = appPod({ spec: { initContainers: [{ name: 'my-sidecar', image: 'my-org/my-sidecar:1.2.1' }] } });
    const { decision, pod: out } = decideAndApply(pod, config);
    expect(containersNamed(out, 'my-sidecar')).toHaveLength(1);
    expect(out.spec.initContainers[0].restartPolicy).toBe('Always');
    expect(decision.patch.some((op) => op.path === '/spec/initContainers/0/restartPolicy')).toBe(true);
  });

  it('removes a restartPolicy from a sidecar among regular containers (the API server refuses it there)', () => {
    const pod = appPod({ spec: { containers: [{ name: 'app' }, { name: 'my-sidecar', restartPolicy: 'Always' }] } });
    const { pod: out } = decideAndApply(pod, config);
    expect(out.spec.containers[1].restartPolicy).toBeUndefined();
  });

  it('warns when another container declares the sidecar port (they share the pod network)', () => {
    const pod = appPod({ spec: { containers: [{ name: 'app', ports: [{ name: 'web', containerPort: 8080 }] }, { name: 'db', ports: [{ containerPort: 5432 }] }] } });
    const decision = decide(podRequest(pod), config);
    expect(decision.action).toBe('inject');
    expect(decision.warnings).toHaveLength(1);
    expect(decision.warnings[0]).toMatch(/"app" also declares port 8080/);
    expect(decide(podRequest(appPod()), config).warnings).toEqual([]);
  });

  it('applies operator extra fields and leaves user-added fields alone', () => {
    const cfg = withSidecarFields(config, { args: ['--verbose'], securityContext: { runAsNonRoot: true } });
    const pod = appPod({ spec: { containers: [{ name: 'app' }, { name: 'my-sidecar', securityContext: { runAsUser: 1000 } }] } });
    const { decision, pod: out } = decideAndApply(pod, cfg);
    expect(out.spec.containers[1].securityContext).toEqual({ runAsUser: 1000, runAsNonRoot: true });
    expect(out.spec.containers[1].args).toEqual(['--verbose']);
    expect(decision.patch.some((op) => op.path === '/spec/containers/1/securityContext/runAsNonRoot' && op.op === 'add')).toBe(true);
    expect(decide(podRequest(out), cfg).patch).toEqual([]);
  });
});

describe('native sidecar mode', () => {
  const native = testConfig({ nativeSidecar: 'always' });

  it('creates initContainers with the sidecar when the pod has none', () => {
    const { decision, pod: out } = decideAndApply(appPod(), native);
    expect(decision.patch[0]).toMatchObject({ op: 'add', path: '/spec/initContainers' });
    expect(out.spec.initContainers).toEqual([expectedSidecar(native, true)]);
    expect(out.spec.initContainers[0].restartPolicy).toBe('Always');
  });

  it('puts the sidecar first among existing init containers', () => {
    const pod = appPod({ spec: { initContainers: [{ name: 'migrate', image: 'm' }] } });
    const { decision, pod: out } = decideAndApply(pod, native);
    expect(decision.patch[0]).toMatchObject({ op: 'add', path: '/spec/initContainers/0' });
    expect(out.spec.initContainers.map((c: any) => c.name)).toEqual(['my-sidecar', 'migrate']);
    expect(decide(podRequest(out), native).patch).toEqual([]);
  });

  it('detects a sidecar already among regular containers and does not add another', () => {
    const pod = appPod({ spec: { containers: [{ name: 'app' }, { name: 'my-sidecar', image: 'my-org/my-sidecar:1.2.1' }] } });
    const { pod: out } = decideAndApply(pod, native);
    expect(containersNamed(out, 'my-sidecar')).toHaveLength(1);
    expect(out.spec.initContainers).toBeUndefined();
  });

  it('keeps the copy among init containers when the name is in both lists', () => {
    const pod = appPod({
      spec: { initContainers: [{ name: 'my-sidecar', restartPolicy: 'Always' }], containers: [{ name: 'app' }, { name: 'my-sidecar' }] },
    });
    const { pod: out } = decideAndApply(pod, native);
    expect(containersNamed(out, 'my-sidecar')).toHaveLength(1);
    expect(out.spec.initContainers[0].name).toBe('my-sidecar');
    expect(out.spec.containers.map((c: any) => c.name)).toEqual(['app']);
  });

  it('never leaves a pod without regular containers when the only one is a duplicate of the sidecar', () => {
    const pod = { spec: { initContainers: [{ name: 'my-sidecar' }], containers: [{ name: 'my-sidecar' }] } };
    const { pod: out } = decideAndApply(pod, native);
    expect(out.spec.containers.map((c: any) => c.name)).toEqual(['my-sidecar']);
    expect(out.spec.initContainers).toEqual([]);
  });
});

describe('UPDATE', () => {
  const upgrading = testConfig({ upgradeOnUpdate: true });
  const oldPod = () => decideAndApply(appPod(), testConfig({ release: { version: '1.0.0', image: 'my-org/my-sidecar:1.0.0' } })).pod;

  it('with upgrade on update: changes only the sidecar image and the version annotation', () => {
    const decision = decide(podRequest(oldPod(), 'UPDATE'), upgrading);
    expect(decision.action).toBe('upgrade');
    expect(decision.patch).toEqual([
      { op: 'replace', path: '/spec/containers/1/image', value: 'my-org/my-sidecar:1.2.1' },
      { op: 'replace', path: '/metadata/annotations/injector.my-company.com~1version', value: '1.2.1' },
    ]);
  });

  it('upgrades a native sidecar image in place', () => {
    const old = decideAndApply(appPod(), testConfig({ nativeSidecar: 'always', release: { version: '1.0.0', image: 'my-org/my-sidecar:1.0.0' } })).pod;
    const decision = decide(podRequest(old, 'UPDATE'), { ...upgrading, nativeSidecar: 'always' });
    expect(decision.patch[0]).toEqual({ op: 'replace', path: '/spec/initContainers/0/image', value: 'my-org/my-sidecar:1.2.1' });
  });

  it('without upgrade on update: no patch for an older sidecar', () => {
    expect(decide(podRequest(oldPod(), 'UPDATE'), config)).toMatchObject({ action: 'unchanged', patch: [], warnings: [] });
  });

  it('never adds a container; warns instead', () => {
    const decision = decide(podRequest(appPod(), 'UPDATE'), upgrading);
    expect(decision.action).toBe('skip');
    expect(decision.reason).toBe('update-cannot-inject');
    expect(decision.patch).toEqual([]);
    expect(decision.warnings[0]).toMatch(/recreate the pod/);
  });

  it('never patches a pod that is being deleted', () => {
    const pod = oldPod();
    pod.metadata.deletionTimestamp = '2026-11-23T10:00:00Z';
    expect(decide(podRequest(pod, 'UPDATE'), upgrading)).toMatchObject({ action: 'skip', reason: 'being-deleted', patch: [] });
  });

  it('gives no patch for an injected pod at the configured version', () => {
    const injected = decideAndApply(appPod(), config).pod;
    expect(decide(podRequest(injected, 'UPDATE'), upgrading).patch).toEqual([]);
  });
});

describe('skips', () => {
  it.each([
    ['DELETE', 'operation'],
    ['CONNECT', 'operation'],
  ] as const)('%s is allowed with no patch', (operation, reason) => {
    expect(decide(podRequest(appPod(), operation), config)).toMatchObject({ action: 'skip', reason, patch: [] });
  });

  it('objects that are not pods', () => {
    const request = podRequest({ kind: 'Deployment' }, 'CREATE', {
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
    });
    expect(decide(request, config)).toMatchObject({ action: 'skip', reason: 'not-a-pod', patch: [] });
  });

  it('pod subresources', () => {
    expect(decide(podRequest(appPod(), 'UPDATE', { subResource: 'ephemeralcontainers' }), config).reason).toBe('subresource');
  });

  it.each(['false', 'FALSE', 'no', 'off', ' false '])('opt-out annotation %j', (value) => {
    const pod = appPod({ metadata: { annotations: { 'injector.my-company.com/inject': value } } });
    expect(decide(podRequest(pod), config)).toMatchObject({ action: 'skip', reason: 'opt-out', patch: [] });
  });

  it('does not treat inject: "true" as an opt-out', () => {
    const pod = appPod({ metadata: { annotations: { 'injector.my-company.com/inject': 'true' } } });
    expect(decide(podRequest(pod), config).action).toBe('inject');
  });

  it('hostNetwork pods, with a warning, unless configured otherwise', () => {
    const pod = appPod({ spec: { hostNetwork: true } });
    const decision = decide(podRequest(pod), config);
    expect(decision).toMatchObject({ action: 'skip', reason: 'host-network', patch: [] });
    expect(decision.warnings).toHaveLength(1);
    expect(decide(podRequest(pod), testConfig({ skipHostNetwork: false })).action).toBe('inject');
  });

  it('mirror pods, unless configured otherwise', () => {
    const pod = appPod({ metadata: { annotations: { 'kubernetes.io/config.mirror': 'abc' } } });
    expect(decide(podRequest(pod), config).reason).toBe('mirror-pod');
    expect(decide(podRequest(pod), testConfig({ skipMirrorPods: false })).action).toBe('inject');
  });

  it.each([
    ['no spec', { metadata: {} }],
    ['containers not an array', { spec: { containers: 'x' } }],
    ['container not an object', { spec: { containers: [null] } }],
    ['initContainers not an array', { spec: { containers: [], initContainers: {} } }],
    ['object missing', undefined],
  ])('malformed pods (%s): no patch, a warning', (_label, pod) => {
    const decision = decide(podRequest(pod), config);
    expect(decision).toMatchObject({ action: 'skip', reason: 'malformed-pod', patch: [] });
    expect(decision.warnings).toHaveLength(1);
  });

  it('applies to exactly the object sent, also when annotations is null', () => {
    const pod = appPod({ metadata: { annotations: null } });
    const decision = decide(podRequest(pod), config);
    const out = applyPatch(pod, decision.patch);
    expect(out.metadata.annotations[STATUS]).toBe('injected');
  });
});

describe('triage: what is answered without the release', () => {
  const { release: _release, ...settings } = testConfig({ upgradeOnUpdate: false });

  it('answers skips and non-upgrading UPDATEs', () => {
    const deleting = appPod({ metadata: { deletionTimestamp: '2026-11-23T10:00:00Z' } });
    expect(triage(podRequest(deleting, 'UPDATE'), settings)?.reason).toBe('being-deleted');
    expect(triage(podRequest(appPod(), 'UPDATE'), settings)?.reason).toBe('update-cannot-inject');
    const injected = decideAndApply(appPod(), config).pod;
    expect(triage(podRequest(injected, 'UPDATE'), settings)).toMatchObject({ action: 'unchanged', patch: [] });
    expect(triage(podRequest(appPod(), 'DELETE'), settings)?.reason).toBe('operation');
  });

  it('leaves CREATEs and upgrading UPDATEs of injected pods to the full decision', () => {
    expect(triage(podRequest(appPod()), settings)).toBeUndefined();
    const injected = decideAndApply(appPod(), config).pod;
    expect(triage(podRequest(injected, 'UPDATE'), { ...settings, upgradeOnUpdate: true })).toBeUndefined();
  });
});

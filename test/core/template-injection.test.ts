import { describe, expect, it } from 'vitest';
import { decide } from '../../functions/core/decide.ts';
import type { InjectorConfig } from '../../functions/core/injector-config.ts';
import { defaultFragment } from '../../functions/core/template/pod-fragment.ts';
import { containersNamed, decideAndApply, podRequest, testConfig } from '../support/injector.ts';

// The template model: a pod fragment injected whole, merged by Kubernetes list keys, never
// undoing what other admission steps added, adapted to the pod it lands in.

const VERSION = 'injector.my-company.com/version';

function logShipper(): InjectorConfig {
  const fragment = defaultFragment();
  fragment.initContainers.push({
    name: 'log-setup',
    image: 'registry.example/busybox:1.36',
    command: ['sh', '-c', 'mkdir -p /var/log/app'],
    volumeMounts: [{ name: 'app-logs', mountPath: '/var/log/app' }],
  });
  Object.assign(fragment.containers[0] as object, {
    args: ['--config=/etc/shipper/shipper.conf'],
    env: [{ name: 'LOG_DIR', value: '/var/log/app' }],
    volumeMounts: [
      { name: 'app-logs', mountPath: '/var/log/app', readOnly: true },
      { name: 'shipper-config', mountPath: '/etc/shipper' },
    ],
  });
  fragment.volumes.push({ name: 'app-logs', emptyDir: {} }, { name: 'shipper-config', configMap: { name: 'shipper-config', optional: true } });
  fragment.imagePullSecrets.push({ name: 'sidecar-pull' });
  return testConfig({ template: { sidecarName: 'my-sidecar', fragment } });
}

function pod(spec: Record<string, unknown> = {}, annotations?: Record<string, string>): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec },
  };
}

describe('a template with an init container, volumes and a pull secret', () => {
  const config = logShipper();

  it('injects every item: setup step first among init containers, sidecar, both volumes, the pull secret', () => {
    const { decision, pod: out } = decideAndApply(pod({ initContainers: [{ name: 'migrate', image: 'm' }], volumes: [{ name: 'data', emptyDir: {} }] }), config);
    expect(decision.action).toBe('inject');
    expect(out.spec.initContainers.map((c: any) => c.name)).toEqual(['log-setup', 'migrate']);
    expect(out.spec.containers.map((c: any) => c.name)).toEqual(['app', 'my-sidecar']);
    expect(out.spec.volumes.map((v: any) => v.name)).toEqual(['data', 'app-logs', 'shipper-config']);
    expect(out.spec.imagePullSecrets).toEqual([{ name: 'sidecar-pull' }]);
    expect(decide(podRequest(out), config).patch).toEqual([]);
  });

  it('creates the lists a pod does not have', () => {
    const { pod: out } = decideAndApply(pod(), config);
    expect(out.spec.initContainers.map((c: any) => c.name)).toEqual(['log-setup']);
    expect(out.spec.volumes).toHaveLength(2);
  });

  it('in native mode, the sidecar follows the setup step among the init containers', () => {
    const { pod: out } = decideAndApply(pod({ initContainers: [{ name: 'migrate', image: 'm' }] }), { ...config, nativeSidecar: 'always' });
    expect(out.spec.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([
      ['log-setup', undefined],
      ['my-sidecar', 'Always'],
      ['migrate', undefined],
    ]);
  });

  it('skips a pod whose own volume has a template volume name but another source, with a warning', () => {
    const decision = decide(podRequest(pod({ volumes: [{ name: 'app-logs', hostPath: { path: '/var/log' } }] })), config);
    expect(decision).toMatchObject({ action: 'skip', reason: 'volume-conflict', patch: [] });
    expect(decision.warnings[0]).toMatch(/volume named "app-logs"/);
  });
});

describe('duplicated template containers', () => {
  it('never remove the last regular container, counted over every template name (a case the property found)', () => {
    const fragment = defaultFragment('proxy');
    fragment.initContainers.push({ name: 'init', image: 'busybox:1.36' });
    const config = testConfig({ template: { sidecarName: 'proxy', fragment }, nativeSidecar: 'always' });
    const pod = { spec: { containers: [{ name: 'proxy' }, { name: 'init' }], initContainers: [{ name: 'proxy' }, { name: 'init' }] } };
    const { pod: out } = decideAndApply(pod, config);
    expect(out.spec.containers.length).toBeGreaterThan(0);
    for (const name of ['proxy', 'init']) expect(containersNamed(out, name)).toHaveLength(1);
    expect(decide(podRequest(out), config).patch).toEqual([]);
  });
});

describe('convergence by key never undoes other admission steps', () => {
  const config = logShipper();

  it('keeps env, mounts and volumes a pod-identity webhook and the ServiceAccount plugin added', () => {
    const injected = decideAndApply(pod(), config).pod;
    for (const container of [...injected.spec.initContainers, ...injected.spec.containers]) {
      container.env = [...(container.env ?? []), { name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::123456789012:role/x' }];
      container.volumeMounts = [
        ...(container.volumeMounts ?? []),
        { name: 'aws-iam-token', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount', readOnly: true },
        { name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
      ];
    }
    injected.spec.volumes.push({ name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'sts.amazonaws.com' } }] } });
    expect(decide(podRequest(injected), config).patch).toEqual([]);
  });

  it('converges an owned env var in place and appends a missing one, leaving foreign ones where they are', () => {
    const injected = decideAndApply(pod(), config).pod;
    const sidecar = injected.spec.containers[1];
    sidecar.env = [{ name: 'FOREIGN', value: 'x' }, { name: 'LOG_DIR', value: '/elsewhere' }];
    const decision = decide(podRequest(injected), config);
    expect(decision.patch).toEqual([{ op: 'replace', path: '/spec/containers/1/env/1/value', value: '/var/log/app' }]);
  });

  it('treats an image with a digest appended by a pinning policy as the release', () => {
    const injected = decideAndApply(pod(), config).pod;
    injected.spec.containers[1].image = `my-org/my-sidecar:1.2.1@sha256:${'a'.repeat(64)}`;
    injected.spec.initContainers[0].image = `registry.example/busybox:1.36@sha256:${'c'.repeat(64)}`;
    expect(decide(podRequest(injected), config).patch).toEqual([]);
  });

  it('treats registry spellings of Docker Hub as one image', () => {
    const injected = decideAndApply(pod(), config).pod;
    injected.spec.containers[1].image = 'docker.io/my-org/my-sidecar:1.2.1';
    expect(decide(podRequest(injected), config).patch).toEqual([]);
  });
});

describe('adaptations to the pod', () => {
  const config = testConfig();

  it('skips Windows pods by default, with a warning', () => {
    const decision = decide(podRequest(pod({ os: { name: 'windows' } })), config);
    expect(decision).toMatchObject({ action: 'skip', reason: 'windows-pod' });
    expect(decision.warnings[0]).toMatch(/Windows/);
  });

  it('injects into Windows pods without the Linux-only security fields when asked to', () => {
    const { pod: out } = decideAndApply(pod({ os: { name: 'windows' } }), { ...config, skipWindowsPods: false });
    expect(out.spec.containers[1].securityContext).toEqual({ runAsNonRoot: true });
  });

  it('keeps a Guaranteed pod Guaranteed: the sidecar requests its limits', () => {
    const guaranteed = pod({ containers: [{ name: 'app', image: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }] });
    const { decision, pod: out } = decideAndApply(guaranteed, config);
    expect(out.spec.containers[1].resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '100m', memory: '64Mi' } });
    expect(decision.reason).toMatch(/Guaranteed/);
    expect(decide(podRequest(out), config).patch).toEqual([]);
    const burstable = decideAndApply(pod({ containers: [{ name: 'app', image: 'a', resources: { requests: { cpu: '1' } } }] }), config).pod;
    expect(burstable.spec.containers[1].resources.requests).toEqual({ cpu: '50m', memory: '32Mi' });
  });

  it('warns when a template container without limits makes a Guaranteed pod lose its class', () => {
    const fragment = defaultFragment();
    fragment.initContainers.push({ name: 'setup', image: 'busybox' });
    const guaranteed = pod({ containers: [{ name: 'app', image: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }] });
    const decision = decide(podRequest(guaranteed), { ...config, template: { sidecarName: 'my-sidecar', fragment } });
    expect(decision.warnings.join()).toMatch(/loses Guaranteed QoS: injected container setup has no cpu or memory limit/);
  });

  it('raises pod-level resources by exactly what the injected containers need, once', () => {
    const withPodResources = pod({ resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } } });
    const { decision, pod: out } = decideAndApply(withPodResources, config);
    expect(out.spec.resources).toEqual({ requests: { cpu: '550m', memory: '288Mi' }, limits: { cpu: '1100m', memory: '576Mi' } });
    expect(decision.reason).toMatch(/pod-level resources raised/);
    expect(decide(podRequest(out), config).patch).toEqual([]);
  });

  it('puts the sidecar among the init containers of a run-to-completion pod (auto), and warns when told never to', () => {
    for (const restartPolicy of ['Never', 'OnFailure']) {
      const { pod: out } = decideAndApply(pod({ restartPolicy }), config);
      expect(out.spec.initContainers[0]).toMatchObject({ name: 'my-sidecar', restartPolicy: 'Always' });
      expect(containersNamed(out, 'my-sidecar')).toHaveLength(1);
    }
    const regular = decide(podRequest(pod({ restartPolicy: 'Never' })), { ...config, nativeSidecar: 'never' });
    expect(regular.patch[0]).toMatchObject({ path: '/spec/containers/-' });
    expect(regular.warnings[0]).toMatch(/will not complete/);
    expect(decideAndApply(pod({ restartPolicy: 'Always' }), config).pod.spec.initContainers).toBeUndefined();
  });

  it('never injects into a pod with no containers', () => {
    expect(decide(podRequest(pod({ containers: [] })), config)).toMatchObject({ action: 'skip', reason: 'no-containers', patch: [] });
  });
});

describe('upgrades move forward only', () => {
  const current = testConfig({ upgradeOnUpdate: true, release: { version: '1.3.0', image: 'my-org/my-sidecar:1.3.0' } });
  const injectedAt = (version: string, image = `my-org/my-sidecar:${version}`): any => {
    const out = decideAndApply(pod(), testConfig({ release: { version, image } })).pod;
    return out;
  };

  it('moves an older sidecar that still runs its release image', () => {
    const decision = decide(podRequest(injectedAt('1.2.1'), 'UPDATE'), current);
    expect(decision.action).toBe('upgrade');
    expect(decision.patch).toEqual([
      { op: 'replace', path: '/spec/containers/1/image', value: 'my-org/my-sidecar:1.3.0' },
      { op: 'replace', path: '/metadata/annotations/injector.my-company.com~1version', value: '1.3.0' },
    ]);
  });

  it('also when a pinning policy appended a digest to the old image', () => {
    const old = injectedAt('1.2.1');
    old.spec.containers[1].image = `my-org/my-sidecar:1.2.1@sha256:${'d'.repeat(64)}`;
    expect(decide(podRequest(old, 'UPDATE'), current).action).toBe('upgrade');
  });

  it('never downgrades a newer sidecar, on UPDATE or on a CREATE reinvocation by an instance with an older cache', () => {
    const newer = injectedAt('1.4.0');
    expect(decide(podRequest(newer, 'UPDATE'), current)).toMatchObject({ action: 'unchanged', patch: [] });
    expect(decide(podRequest(newer), current).patch).toEqual([]);
  });

  it('leaves a hand-pinned image, a finished pod and a pod without ordered versions alone', () => {
    const pinned = injectedAt('1.2.1');
    pinned.spec.containers[1].image = 'my-org/my-sidecar:custom';
    expect(decide(podRequest(pinned, 'UPDATE'), current)).toMatchObject({ action: 'unchanged', reason: expect.stringMatching(/pinned/) });
    const finished = { ...injectedAt('1.2.1'), status: { phase: 'Succeeded' } };
    expect(decide(podRequest(finished, 'UPDATE'), current)).toMatchObject({ action: 'unchanged', reason: expect.stringMatching(/Succeeded/) });
    const unordered = injectedAt('latest-build');
    expect(decide(podRequest(unordered, 'UPDATE'), current)).toMatchObject({ action: 'unchanged', reason: expect.stringMatching(/not ordered/) });
  });

  it('two instances with different caches cannot make the image flap', () => {
    const older = testConfig({ upgradeOnUpdate: true, release: { version: '1.2.1', image: 'my-org/my-sidecar:1.2.1' } });
    let state = injectedAt('1.2.1');
    const images: string[] = [];
    for (const config of [current, older, current, older, older, current]) {
      state = decideAndApply(state, config, 'UPDATE').pod;
      images.push(state.spec.containers[1].image);
    }
    expect(new Set(images.slice(0))).toEqual(new Set(['my-org/my-sidecar:1.3.0']));
    expect(state.metadata.annotations[VERSION]).toBe('1.3.0');
  });
});

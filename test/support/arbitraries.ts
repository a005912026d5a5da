import fc from 'fast-check';
import type { InjectorConfig, NativeSidecarMode } from '../../functions/core/injector-config.ts';
import { defaultFragment, type SidecarTemplate } from '../../functions/core/template/pod-fragment.ts';
import type { Container, JsonObject } from '../../functions/core/types.ts';
import { testConfig } from './injector.ts';

/**
 * Generators for pods and configurations. Names are drawn from small pools on purpose, so
 * that collisions with the sidecar's name, duplicated sidecars, sidecars in either list and
 * keys needing JSON Pointer escapes come up often.
 */

export const SIDECAR_NAMES = ['my-sidecar', 'proxy'];
const containerName = fc.constantFrom('app', 'worker', 'my-sidecar', 'proxy', 'istio-proxy', 'init');
const annotationKey = fc.constantFrom(
  'app.kubernetes.io/name',
  'a~b/c',
  'plain',
  'injector.my-company.com/status',
  'injector.my-company.com/version',
  'example.com/~1tricky',
  'injector.my-company.com/inject',
);
const annotationValue = fc.constantFrom('injected', '1.2.1', '0.9.0', '', 'x/y~z', '{"json":true}', 'false', 'true');

const quantity = fc.constantFrom('50m', '0.05', '100m', '0.1', '32Mi', '33554432', '64Mi', '1');

const container = fc.record(
  {
    name: containerName,
    image: fc.constantFrom('nginx', 'my-org/my-sidecar:1.0.0', 'my-org/my-sidecar:1.2.1', 'busybox:1'),
    ports: fc.array(fc.record({ name: fc.constantFrom('http', 'metrics'), containerPort: fc.constantFrom(8080, 9090), protocol: fc.constant('TCP') }), {
      maxLength: 2,
    }),
    resources: fc.oneof(
      fc.record({ requests: fc.record({ cpu: quantity, memory: quantity }, { requiredKeys: [] }) }, { requiredKeys: [] }),
      // requests equal to limits: together they make a Guaranteed pod
      fc.constant({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }),
      fc.constant({ limits: { cpu: '250m', memory: '128Mi' } }),
    ),
    volumeMounts: fc.array(fc.record({ name: fc.constantFrom('data', 'tmp'), mountPath: fc.constantFrom('/data', '/var/log/app') }), { maxLength: 2 }),
    env: fc.array(fc.record({ name: fc.constantFrom('A', 'B'), value: fc.string({ maxLength: 5 }) }), { maxLength: 2 }),
    restartPolicy: fc.constant('Always'),
  },
  { requiredKeys: ['name'] },
);

export const podArbitrary = fc.record(
  {
    apiVersion: fc.constant('v1'),
    kind: fc.constant('Pod'),
    metadata: fc.record(
      {
        name: fc.constantFrom('web', 'db-0'),
        generateName: fc.constant('web-'),
        labels: fc.dictionary(fc.constantFrom('app', 'sidecar-injection'), fc.constantFrom('web', 'enabled'), { maxKeys: 2 }),
        annotations: fc.dictionary(annotationKey, annotationValue, { maxKeys: 4 }),
      },
      { requiredKeys: [] },
    ),
    spec: fc.record(
      {
        containers: fc.array(container, { minLength: 1, maxLength: 4 }),
        initContainers: fc.array(container, { maxLength: 3 }),
        volumes: fc.array(fc.record({ name: fc.constantFrom('data', 'tmp'), emptyDir: fc.constant({}) }), { maxLength: 2 }),
        hostNetwork: fc.boolean(),
        restartPolicy: fc.constantFrom('Always', 'Never', 'OnFailure'),
        os: fc.constantFrom({ name: 'linux' }, { name: 'windows' }),
        resources: fc.constantFrom(
          { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
          { limits: { cpu: '1', memory: '1Gi' } },
          { requests: { cpu: '2' } },
        ),
        imagePullSecrets: fc.array(fc.record({ name: fc.constantFrom('regcred', 'sidecar-pull') }), { maxLength: 2 }),
      },
      { requiredKeys: ['containers'] },
    ),
  },
  { requiredKeys: ['spec'] },
);

/**
 * Templates from the built-in sidecar up to a log shipper: a setup init container (sometimes
 * named like a pod's own container, to exercise name ownership), a second long-running
 * container, volumes (one named like a pod volume, sometimes with the same source and
 * sometimes not), a pull secret, env that a pod's container may already carry.
 */
function templateOf(c: { name: string; cpu: string; setup: boolean; setupName: string; helper: boolean; volumes: number; pullSecret: boolean; extra: JsonObject }): SidecarTemplate {
  const fragment = defaultFragment(c.name);
  const sidecar = fragment.containers[0] as Container;
  Object.assign(sidecar, structuredClone(c.extra));
  (sidecar.resources as any).requests.cpu = c.cpu;
  if (c.setup) {
    fragment.initContainers.push({ name: c.setupName, image: 'busybox:1.36', command: ['sh', '-c', 'true'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] });
  }
  if (c.helper) fragment.containers.push({ name: 'shipper', image: 'registry.example/shipper:2', env: [{ name: 'A', value: 'template' }] });
  if (c.volumes > 0 || c.setup) fragment.volumes.push({ name: 'shared', emptyDir: {} });
  if (c.volumes > 1) fragment.volumes.push({ name: 'data', emptyDir: {} });
  if (c.volumes > 2) fragment.volumes.push({ name: 'tmp', configMap: { name: 'shipper-config' } });
  if (c.pullSecret) fragment.imagePullSecrets.push({ name: 'sidecar-pull' });
  return { sidecarName: c.name, fragment };
}

export const configArbitrary: fc.Arbitrary<InjectorConfig> = fc
  .record({
    name: fc.constantFrom(...SIDECAR_NAMES),
    prefix: fc.constantFrom('injector.my-company.com', 'a~b.example.com'),
    version: fc.constantFrom('1.2.1', '1.3.0', '2.0.0-rc.1'),
    pinned: fc.boolean(),
    native: fc.constantFrom<NativeSidecarMode[]>('auto', 'always', 'never'),
    upgradeOnUpdate: fc.boolean(),
    skipHostNetwork: fc.boolean(),
    skipWindowsPods: fc.boolean(),
    keepGuaranteedQos: fc.boolean(),
    cpu: fc.constantFrom('50m', '0.05'),
    setup: fc.boolean(),
    setupName: fc.constantFrom('sidecar-setup', 'init'),
    helper: fc.boolean(),
    volumes: fc.integer({ min: 0, max: 3 }),
    pullSecret: fc.boolean(),
    extra: fc.constantFrom<JsonObject[]>({}, { args: ['--verbose'] }, { env: [{ name: 'A', value: 'template' }] }),
  })
  .map((c) =>
    testConfig({
      annotationPrefix: c.prefix,
      template: templateOf(c),
      release: { version: c.version, image: c.pinned ? 'registry.example.com/sidecar@sha256:' + 'b'.repeat(64) : `my-org/my-sidecar:${c.version}` },
      nativeSidecar: c.native,
      upgradeOnUpdate: c.upgradeOnUpdate,
      skipHostNetwork: c.skipHostNetwork,
      skipWindowsPods: c.skipWindowsPods,
      keepGuaranteedQos: c.keepGuaranteedQos,
    }),
  );

/** A change another mutating webhook might make between two calls (reinvocationPolicy: IfNeeded). */
export const foreignChange = fc.oneof(
  fc.record({ type: fc.constant('add-container' as const), name: containerName }),
  fc.record({ type: fc.constant('add-label' as const), key: fc.constantFrom('team', 'app') }),
  fc.record({ type: fc.constant('add-annotation' as const), key: annotationKey }),
  fc.record({ type: fc.constant('app-image' as const), image: fc.constantFrom('nginx:2', 'busybox:2') }),
);

export type ForeignChange = typeof foreignChange extends fc.Arbitrary<infer T> ? T : never;

export function applyForeignChange(pod: any, change: ForeignChange): any {
  const next = structuredClone(pod);
  next.metadata ??= {};
  switch (change.type) {
    case 'add-container':
      next.spec.containers.push({ name: change.name, image: 'other:1' });
      break;
    case 'add-label':
      next.metadata.labels = { ...(next.metadata.labels ?? {}), [change.key]: 'x' };
      break;
    case 'add-annotation':
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [change.key]: 'foreign' };
      break;
    case 'app-image':
      if (next.spec.containers[0]) next.spec.containers[0].image = change.image;
      break;
  }
  return next;
}

import fc from 'fast-check';
import type { InjectorConfig } from '../../functions/core/injector-config.ts';
import type { JsonObject } from '../../functions/core/types.ts';
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
    resources: fc.record({ requests: fc.record({ cpu: quantity, memory: quantity }, { requiredKeys: [] }) }, { requiredKeys: [] }),
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
      },
      { requiredKeys: ['containers'] },
    ),
  },
  { requiredKeys: ['spec'] },
);

export const configArbitrary: fc.Arbitrary<InjectorConfig> = fc
  .record({
    name: fc.constantFrom(...SIDECAR_NAMES),
    prefix: fc.constantFrom('injector.my-company.com', 'a~b.example.com'),
    version: fc.constantFrom('1.2.1', '1.3.0', '2.0.0-rc.1'),
    pinned: fc.boolean(),
    native: fc.boolean(),
    upgradeOnUpdate: fc.boolean(),
    skipHostNetwork: fc.boolean(),
    cpu: fc.constantFrom('50m', '0.05'),
    extra: fc.constantFrom<JsonObject[]>({}, { args: ['--verbose'] }, { securityContext: { runAsNonRoot: true } }),
  })
  .map((c) =>
    testConfig({
      annotationPrefix: c.prefix,
      sidecar: {
        name: c.name,
        port: 8080,
        portName: 'http',
        resources: { requests: { cpu: c.cpu, memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
        extra: c.extra,
      },
      release: { version: c.version, image: c.pinned ? 'registry.example.com/sidecar@sha256:' + 'b'.repeat(64) : `my-org/my-sidecar:${c.version}` },
      nativeSidecar: c.native,
      upgradeOnUpdate: c.upgradeOnUpdate,
      skipHostNetwork: c.skipHostNetwork,
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

// The injector adapting the sidecar to the pod it joins (issue 8, the sidecar-template model),
// proven by what the real API server admits and stores:
//   - a template with volumes and an init container (SIDECAR_TEMPLATE_FILE, the log-shipping
//     sidecar of support/injector.ts), admitted in a Pod Security `restricted` namespace;
//   - the default template is restricted-compliant by itself;
//   - Windows pods: skipped by default (reason `windows-pod`, a warning to the client); with
//     SKIP_WINDOWS_PODS=false injected without the Linux-only securityContext fields, which the
//     API server's validation forbids for `spec.os.name: windows`;
//   - QoS: a Guaranteed pod stays Guaranteed (status.qosClass, computed by the API server at
//     create), a Burstable one keeps the template's requests;
//   - pod-level resources (spec.resources) are raised by the sidecar's share, or the API server
//     would refuse the pod (aggregate container requests above the pod's);
//   - run-to-completion pods (restartPolicy Never/OnFailure) get a native sidecar under
//     NATIVE_SIDECAR=auto (the default), a regular one plus a warning under NATIVE_SIDECAR=false;
//   - `spec.containers: []` is never injected: the API server refuses it for its own reason.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireParts, startCluster, startWebhookServer, stopAll, type Cluster, type WebhookServer } from './harness/index.ts';
import {
  amounts,
  apiErrorText,
  appPod,
  createPodWithWarnings,
  hasTokenMount,
  LOG_SHIPPING_TEMPLATE,
  podSecurityNamespace,
  registerInjector,
  restrictedAppPod,
  reviewsFor,
  scenarioNamespace,
  SIDECAR,
  sidecarsOf,
  STATUS_KEY,
  waitUntilActive,
  writeLogShippingTemplate,
} from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'openssl']);

const RELEASE_IMAGE = 'my-org/my-sidecar:1.2.1';
/** The default template's resources (README, Configuration). */
const SIDECAR_RESOURCES = { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } };
/** securityContext fields a Windows pod's containers may not set (the API server's validateWindows). */
const LINUX_ONLY = ['seccompProfile', 'capabilities', 'allowPrivilegeEscalation', 'seLinuxOptions', 'procMount', 'appArmorProfile', 'privileged', 'readOnlyRootFilesystem', 'runAsUser', 'runAsGroup'];

const windowsPod = (name: string): V1Pod => appPod(name, { spec: { os: { name: 'windows' } } });

describe.skipIf(gate.skip)(`the sidecar adapted to the pod${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  /** The defaults: NATIVE_SIDECAR=auto, SKIP_WINDOWS_PODS=true, KEEP_GUARANTEED_QOS=true. */
  let defaults: WebhookServer;

  beforeAll(async () => {
    cluster = await startCluster();
    defaults = await startWebhookServer({ cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem });
  });
  afterAll(stopAll);

  async function withServer(env: Record<string, string>): Promise<WebhookServer> {
    return startWebhookServer({ cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem, env });
  }

  async function injectorNamespace(id: string, server: WebhookServer, level?: 'restricted' | 'baseline'): Promise<string> {
    const ns = level ? await podSecurityNamespace(cluster, id, level) : await scenarioNamespace(cluster, id);
    await registerInjector(cluster, { id, baseUrl: server.url });
    await waitUntilActive(cluster, ns, (pod) => sidecarsOf(pod).length === 1, restrictedAppPod('activation-probe'));
    return ns;
  }

  /** Creates, reads back, and checks our reviews: one injection, every later call without a patch. */
  async function createInjected(ns: string, server: WebhookServer, body: V1Pod): Promise<V1Pod> {
    const name = body.metadata!.name!;
    await cluster.core.createNamespacedPod({ namespace: ns, body });
    const stored = await cluster.core.readNamespacedPod({ name, namespace: ns });
    const reviews = reviewsFor(server, ns, name);
    expect(reviews[0]?.action, `${name}: first review`).toBe('inject');
    expect(reviews.slice(1).map((r) => r.patchOperations), `${name}: reinvocations`).toEqual(reviews.slice(1).map(() => 0));
    return stored;
  }

  describe('the log-shipping template (SIDECAR_TEMPLATE_FILE)', () => {
    let template: WebhookServer;
    beforeAll(async () => {
      template = await withServer({ SIDECAR_TEMPLATE_FILE: writeLogShippingTemplate(), SKIP_WINDOWS_PODS: 'false' });
    });

    it('an init container and volumes: init container first, sidecar, both volumes, admitted under restricted', async () => {
      const ns = await injectorNamespace('template-volumes', template, 'restricted');
      const body = restrictedAppPod('logs', { spec: { initContainers: [{ name: 'app-init', image: 'registry.example/init:1' }] } });
      const stored = await createInjected(ns, template, body);

      expect(stored.spec?.initContainers?.map((c) => c.name)).toEqual(['log-setup', 'app-init']);
      const setup = stored.spec?.initContainers?.[0];
      const [templateSetup] = LOG_SHIPPING_TEMPLATE.initContainers;
      expect(setup?.image).toBe(templateSetup?.image);
      expect(setup?.command).toEqual(templateSetup?.command);
      expect(setup?.restartPolicy).toBeUndefined();
      expect(setup?.volumeMounts).toEqual(expect.arrayContaining(templateSetup?.volumeMounts ?? []));

      expect(stored.spec?.containers.map((c) => c.name)).toEqual(['app', SIDECAR]);
      const sidecar = sidecarsOf(stored)[0]?.container;
      expect(sidecar?.image).toBe(RELEASE_IMAGE);
      expect(sidecar?.args).toEqual(['--config=/etc/shipper/shipper.conf']);
      expect(sidecar?.volumeMounts).toEqual(expect.arrayContaining(LOG_SHIPPING_TEMPLATE.containers[0]?.volumeMounts ?? []));
      expect(hasTokenMount(sidecar)).toBe(true);

      const volumes = new Map((stored.spec?.volumes ?? []).map((v) => [v.name, v]));
      expect(volumes.get('app-logs')?.emptyDir).toEqual({});
      expect(volumes.get('shipper-config')?.configMap).toMatchObject({ name: 'shipper-config', optional: true });
      expect([...volumes.keys()].filter((v) => v.startsWith('kube-api-access-'))).toHaveLength(1);
      expect(stored.spec?.volumes).toHaveLength(3);
      expect(stored.metadata?.annotations?.[STATUS_KEY]).toBe('injected');
    });

    it('the pod already has the template\'s volume, identical: injected, the volume not added twice', async () => {
      const ns = await injectorNamespace('template-same-volume', template);
      const body = appPod('has-logs', { spec: { volumes: [{ name: 'app-logs', emptyDir: {} }] } });
      const stored = await createInjected(ns, template, body);
      expect(stored.spec?.volumes?.filter((v) => v.name === 'app-logs')).toHaveLength(1);
      expect(sidecarsOf(stored)).toHaveLength(1);
    });

    it('the pod has a different volume under the template\'s name: left alone (volume-conflict), with a warning, and admitted', async () => {
      const ns = await injectorNamespace('template-volume-conflict', template);
      const body = appPod('other-logs', { spec: { volumes: [{ name: 'app-logs', configMap: { name: 'app-logs' } }] } });
      const { pod, warnings } = await createPodWithWarnings(cluster, ns, body);
      expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app']);
      expect(pod.spec?.initContainers ?? []).toEqual([]);
      expect(reviewsFor(template, ns, 'other-logs').map((r) => [r.action, r.reason])).toEqual([['skip', 'volume-conflict']]);
      expect(warnings.filter((w) => w.includes('app-logs'))).toHaveLength(1);
    });

    it('a Guaranteed pod, and a template container without limits (log-setup): Burstable, and the client is told', async () => {
      const ns = await injectorNamespace('template-guaranteed', template);
      const body = appPod('guaranteed', {
        spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0', resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } } }] },
      });
      const { warnings } = await createPodWithWarnings(cluster, ns, body);
      const stored = await cluster.core.readNamespacedPod({ name: 'guaranteed', namespace: ns });
      expect(stored.status?.qosClass).toBe('Burstable');
      expect(warnings.filter((w) => w.includes('Guaranteed') && w.includes('log-setup'))).toHaveLength(1);
      // The sidecar, which has limits, still got requests equal to them.
      const resources = amounts(sidecarsOf(stored)[0]?.container.resources as never);
      expect(resources.requests).toEqual(resources.limits);
    });

    it('SKIP_WINDOWS_PODS=false: every template container (init container too) without the Linux-only fields, admitted', async () => {
      const ns = await injectorNamespace('template-windows', template, 'baseline');
      let stored: V1Pod;
      try {
        stored = await createInjected(ns, template, windowsPod('win'));
      } catch (err) {
        throw new Error(`windows pod refused: ${apiErrorText(err)}`);
      }
      expect(stored.spec?.initContainers?.map((c) => c.name)).toEqual(['log-setup']);
      for (const c of [...(stored.spec?.initContainers ?? []), ...stored.spec!.containers]) {
        expect(LINUX_ONLY.filter((f) => c.securityContext && f in c.securityContext), c.name).toEqual([]);
      }
    });
  });

  it('the default template is restricted-compliant: a labelled pod in a restricted namespace is admitted with the sidecar', async () => {
    const ns = await injectorNamespace('default-restricted', defaults, 'restricted');
    // Restricted settings on the app's container only, none at pod level: the sidecar must
    // satisfy the standard with its own securityContext.
    const stored = await createInjected(ns, defaults, restrictedAppPod('restricted-app'));
    const sidecar = sidecarsOf(stored)[0]?.container;
    expect(sidecar?.image).toBe(RELEASE_IMAGE);
    expect(sidecar?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
  });

  describe('Windows pods (spec.os.name: windows)', () => {
    it('skipped by default: no sidecar, reason windows-pod, and a warning the client sees', async () => {
      const ns = await injectorNamespace('windows-skip', defaults, 'baseline');
      const { pod, warnings } = await createPodWithWarnings(cluster, ns, windowsPod('win'));
      expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app']);
      expect(sidecarsOf(pod)).toEqual([]);
      expect(reviewsFor(defaults, ns, 'win').map((r) => [r.action, r.reason])).toEqual([['skip', 'windows-pod']]);
      expect(warnings.some((w) => /windows/i.test(w) && w.includes(SIDECAR))).toBe(true);
    });

    it('SKIP_WINDOWS_PODS=false: injected without the Linux-only securityContext fields, and admitted', async () => {
      const windows = await withServer({ SKIP_WINDOWS_PODS: 'false' });
      const ns = await injectorNamespace('windows-inject', windows, 'baseline');
      let stored: V1Pod;
      try {
        stored = await createInjected(ns, windows, windowsPod('win'));
      } catch (err) {
        throw new Error(`windows pod refused: ${apiErrorText(err)}`);
      }
      const sidecar = sidecarsOf(stored)[0]?.container;
      expect(sidecar?.image).toBe(RELEASE_IMAGE);
      const present = LINUX_ONLY.filter((f) => sidecar?.securityContext && f in sidecar.securityContext);
      expect(present).toEqual([]);
    });
  });

  describe('QoS and pod-level resources', () => {
    let ns: string;
    beforeAll(async () => {
      ns = await injectorNamespace('resources', defaults);
    });

    const guaranteedApp = (name: string, spec: Partial<V1Pod['spec']> = {}): V1Pod =>
      appPod(name, {
        spec: {
          containers: [{ name: 'app', image: 'registry.example/app:1.0', resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } } }],
          ...spec,
        },
      });

    it('a Guaranteed pod stays Guaranteed: the sidecar\'s requests equal its limits', async () => {
      const stored = await createInjected(ns, defaults, guaranteedApp('guaranteed'));
      expect(stored.status?.qosClass).toBe('Guaranteed');
      // The requests are raised to the template's limits (README, How it adapts).
      expect(amounts(sidecarsOf(stored)[0]?.container.resources as never)).toEqual(
        amounts({ requests: SIDECAR_RESOURCES.limits, limits: SIDECAR_RESOURCES.limits }),
      );
    });

    it('a Guaranteed run-to-completion pod stays Guaranteed with its native sidecar', async () => {
      const stored = await createInjected(ns, defaults, guaranteedApp('guaranteed-job', { restartPolicy: 'Never' }));
      expect(stored.status?.qosClass).toBe('Guaranteed');
      const [sidecar] = sidecarsOf(stored);
      expect([sidecar?.list, sidecar?.index, sidecar?.container.restartPolicy]).toEqual(['initContainers', 0, 'Always']);
      expect(amounts(sidecar?.container.resources as never)).toEqual(amounts({ requests: SIDECAR_RESOURCES.limits, limits: SIDECAR_RESOURCES.limits }));
    });

    it('a Burstable pod keeps the template\'s requests and limits', async () => {
      const body = appPod('burstable', { spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0', resources: { requests: { cpu: '100m' } } }] } });
      const stored = await createInjected(ns, defaults, body);
      expect(stored.status?.qosClass).toBe('Burstable');
      expect(amounts(sidecarsOf(stored)[0]?.container.resources as never)).toEqual(amounts(SIDECAR_RESOURCES));
    });

    it('pod-level resources are raised by exactly the sidecar\'s requests and limits', async () => {
      const podResources = { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } };
      const body = appPod('pod-level', {
        spec: {
          resources: podResources,
          // The app takes all of the pod's requests: without the raise the sidecar's would not fit.
          containers: [{ name: 'app', image: 'registry.example/app:1.0', resources: { requests: { cpu: '500m', memory: '256Mi' } } }],
        },
      });
      let stored: V1Pod;
      try {
        stored = await createInjected(ns, defaults, body);
      } catch (err) {
        throw new Error(`pod with pod-level resources refused: ${apiErrorText(err)}`);
      }
      expect(amounts(stored.spec?.resources as never)).toEqual(amounts({ requests: { cpu: '550m', memory: '288Mi' }, limits: { cpu: '1100m', memory: '576Mi' } }));
      expect(amounts(sidecarsOf(stored)[0]?.container.resources as never)).toEqual(amounts(SIDECAR_RESOURCES));
    });

    // The aggregate the API server checks is max(sum of the regular and native sidecar
    // containers, each init container plus the native sidecars before it). With an init
    // container that dominates, a regular sidecar does not grow it, and a native one does.
    const dominantInit = (name: string, restartPolicy: 'Always' | 'Never'): V1Pod =>
      appPod(name, {
        spec: {
          restartPolicy,
          resources: { requests: { cpu: '900m', memory: '256Mi' } },
          initContainers: [{ name: 'migrate', image: 'registry.example/migrate:1', resources: { requests: { cpu: '900m', memory: '256Mi' } } }],
          containers: [{ name: 'app', image: 'registry.example/app:1.0', resources: { requests: { cpu: '500m', memory: '128Mi' } } }],
        },
      });

    it('pod-level resources and a dominant init container: a regular sidecar leaves the pod\'s requests as they are', async () => {
      const stored = await createInjected(ns, defaults, dominantInit('dominant-init', 'Always'));
      expect(sidecarsOf(stored).map((s) => s.list)).toEqual(['containers']);
      expect(amounts(stored.spec?.resources as never)).toEqual(amounts({ requests: { cpu: '900m', memory: '256Mi' } }));
    });

    it('pod-level resources and a dominant init container: a native sidecar (Job) raises them by its requests', async () => {
      let stored: V1Pod;
      try {
        stored = await createInjected(ns, defaults, dominantInit('dominant-init-job', 'Never'));
      } catch (err) {
        throw new Error(`job with pod-level resources refused: ${apiErrorText(err)}`);
      }
      expect(sidecarsOf(stored).map((s) => [s.list, s.index])).toEqual([['initContainers', 0]]);
      expect(amounts(stored.spec?.resources as never)).toEqual(amounts({ requests: { cpu: '950m', memory: '288Mi' } }));
    });
  });

  describe('run-to-completion pods', () => {
    for (const restartPolicy of ['Never', 'OnFailure'] as const) {
      it(`NATIVE_SIDECAR=auto (default), restartPolicy ${restartPolicy}: the sidecar is the first init container, restartPolicy Always`, async () => {
        const ns = await injectorNamespace(`completion-auto-${restartPolicy.toLowerCase()}`, defaults);
        const body = appPod('job', { spec: { restartPolicy, initContainers: [{ name: 'migrate', image: 'registry.example/migrate:1' }] } });
        const stored = await createInjected(ns, defaults, body);
        expect(stored.spec?.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([
          [SIDECAR, 'Always'],
          ['migrate', undefined],
        ]);
        expect(stored.spec?.containers.map((c) => c.name)).toEqual(['app']);
      });
    }

    it('NATIVE_SIDECAR=auto, restartPolicy Always (a Deployment\'s pod): a regular container', async () => {
      const ns = await injectorNamespace('completion-auto-always', defaults);
      const stored = await createInjected(ns, defaults, appPod('server', { spec: { restartPolicy: 'Always' } }));
      expect(sidecarsOf(stored).map((s) => [s.list, s.container.restartPolicy])).toEqual([['containers', undefined]]);
    });

    it('NATIVE_SIDECAR=false, restartPolicy Never: a regular container, and a warning that the pod will not complete', async () => {
      const classic = await withServer({ NATIVE_SIDECAR: 'false' });
      const ns = await injectorNamespace('completion-classic', classic);
      const { pod, warnings } = await createPodWithWarnings(cluster, ns, appPod('job', { spec: { restartPolicy: 'Never' } }));
      expect(pod.spec?.containers.map((c: V1Container) => c.name)).toEqual(['app', SIDECAR]);
      expect(pod.spec?.initContainers ?? []).toEqual([]);
      expect(warnings.filter((w) => w.includes(SIDECAR) && /complet/i.test(w))).toHaveLength(1);
      expect(reviewsFor(classic, ns, 'job')[0]?.warnings).toBeGreaterThanOrEqual(1);
    });
  });

  it('spec.containers: [] is never injected: the API server refuses the pod for its own reason', async () => {
    const ns = await injectorNamespace('no-containers', defaults);
    const body = appPod('empty', { spec: { containers: [] } });
    const refusal = await cluster.core.createNamespacedPod({ namespace: ns, body }).then(
      () => 'admitted',
      (err: unknown) => apiErrorText(err),
    );
    expect(refusal).toContain('spec.containers: Required value');
    expect(refusal).not.toContain(SIDECAR);
    expect(reviewsFor(defaults, ns, 'empty').map((r) => [r.action, r.reason])).toEqual([['skip', 'no-containers']]);
  });
});

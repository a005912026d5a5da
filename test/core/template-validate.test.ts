import { describe, expect, it } from 'vitest';
import { podFragmentProblems } from '../../functions/core/template/validate.ts';

// The validator's behaviour table: what a template may say, and the message when it may not.
const options = { sidecarName: 'my-sidecar' };
type Obj = { [key: string]: unknown };

const DEFAULT_TEMPLATE = {
  containers: [{
    name: 'my-sidecar',
    ports: [{ name: 'http', containerPort: 8080 }],
    resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  }],
};

const LOG_SHIPPING_TEMPLATE = {
  initContainers: [{
    name: 'prepare-config',
    image: 'registry.example/tools:2.1',
    command: ['sh', '-c', 'cp /config/* /shared/'],
    volumeMounts: [{ name: 'shipper-config', mountPath: '/config', readOnly: true }, { name: 'shared', mountPath: '/shared' }],
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '50m', memory: '32Mi' } },
  }],
  containers: [{
    name: 'my-sidecar',
    args: ['--config=/shared/shipper.yaml'],
    env: [
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'MEM_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'shipper-token', key: 'token', optional: true } } },
    ],
    ports: [{ name: 'metrics', containerPort: 9100, protocol: 'TCP' }],
    readinessProbe: { httpGet: { path: '/ready', port: 'metrics' }, periodSeconds: 5 },
    livenessProbe: { tcpSocket: { port: 9100 }, initialDelaySeconds: 10 },
    lifecycle: { preStop: { sleep: { seconds: 5 } } },
    volumeMounts: [{ name: 'shared', mountPath: '/shared', readOnly: true }, { name: 'podinfo', mountPath: '/etc/podinfo' }],
    resources: { requests: { cpu: '0.05', memory: '64Mi', 'ephemeral-storage': '100Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, seccompProfile: { type: 'RuntimeDefault' } },
  }],
  volumes: [
    { name: 'shared', emptyDir: { sizeLimit: '64Mi' } },
    { name: 'shipper-config', configMap: { name: 'log-shipper', items: [{ key: 'shipper.yaml', path: 'shipper.yaml', mode: 0o644 }] } },
    { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    { name: 'bundle', projected: { sources: [{ secret: { name: 'a', items: [{ key: 'k', path: 'a' }] } }, { serviceAccountToken: { path: 'token', audience: 'logs', expirationSeconds: 3600 } }] } },
  ],
  imagePullSecrets: [{ name: 'registry-credentials' }],
};

/** The default template with the sidecar container changed by `change`. */
function sidecarWith(change: (sidecar: Obj) => void): Obj {
  const template = structuredClone(DEFAULT_TEMPLATE) as { containers: Obj[] };
  change(template.containers[0] as Obj);
  return template;
}

function problemsOf(template: unknown): string[] {
  return podFragmentProblems(template, options);
}

describe('templates that are usable', () => {
  it('the built-in default template passes', () => {
    expect(problemsOf(DEFAULT_TEMPLATE)).toEqual([]);
  });

  it('a realistic log-shipping template passes (init container, sidecar, shared emptyDir, configMap, downwardAPI, projected)', () => {
    expect(problemsOf(LOG_SHIPPING_TEMPLATE)).toEqual([]);
  });

  it('quantities as numbers, canonical or not, pass when their amount is exact', () => {
    expect(problemsOf(sidecarWith((s) => { s.resources = { requests: { cpu: 0.1, memory: '1.5Gi' }, limits: { cpu: '1', memory: 2147483648 } }; }))).toEqual([]);
  });

  it('a native sidecar init container (restartPolicy: Always) may have probes and lifecycle', () => {
    const template = { ...structuredClone(DEFAULT_TEMPLATE), initContainers: [{ name: 'proxy', image: 'p:1', restartPolicy: 'Always', startupProbe: { grpc: { port: 9000 } }, lifecycle: { postStart: { exec: { command: ['true'] } } } }] };
    expect(problemsOf(template)).toEqual([]);
  });
});

describe('the document as a whole', () => {
  it.each([[null], [[]], ['containers: []'], [42]])('%j is not a template', (doc) => {
    expect(problemsOf(doc)[0]).toMatch(/^the template must be an object/);
  });

  it('an unknown top-level key is refused with a suggestion', () => {
    expect(problemsOf({ ...DEFAULT_TEMPLATE, volume: [] })).toEqual([
      '"volume": unknown top-level key; a template has initContainers, containers, volumes, imagePullSecrets; did you mean "volumes"?',
    ]);
  });

  it('a template without the sidecar is refused', () => {
    expect(problemsOf({ containers: [{ name: 'helper', image: 'h:1' }] })).toEqual([
      'containers: no container named "my-sidecar" (the SIDECAR_NAME setting): the template must describe the sidecar',
    ]);
  });

  it('the sidecar name follows the option', () => {
    expect(podFragmentProblems(DEFAULT_TEMPLATE, { sidecarName: 'agent' })).toContain(
      'containers: no container named "agent" (the SIDECAR_NAME setting): the template must describe the sidecar',
    );
  });
});

describe('wrong types and unknown fields, at any depth (from the Kubernetes v1.37 schema)', () => {
  it('a misspelled field one level down names the path and the right spelling', () => {
    expect(problemsOf(sidecarWith((s) => { (s.securityContext as Obj).runAsNonroot = true; }))).toEqual([
      'containers[0] (my-sidecar).securityContext.runAsNonroot: unknown field; did you mean "runAsNonRoot"?',
    ]);
  });

  it('a quoted number where an int64 is expected: write it without quotes', () => {
    expect(problemsOf(sidecarWith((s) => { s.securityContext = { runAsUser: '1000' }; }))).toEqual([
      'containers[0] (my-sidecar).securityContext.runAsUser: must be an integer (int64), not the string "1000": write 1000 without quotes',
    ]);
  });

  it('a misspelling deep inside a volume source', () => {
    const template = { ...structuredClone(DEFAULT_TEMPLATE), volumes: [{ name: 'c', configMap: { name: 'x', itmes: [] } }] };
    expect(problemsOf(template)).toEqual(['volumes[0] (c).configMap.itmes: unknown field; did you mean "items"?']);
  });

  it('a field with no near spelling lists the known ones', () => {
    const [problem] = problemsOf(sidecarWith((s) => { s.ports = [{ containerPort: 80, colour: 'red' }]; }));
    expect(problem).toBe('containers[0] (my-sidecar).ports[0].colour: unknown field (known: containerPort, hostIP, hostPort, name, protocol)');
  });

  it('a case-only difference is suggested', () => {
    expect(problemsOf(sidecarWith((s) => { s.ImagePullPolicy = 'Always'; }))).toEqual([
      'containers[0] (my-sidecar).ImagePullPolicy: unknown field; did you mean "imagePullPolicy"?',
    ]);
  });

  it.each([
    ['args', '--verbose', 'containers[0] (my-sidecar).args: must be a list, not the string "--verbose": write it as a list, e.g. ["--verbose"]'],
    ['env', [{ name: 'L', value: 3 }], 'containers[0] (my-sidecar).env[0] (L).value: must be a string, not the number 3: quote it, "3"'],
    ['tty', 'true', 'containers[0] (my-sidecar).tty: must be true or false, not the string "true": write true without quotes'],
    ['ports', [{ containerPort: 80.5 }], 'containers[0] (my-sidecar).ports[0].containerPort: must be an integer (int32), not the number 80.5: write a whole number'],
    ['ports', [{ containerPort: 3_000_000_000 }], 'containers[0] (my-sidecar).ports[0].containerPort: 3000000000 is out of range for int32 (-2147483648 to 2147483647)'],
    ['resources', { limits: { cpu: true } }, 'containers[0] (my-sidecar).resources.limits.cpu: must be a quantity (a string such as "100m" or "64Mi", or a number), not true'],
    ['livenessProbe', { httpGet: { port: [80] } }, 'containers[0] (my-sidecar).livenessProbe.httpGet.port: must be a port number or a port name, not a list'],
    ['securityContext', null, 'containers[0] (my-sidecar).securityContext: must be an object, not null: remove the key or give a value'],
  ])('%s: %j', (field, value, message) => {
    expect(problemsOf(sidecarWith((s) => { s[field] = value; }))).toEqual([message]);
  });

  it('a required field missing', () => {
    expect(problemsOf(sidecarWith((s) => { s.volumeMounts = [{ name: 'x' }]; }))).toEqual([
      'containers[0] (my-sidecar).volumeMounts[0] (x).mountPath: required',
    ]);
  });

  it('every shape problem is reported at once', () => {
    expect(problemsOf(sidecarWith((s) => { s.tty = 'yes'; s.stdin = 1; s.workdir = '/'; }))).toHaveLength(3);
  });
});

describe('the sidecar and the other containers', () => {
  it('the sidecar may not carry an image: it comes from the release', () => {
    expect(problemsOf(sidecarWith((s) => { s.image = 'my-org/my-sidecar:1.0'; }))).toEqual([
      'containers[0] (my-sidecar).image: comes from the release (SSM or SIDECAR_IMAGE/SIDECAR_VERSION); remove it from the template',
    ]);
  });

  it('every other container needs an image', () => {
    const template = { ...structuredClone(DEFAULT_TEMPLATE), initContainers: [{ name: 'setup' }] };
    expect(problemsOf(template)).toEqual(["initContainers[0] (setup).image: required (only the sidecar's image comes from the release)"]);
  });

  it('the sidecar belongs in containers', () => {
    const template = { containers: [{ name: 'helper', image: 'h:1' }], initContainers: [{ name: 'my-sidecar' }] };
    expect(problemsOf(template)).toContain('initContainers[0] (my-sidecar): the sidecar "my-sidecar" belongs in containers (native-sidecar mode moves it among the init containers itself)');
  });

  it('container names are DNS labels, unique across initContainers and containers', () => {
    const template = { ...structuredClone(DEFAULT_TEMPLATE), initContainers: [{ name: 'Setup_1', image: 'a' }, { name: 'my-sidecar', image: 'b' }] };
    const problems = problemsOf(template);
    expect(problems).toContain('initContainers[0] (Setup_1).name: "Setup_1" is not a valid container name: lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters (RFC 1123 label)');
    expect(problems).toContain('containers[0] (my-sidecar).name: "my-sidecar" is also the name of initContainers[1] (my-sidecar); container names must be unique across initContainers and containers');
  });

  it('an init container may have restartPolicy Always only, and without it no probes or lifecycle', () => {
    const template = { ...structuredClone(DEFAULT_TEMPLATE), initContainers: [{ name: 'setup', image: 'a', restartPolicy: 'OnFailure', readinessProbe: { exec: { command: ['true'] } } }] };
    expect(problemsOf(template)).toEqual([
      'initContainers[0] (setup).restartPolicy: "OnFailure" is not supported for an init container: only "Always" (a native sidecar), or omit it',
      'initContainers[0] (setup).readinessProbe: may not be set for an init container without restartPolicy: Always',
    ]);
  });

  it('a regular container may not set restartPolicy', () => {
    expect(problemsOf(sidecarWith((s) => { s.restartPolicy = 'Always'; }))[0]).toMatch(/^containers\[0\] \(my-sidecar\)\.restartPolicy: may not be set on a regular container/);
  });
});

describe('enums (the served v1.37 schema has them; validation.go enforces them)', () => {
  it.each([
    ['imagePullPolicy', 'always', 'containers[0] (my-sidecar).imagePullPolicy: "always" is not supported; one of Always, IfNotPresent, Never (did you mean "Always"?)'],
    ['imagePullPolicy', '', 'containers[0] (my-sidecar).imagePullPolicy: empty; the API server fills in a default: omit it, or one of Always, IfNotPresent, Never'],
    ['terminationMessagePolicy', 'Logs', 'containers[0] (my-sidecar).terminationMessagePolicy: "Logs" is not supported; one of FallbackToLogsOnError, File'],
  ])('%s: %j', (field, value, message) => {
    expect(problemsOf(sidecarWith((s) => { s[field] = value; }))).toEqual([message]);
  });

  it('port protocol', () => {
    expect(problemsOf(sidecarWith((s) => { s.ports = [{ containerPort: 80, protocol: 'HTTP' }]; }))).toEqual([
      'containers[0] (my-sidecar).ports[0].protocol: "HTTP" is not supported; one of SCTP, TCP, UDP',
    ]);
  });

  it('seccomp profile type, and localhostProfile only with Localhost', () => {
    expect(problemsOf(sidecarWith((s) => { s.securityContext = { seccompProfile: { type: 'Localhost' } }; }))).toEqual([
      'containers[0] (my-sidecar).securityContext.seccompProfile.localhostProfile: required when type is Localhost',
    ]);
    expect(problemsOf(sidecarWith((s) => { s.securityContext = { seccompProfile: { type: 'RuntimeDefault', localhostProfile: 'p.json' } }; }))).toEqual([
      'containers[0] (my-sidecar).securityContext.seccompProfile.localhostProfile: may be set only when type is Localhost',
    ]);
  });
});

describe('ports', () => {
  it('port names are IANA_SVC_NAMEs, unique within a container; numbers 1-65535', () => {
    const problems = problemsOf(sidecarWith((s) => {
      s.ports = [{ name: 'http', containerPort: 8080 }, { name: 'http', containerPort: 8081 }, { name: 'metrics-endpoint', containerPort: 70000 }, { name: '8080', containerPort: 0 }];
    }));
    expect(problems).toEqual([
      'containers[0] (my-sidecar).ports[1] (http).name: "http" is used twice in this container; port names must be unique',
      'containers[0] (my-sidecar).ports[2] (metrics-endpoint).name: "metrics-endpoint" is not a valid port name: at most 15 lower-case letters, digits and \'-\', at least one letter, no \'-\' at either end or twice in a row (IANA_SVC_NAME)',
      'containers[0] (my-sidecar).ports[2] (metrics-endpoint).containerPort: 70000 is not a port number: 1 to 65535',
      'containers[0] (my-sidecar).ports[3] (8080).name: "8080" is not a valid port name: at most 15 lower-case letters, digits and \'-\', at least one letter, no \'-\' at either end or twice in a row (IANA_SVC_NAME)',
      'containers[0] (my-sidecar).ports[3] (8080).containerPort: required, a port number from 1 to 65535',
    ]);
  });
});

describe('resources', () => {
  const withResources = (resources: Obj) => problemsOf(sidecarWith((s) => { s.resources = resources; }));

  it('a CPU request above its limit', () => {
    expect(withResources({ requests: { cpu: '500m' }, limits: { cpu: '0.25' } })).toEqual([
      'containers[0] (my-sidecar).resources.requests.cpu: "500m" is above the limit "0.25"; a request must be at most its limit',
    ]);
  });

  it('a request equal to its limit in another spelling is fine', () => {
    expect(withResources({ requests: { cpu: '0.5', memory: '1Gi' }, limits: { cpu: '500m', memory: '1024Mi' } })).toEqual([]);
  });

  it('a negative quantity', () => {
    expect(withResources({ limits: { memory: '-64Mi' } })).toEqual([
      'containers[0] (my-sidecar).resources.limits.memory: "-64Mi" is negative; a quantity here must be 0 or more',
    ]);
  });

  it.each([['0.0005'], ['1.5m'], ['100u'], [0.0001]])('CPU %j is finer than 1m (the API server would round it up)', (cpu) => {
    expect(withResources({ requests: { cpu } })).toEqual([
      `containers[0] (my-sidecar).resources.requests.cpu: ${JSON.stringify(cpu)} is finer than 1m; the API server would round it up, and the pod would never match the template: write a multiple of 1m`,
    ]);
  });

  it('memory with fractional bytes', () => {
    expect(withResources({ requests: { memory: '100m' } })).toEqual([
      'containers[0] (my-sidecar).resources.requests.memory: "100m" is not a whole number of bytes; write e.g. "64Mi" or "1500k"',
    ]);
  });

  it('a malformed quantity, an unknown resource, resource claims', () => {
    expect(withResources({ requests: { cpu: '1 core', 'nvidia.com/gpu': '1' }, claims: [{ name: 'gpu' }] })).toEqual([
      'containers[0] (my-sidecar).resources.claims: not supported in a template (a claim must name one of the pod\'s resourceClaims)',
      'containers[0] (my-sidecar).resources.requests.cpu: "1 core" is not a quantity; write e.g. "100m", "0.5", "64Mi", "1G"',
      'containers[0] (my-sidecar).resources.requests.nvidia.com/gpu: "nvidia.com/gpu" is not a resource a template may set; one of cpu, memory, ephemeral-storage',
    ]);
  });

  it('an emptyDir sizeLimit follows the same rules', () => {
    const template = { ...structuredClone(DEFAULT_TEMPLATE), volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '0.5' } }] };
    expect(problemsOf(template)).toEqual(['volumes[0] (scratch).emptyDir.sizeLimit: "0.5" is not a whole number of bytes; write e.g. "64Mi" or "1500k"']);
  });
});

describe('env and envFrom', () => {
  const withEnv = (env: unknown[]) => problemsOf(sidecarWith((s) => { s.env = env; }));

  it('value and valueFrom together', () => {
    expect(withEnv([{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }])).toEqual([
      'containers[0] (my-sidecar).env[0] (A): has both value and valueFrom; keep one',
    ]);
  });

  it('valueFrom with two sources, or none', () => {
    expect(withEnv([{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' }, secretKeyRef: { name: 's', key: 'k' } } }, { name: 'B', valueFrom: {} }])).toEqual([
      'containers[0] (my-sidecar).env[0] (A).valueFrom: has fieldRef and secretKeyRef; keep exactly one',
      'containers[0] (my-sidecar).env[1] (B).valueFrom: empty; name one of fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef',
    ]);
  });

  it('env names: printable ASCII without "="; empty names refused', () => {
    expect(withEnv([{ name: 'A=B', value: '1' }, { name: '', value: '2' }, { name: 'my.env-name 1', value: '3' }])).toEqual([
      'containers[0] (my-sidecar).env[0] (A=B).name: "A=B" is not a valid environment variable name: printable ASCII characters other than \'=\'',
      'containers[0] (my-sidecar).env[1].name: required',
    ]);
  });

  it('fieldRef paths, resourceFieldRef resources and divisors, key selectors', () => {
    expect(withEnv([
      { name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.hostname' } } },
      { name: 'B', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1000m' } } },
      { name: 'C', valueFrom: { configMapKeyRef: { name: 'Bad_Name', key: 'a/b' } } },
      { name: 'D', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/name']" } } },
    ])).toEqual([
      expect.stringMatching(/^containers\[0\] \(my-sidecar\)\.env\[0\] \(A\)\.valueFrom\.fieldRef\.fieldPath: "spec\.hostname" is not supported here/),
      'containers[0] (my-sidecar).env[1] (B).valueFrom.resourceFieldRef.divisor: "1000m" is not supported for limits.cpu; one of 1m, 1 (written exactly so)',
      'containers[0] (my-sidecar).env[2] (C).valueFrom.configMapKeyRef.name: "Bad_Name" is not a valid ConfigMap name (RFC 1123 subdomain: lower-case letters, digits, \'-\' and \'.\')',
      'containers[0] (my-sidecar).env[2] (C).valueFrom.configMapKeyRef.key: "a/b" is not a valid key: letters, digits, \'-\', \'_\' or \'.\', at most 253 characters',
    ]);
  });

  it('envFrom needs exactly one source', () => {
    expect(problemsOf(sidecarWith((s) => { s.envFrom = [{ prefix: 'X_' }]; }))).toEqual([
      'containers[0] (my-sidecar).envFrom[0]: name exactly one of configMapRef or secretRef',
    ]);
  });

  it('fileKeyRef is behind a beta feature gate', () => {
    expect(withEnv([{ name: 'A', valueFrom: { fileKeyRef: { volumeName: 'v', path: 'p', key: 'k' } } }])[0]).toMatch(/fileKeyRef: behind the feature gate EnvFiles \(beta\)/);
  });
});

describe('volumes and mounts', () => {
  const withVolumes = (volumes: unknown[], mounts: unknown[] = []) => problemsOf({ ...sidecarWith((s) => { s.volumeMounts = mounts; }), volumes });

  it('a volumeMount must name a template volume', () => {
    expect(withVolumes([{ name: 'data', emptyDir: {} }], [{ name: 'app-data', mountPath: '/data' }])).toEqual([
      'containers[0] (my-sidecar).volumeMounts[0] (app-data).name: no volume "app-data" in the template\'s volumes; a template can mount only its own volumes (data)',
    ]);
  });

  it('mount paths unique within a container; subPath relative, without ".."', () => {
    expect(withVolumes([{ name: 'data', emptyDir: {} }], [
      { name: 'data', mountPath: '/data' }, { name: 'data', mountPath: '/data', subPath: '../etc' },
    ])).toEqual([
      'containers[0] (my-sidecar).volumeMounts[1] (data).mountPath: "/data" is mounted twice in this container',
      'containers[0] (my-sidecar).volumeMounts[1] (data).subPath: "../etc" must not contain \'..\'',
    ]);
  });

  it('Bidirectional propagation needs a privileged container; recursiveReadOnly needs readOnly', () => {
    expect(withVolumes([{ name: 'data', emptyDir: {} }], [
      { name: 'data', mountPath: '/a', mountPropagation: 'Bidirectional' }, { name: 'data', mountPath: '/b', recursiveReadOnly: 'Enabled' },
    ])).toEqual([
      'containers[0] (my-sidecar).volumeMounts[0] (data).mountPropagation: Bidirectional needs a privileged container',
      'containers[0] (my-sidecar).volumeMounts[1] (data).recursiveReadOnly: needs readOnly: true',
    ]);
  });

  it('volume names are DNS labels and unique; each volume has exactly one kind', () => {
    expect(withVolumes([
      { name: 'data', emptyDir: {} }, { name: 'data', emptyDir: {} }, { name: 'Conf', configMap: { name: 'c' } }, { name: 'both', emptyDir: {}, secret: { secretName: 's' } }, { name: 'none' },
    ])).toEqual([
      'volumes[1] (data).name: "data" is used by two volumes; volume names must be unique',
      'volumes[2] (Conf).name: "Conf" is not a valid volume name: lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters (RFC 1123 label)',
      'volumes[3] (both): has emptyDir and secret; a volume has exactly one kind',
      'volumes[4] (none): no volume kind; set one of configMap, csi, downwardAPI, emptyDir, hostPath, image, nfs, persistentVolumeClaim, projected, secret',
    ]);
  });

  it('configMap, secret, downwardAPI and projected details', () => {
    expect(withVolumes([
      { name: 'a', configMap: { items: [{ key: 'k', path: '/abs' }], defaultMode: 0o1777 } },
      { name: 'b', secret: {} },
      { name: 'c', downwardAPI: { items: [{ path: 'x', fieldRef: { fieldPath: 'metadata.name' }, resourceFieldRef: { resource: 'limits.cpu', containerName: 'my-sidecar' } }] } },
      { name: 'd', projected: { sources: [{ configMap: { name: 'x', items: [{ key: 'a', path: 'p' }] } }, { secret: { name: 'y', items: [{ key: 'b', path: 'p' }] } }, { serviceAccountToken: { path: 't', expirationSeconds: 60 } }] } },
    ])).toEqual([
      'volumes[0] (a).configMap.name: required (the name of a ConfigMap of the pod\'s namespace)',
      'volumes[0] (a).configMap.defaultMode: 1023 is not a file mode: 0 to 0777 (octal; 511 in decimal)',
      'volumes[0] (a).configMap.items[0].path: "/abs" must be a relative path',
      'volumes[1] (b).secret.secretName: required (the name of a Secret of the pod\'s namespace)',
      'volumes[2] (c).downwardAPI.items[0]: set exactly one of fieldRef or resourceFieldRef',
      'volumes[3] (d).projected.sources[1].secret.items[0].path: "p" is also written by another source of this volume',
      'volumes[3] (d).projected.sources[2].serviceAccountToken.expirationSeconds: 60 must be from 600 (10 minutes) to 2^32',
    ]);
  });

  it('in-tree volume kinds Kubernetes deprecated, and ephemeral volumes, are not for templates', () => {
    expect(withVolumes([{ name: 'ebs', awsElasticBlockStore: { volumeID: 'vol-1' } }])).toEqual([
      'volumes[0] (ebs).awsElasticBlockStore: this volume kind is not supported in a template; use one of configMap, csi, downwardAPI, emptyDir, hostPath, image, nfs, persistentVolumeClaim, projected, secret',
    ]);
  });

  it('fields of alpha features are refused (the API server would drop them silently)', () => {
    expect(withVolumes([{ name: 'e', emptyDir: { mode: 0o755 } }])[0]).toMatch(/^volumes\[0\] \(e\)\.emptyDir\.mode: behind the feature gate EmptyDirVolumeMode \(alpha, off by default\)/);
  });
});

describe('probes and lifecycle', () => {
  const withProbe = (probe: unknown, kind = 'livenessProbe') => problemsOf(sidecarWith((s) => { s[kind] = probe; }));

  it('two probe handlers', () => {
    expect(withProbe({ exec: { command: ['true'] }, tcpSocket: { port: 80 } })).toEqual([
      'containers[0] (my-sidecar).livenessProbe: has exec and tcpSocket; set exactly one handler',
    ]);
  });

  it('no handler at all', () => {
    expect(withProbe({ periodSeconds: 5 })).toEqual([
      'containers[0] (my-sidecar).livenessProbe: no handler; set exactly one of exec, httpGet, tcpSocket, grpc',
    ]);
  });

  it('0 where the API server fills in a default; successThreshold 1 for liveness', () => {
    expect(withProbe({ exec: { command: ['true'] }, periodSeconds: 0, successThreshold: 2 })).toEqual([
      'containers[0] (my-sidecar).livenessProbe.periodSeconds: 0 is replaced by the default 10; omit it or write 10',
      'containers[0] (my-sidecar).livenessProbe.successThreshold: must be 1 for a livenessProbe',
    ]);
  });

  it('readiness probes may not set terminationGracePeriodSeconds; ports must be valid', () => {
    expect(withProbe({ httpGet: { port: 'Http' }, terminationGracePeriodSeconds: 5 }, 'readinessProbe')).toEqual([
      'containers[0] (my-sidecar).readinessProbe.httpGet.port: "Http" is neither a port number nor a valid port name (IANA_SVC_NAME)',
      'containers[0] (my-sidecar).readinessProbe.terminationGracePeriodSeconds: may not be set on a readinessProbe',
    ]);
    expect(withProbe({ httpGet: { port: 80, scheme: 'http' } }, 'readinessProbe')).toEqual([
      'containers[0] (my-sidecar).readinessProbe.httpGet.scheme: "http" is not supported; one of HTTP, HTTPS (did you mean "HTTP"?)',
    ]);
  });

  it('lifecycle hooks: one handler; a sleep within the default grace period; stopSignal is alpha', () => {
    expect(problemsOf(sidecarWith((s) => { s.lifecycle = { preStop: { sleep: { seconds: 60 } }, postStart: {}, stopSignal: 'SIGTERM' }; }))).toEqual([
      'containers[0] (my-sidecar).lifecycle.postStart: no handler; set exactly one of exec, httpGet, tcpSocket, sleep',
      'containers[0] (my-sidecar).lifecycle.preStop.sleep.seconds: 60 must be from 0 to the pod\'s terminationGracePeriodSeconds (30 unless the pod sets it)',
      expect.stringMatching(/^containers\[0\] \(my-sidecar\)\.lifecycle\.stopSignal: behind the feature gate ContainerStopSignals/),
    ]);
  });
});

describe('security context', () => {
  it('user and group ids in range; privilege escalation rules', () => {
    expect(problemsOf(sidecarWith((s) => { s.securityContext = { runAsUser: -1, runAsGroup: 2147483648, allowPrivilegeEscalation: false, privileged: true }; }))).toEqual([
      'containers[0] (my-sidecar).securityContext.runAsUser: -1 is out of range: 0 to 2147483647',
      'containers[0] (my-sidecar).securityContext.runAsGroup: 2147483648 is out of range: 0 to 2147483647',
      'containers[0] (my-sidecar).securityContext: allowPrivilegeEscalation: false and privileged: true exclude each other',
    ]);
  });
});

describe('imagePullSecrets', () => {
  it('only a name, and a name is needed', () => {
    expect(problemsOf({ ...structuredClone(DEFAULT_TEMPLATE), imagePullSecrets: [{ name: 'ok' }, {}, { name: 'x', namespace: 'y' }] })).toEqual([
      'imagePullSecrets[2] (x).namespace: unknown field (known: name)',
    ]);
    expect(problemsOf({ ...structuredClone(DEFAULT_TEMPLATE), imagePullSecrets: [{}] })).toEqual([
      "imagePullSecrets[0].name: required (the name of a Secret of the pod's namespace)",
    ]);
  });
});

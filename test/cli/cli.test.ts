import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSMClient } from '@aws-sdk/client-ssm';
import { runCli, type CliDeps } from '../../functions/cli/main.ts';
import { startFakeSsm, TEST_CREDENTIALS, TEST_REGION, type FakeSsm } from '../support/fake-ssm.ts';
import { cleanEnv, startChild } from '../support/child-process.ts';
import { memoryIo } from '../support/cli-io.ts';

// The offline CLI with an in-memory io, and once as the package's real bin on standard input.

const SIDECAR = 'my-sidecar';
const STATUS = 'injector.my-company.com/status';
const VERSION = 'injector.my-company.com/version';

async function run(args: string[], files: Record<string, string> = {}, env: Record<string, string | undefined> = {}, deps: CliDeps = {}) {
  const io = memoryIo(files);
  const code = await runCli(args, env, io, deps);
  return { code, out: io.out, err: io.err, reads: io.reads };
}

function inject(text: string, extraArgs: string[] = [], env: Record<string, string | undefined> = {}) {
  return run(['inject', '-f', 'manifests.yaml', ...extraArgs], { 'manifests.yaml': text }, env);
}

const CONFIG_MAP = `# Settings for the app: this comment must survive.
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-settings # the name
  labels:
    app: web
data:
  # a comment inside the data
  LOG_LEVEL: "debug"
  RETRIES: '3'
  script: |
    #!/bin/sh
    echo "hello"
`;

const podTemplate = (app: string, indent: string) =>
  [
    `metadata:`,
    `  labels:`,
    `    app: ${app}`,
    `    sidecar-injection: enabled`,
    `spec:`,
    `  containers:`,
    `    - name: ${app}`,
    `      image: nginx:1.27`,
  ]
    .map((line) => indent + line)
    .join('\n');

const WORKLOADS: Record<string, { doc: string; template: (v: any) => any }> = {
  Pod: {
    doc: `apiVersion: v1\nkind: Pod\nmetadata:\n  name: solo\n  labels:\n    app: solo\n    sidecar-injection: enabled\nspec:\n  containers:\n    - name: solo\n      image: nginx:1.27\n`,
    template: (v) => v,
  },
  Deployment: {
    doc: `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n${podTemplate('web', '    ')}\n`,
    template: (v) => v.spec.template,
  },
  StatefulSet: {
    doc: `apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  selector:\n    matchLabels:\n      app: db\n  template:\n${podTemplate('db', '    ')}\n`,
    template: (v) => v.spec.template,
  },
  DaemonSet: {
    doc: `apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  selector:\n    matchLabels:\n      app: agent\n  template:\n${podTemplate('agent', '    ')}\n`,
    template: (v) => v.spec.template,
  },
  ReplicaSet: {
    doc: `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: rs\nspec:\n  selector:\n    matchLabels:\n      app: rs\n  template:\n${podTemplate('rs', '    ')}\n`,
    template: (v) => v.spec.template,
  },
  Job: {
    doc: `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: once\nspec:\n  template:\n${podTemplate('once', '    ')}\n    \n`.replace(/\n {4}\n$/, '\n'),
    template: (v) => v.spec.template,
  },
  CronJob: {
    doc: `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  schedule: "0 3 * * *"\n  jobTemplate:\n    spec:\n      template:\n${podTemplate('nightly', '        ')}\n`,
    template: (v) => v.spec.jobTemplate.spec.template,
  },
};

const LIST = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: in-list
      labels:
        sidecar-injection: enabled
    spec:
      containers:
        - name: app
          image: busybox
  - apiVersion: v1
    kind: Service
    metadata:
      name: svc
    spec:
      ports:
        - port: 80
`;

const ALL = [CONFIG_MAP, ...Object.values(WORKLOADS).map((w) => w.doc), LIST].join('---\n');

function sidecarsIn(podLike: any, list: 'containers' | 'initContainers' = 'containers'): any[] {
  return (podLike?.spec?.[list] ?? []).filter((c: any) => c?.name === SIDECAR);
}

function values(text: string): any[] {
  return parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS();
  });
}

describe('inject on multi-document YAML', () => {
  let result: Awaited<ReturnType<typeof inject>>;
  let docs: any[];
  beforeAll(async () => {
    result = await inject(ALL);
    docs = values(result.out);
  });

  it('exits 0, prints every document in order, and reports each pod or template on stderr', async () => {
    expect(result.code).toBe(0);
    for (const [kind, name] of [['Pod', 'solo'], ['Deployment', 'web'], ['StatefulSet', 'db'], ['DaemonSet', 'agent'], ['ReplicaSet', 'rs'], ['Job', 'once'], ['CronJob', 'nightly']]) {
      expect(result.err).toMatch(new RegExp(`manifests\\.yaml: document \\d+: ${kind}/${name}: injected: `));
    }
    expect(result.err).toContain('document 9: items[0] Pod/in-list: injected');
    expect(result.err).toContain('sidecar-injector inject: 8 injected; release 1.2.1 (my-org/my-sidecar:1.2.1) from defaults');
    expect(result.err).not.toContain('ConfigMap');
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'List']);
  });

  for (const [kind, { doc, template }] of Object.entries(WORKLOADS)) {
    it(`injects the sidecar once into the ${kind === 'Pod' ? 'Pod' : `${kind}'s pod template`}, changing nothing else`, () => {
      const before = parse(doc);
      const after = docs.find((d) => d.kind === kind);
      const podLike = template(after);
      // Pods that run to completion (Jobs) get the sidecar as a native sidecar (NATIVE_SIDECAR=auto).
      const native = ['Never', 'OnFailure'].includes(podLike.spec.restartPolicy);
      const list = native ? 'initContainers' : 'containers';
      const sidecars = sidecarsIn(podLike, list);
      expect(sidecars).toHaveLength(1);
      expect(sidecarsIn(podLike, native ? 'containers' : 'initContainers')).toHaveLength(0);
      expect(sidecars[0]).toEqual({
        name: SIDECAR,
        image: 'my-org/my-sidecar:1.2.1',
        ports: [{ name: 'http', containerPort: 8080 }],
        resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        ...(native ? { restartPolicy: 'Always' } : {}),
      });
      expect(podLike.metadata.annotations).toEqual({ [STATUS]: 'injected', [VERSION]: '1.2.1' });
      // Take our additions out again: what is left is exactly the input.
      const stripped = structuredClone(after);
      const t = template(stripped);
      t.spec[list] = t.spec[list].filter((c: any) => c.name !== SIDECAR);
      if (t.spec[list].length === 0) delete t.spec[list];
      delete t.metadata.annotations;
      expect(stripped).toEqual(before);
      if (kind !== 'Pod') expect(after.metadata.annotations).toBeUndefined();
    });
  }

  it('injects into Pod items of a List and leaves its other items alone', async () => {
    const list = docs.find((d) => d.kind === 'List');
    expect(sidecarsIn(list.items[0])).toHaveLength(1);
    expect(list.items[0].metadata.annotations).toEqual({ [STATUS]: 'injected', [VERSION]: '1.2.1' });
    expect(list.items[1]).toEqual(parse(LIST).items[1]);
  });

  it('passes the ConfigMap through byte for byte, comments included', async () => {
    expect(result.out.startsWith(`${CONFIG_MAP}---\n`)).toBe(true);
  });

  it('is idempotent on its own output, byte for byte', async () => {
    const again = (await inject(result.out));
    expect(again.code).toBe(0);
    expect(again.out).toBe(result.out);
  });

  it('converges an injected file to a new version without a second sidecar', async () => {
    const upgraded = (await inject(result.out, ['--sidecar-version', '1.3.0']));
    expect(upgraded.code).toBe(0);
    for (const [kind, { template }] of Object.entries(WORKLOADS)) {
      const podLike = template(values(upgraded.out).find((d) => d.kind === kind));
      const sidecars = sidecarsIn(podLike);
      expect(sidecars, kind).toHaveLength(1);
      expect(sidecars[0].image).toBe('my-org/my-sidecar:1.3.0');
      expect(podLike.metadata.annotations[VERSION]).toBe('1.3.0');
    }
  });
});

describe('inject options', () => {
  const pod = WORKLOADS.Pod!.doc;

  it('--native puts the sidecar first among the init containers with restartPolicy: Always', async () => {
    const { code, out } = (await inject(pod, ['--native']));
    expect(code).toBe(0);
    const [value] = values(out);
    expect(sidecarsIn(value)).toHaveLength(0);
    expect(value.spec.initContainers[0]).toMatchObject({ name: SIDECAR, restartPolicy: 'Always', image: 'my-org/my-sidecar:1.2.1' });
    expect((await inject(out, ['--native'])).out).toBe(out);
  });

  it('--sidecar-version and --sidecar-image choose the release; a tagged or digest image is used as is', async () => {
    const tagged = values((await inject(pod, ['--sidecar-version', '2.0.0', '--sidecar-image', 'ghcr.io/acme/proxy'])).out)[0];
    expect(sidecarsIn(tagged)[0].image).toBe('ghcr.io/acme/proxy:2.0.0');
    expect(tagged.metadata.annotations[VERSION]).toBe('2.0.0');
    const digest = `ghcr.io/acme/proxy@sha256:${'b'.repeat(64)}`;
    expect(sidecarsIn(values((await inject(pod, ['--sidecar-image', digest])).out)[0])[0].image).toBe(digest);
  });

  it('takes the webhook environment variables, with the flags winning', async () => {
    const env = { SIDECAR_VERSION: '9.9.9', SIDECAR_NAME: 'proxy', SIDECAR_PORT: '15001', ANNOTATION_PREFIX: 'acme.io' };
    const fromEnv = values((await inject(pod, [], env)).out)[0];
    const proxy = fromEnv.spec.containers.find((c: any) => c.name === 'proxy');
    expect(proxy).toMatchObject({ image: 'my-org/my-sidecar:9.9.9', ports: [{ name: 'http', containerPort: 15001 }] });
    expect(fromEnv.metadata.annotations).toEqual({ 'acme.io/status': 'injected', 'acme.io/version': '9.9.9' });
    const flagWins = values((await inject(pod, ['--sidecar-version', '1.0.0'], env)).out)[0];
    expect(flagWins.metadata.annotations['acme.io/version']).toBe('1.0.0');
  });

  describe('with SSM configured', () => {
    let ssm: FakeSsm;
    let client: SSMClient;
    const ssmEnv = { SSM_VERSION_PARAMETER: '/v', SSM_IMAGE_PARAMETER: '/i', AWS_REGION: TEST_REGION };
    beforeAll(async () => {
      ssm = await startFakeSsm({ '/v': '1.4.0', '/i': 'registry.example/proxy' });
      client = new SSMClient({ region: TEST_REGION, endpoint: ssm.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    });
    afterAll(async () => {
      client.destroy();
      await ssm.close();
    });

    it('takes the release from SSM in one GetParameters call, as the webhook does', async () => {
      const before = ssm.calls.length;
      const { code, out, err } = await run(['inject', '-f', 'p.yaml'], { 'p.yaml': pod }, ssmEnv, { ssmClient: client });
      expect(code).toBe(0);
      expect(sidecarsIn(values(out)[0])[0].image).toBe('registry.example/proxy:1.4.0');
      expect(ssm.calls.slice(before).map((c) => c.names)).toEqual([['/v', '/i']]);
      expect(err).toContain('release 1.4.0 (registry.example/proxy:1.4.0) from SSM /v, /i');
    });

    it('--sidecar-version works offline: SSM is not asked', async () => {
      const before = ssm.calls.length;
      const { code, out } = await run(['inject', '-f', 'p.yaml', '--sidecar-version', '1.0.0'], { 'p.yaml': pod }, ssmEnv, { ssmClient: client });
      expect(code).toBe(0);
      expect(sidecarsIn(values(out)[0])[0].image).toBe('my-org/my-sidecar:1.0.0');
      expect(ssm.calls.length).toBe(before);
    });

    it('exits 3 naming the parameters when SSM cannot give a release, and prints no manifest', async () => {
      const { code, out, err } = await run(['inject', '-f', 'p.yaml'], { 'p.yaml': pod }, { ...ssmEnv, SSM_VERSION_PARAMETER: '/absent' }, { ssmClient: client });
      expect(code).toBe(3);
      expect(out).toBe('');
      expect(err).toContain('sidecar-injector inject: sidecar release not loaded from SSM (/absent, /i)');
      expect(err).toContain('--sidecar-version');
    });
  });

  it('reads standard input with -f -', async () => {
    const { code, out, reads } = (await run(['inject', '-f', '-'], { '/dev/stdin': pod }));
    expect(code).toBe(0);
    expect(reads).toEqual(['/dev/stdin']);
    expect(sidecarsIn(values(out)[0])).toHaveLength(1);
  });

  it('leaves an opted-out pod byte for byte, with a note on stderr', async () => {
    const optOut = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: quiet # no sidecar here\n  labels:\n    sidecar-injection: enabled\n  annotations:\n    injector.my-company.com/inject: "false"\nspec:\n  containers:\n    - name: app\n      image: nginx\n`;
    const { code, out, err } = (await inject(optOut));
    expect(code).toBe(0);
    expect(out).toBe(optOut);
    expect(err).toContain('document 1: Pod/quiet: skipped: opt-out');
  });

  it('-h prints the usage and exits 0', async () => {
    const { code, out } = (await run(['-h']));
    expect(code).toBe(0);
    expect(out).toContain('Usage: sidecar-injector [options] [command]');
    expect(out).toMatch(/inject \[options\]/);
    expect(out).toMatch(/status \[options\]/);
  });
});

describe('inject on JSON', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'json-pod', labels: { 'sidecar-injection': 'enabled' } },
    spec: { containers: [{ name: 'app', image: 'nginx' }] },
  };

  it('JSON object in, JSON object out, idempotent', async () => {
    const { code, out } = (await inject(JSON.stringify(pod)));
    expect(code).toBe(0);
    const value = JSON.parse(out);
    expect(Array.isArray(value)).toBe(false);
    expect(sidecarsIn(value)).toHaveLength(1);
    expect(value.metadata.annotations).toEqual({ [STATUS]: 'injected', [VERSION]: '1.2.1' });
    expect((await inject(out)).out).toBe(out);
  });

  it('JSON array in, JSON array out, other objects untouched', async () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } };
    const { code, out } = (await inject(JSON.stringify([pod, configMap], null, 4)));
    expect(code).toBe(0);
    const value = JSON.parse(out);
    expect(value).toHaveLength(2);
    expect(sidecarsIn(value[0])).toHaveLength(1);
    expect(value[1]).toEqual(configMap);
    expect((await inject(out)).out).toBe(out);
  });

  it('a JSON Deployment gets its template injected', async () => {
    const deployment = parse(WORKLOADS.Deployment!.doc);
    const value = JSON.parse((await inject(JSON.stringify(deployment))).out);
    expect(sidecarsIn(value.spec.template)).toHaveLength(1);
  });
});

describe('inject errors', () => {
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n';

  it('reports bad YAML with the file name and document number, exit 1, nothing on stdout', async () => {
    const { code, out, err } = (await run(['inject', '-f', 'bad.yaml'], { 'bad.yaml': `${cm}---\n${cm}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n` }));
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/^sidecar-injector inject: bad\.yaml: document 3: /);
  });

  it('reports YAML that is not allowed (tabs, duplicate keys) as bad', async () => {
    expect((await inject('apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n'))).toMatchObject({ code: 1, out: '', err: expect.stringContaining('document 1') });
    expect((await inject('apiVersion: v1\nkind: Pod\nkind: Pod\n'))).toMatchObject({ code: 1, out: '', err: expect.stringContaining('document 1') });
  });

  it('names the standard input <stdin>', async () => {
    const { code, err } = (await run(['inject', '-f', '-'], { '/dev/stdin': 'a: [\n' }));
    expect(code).toBe(1);
    expect(err).toContain('<stdin>: document 1');
  });

  it('reports a malformed workload by document number, kind and name, exit 1', async () => {
    const { code, out, err } = (await inject(`${cm}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: broken\nspec:\n  replicas: 1\n`));
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain('manifests.yaml: document 2 (Deployment/broken): Deployment has no spec.template');
  });

  it('reports a pod whose containers are not a list, and a bad List item by index', async () => {
    const pod = (await inject('apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: {sidecar-injection: enabled}\nspec:\n  containers: {}\n'));
    expect(pod.code).toBe(1);
    expect(pod.err).toContain('document 1 (Pod/x)');
    expect(pod.err).toContain('spec.containers is not an array');
    const list = (await inject(`${cm}---\n${cm}---\napiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap}\n  - {apiVersion: v1, kind: Pod, metadata: {name: y, labels: {sidecar-injection: enabled}}, spec: {containers: 3}}\n`));
    expect(list.code).toBe(1);
    expect(list.err).toContain('document 3 (List): items[1]');
  });

  it('exits 2 without -f', async () => {
    const { code, err } = (await run(['inject']));
    expect(code).toBe(2);
    expect(err).toContain('-f FILE is required');
  });

  it.each([[['frobnicate', '-f', 'x']], [[]], [['inject', 'extra', '-f', 'x']], [['inject', '-f', 'x', '--bogus']], [['inject', '-f']]])('exits 2 with the usage for %j', async (args) => {
    const { code, out, err } = (await run(args, { x: WORKLOADS.Pod!.doc }));
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/error: |Usage: sidecar-injector/);
  });

  it('exits 2 when the file cannot be read', async () => {
    const { code, err } = (await run(['inject', '-f', 'missing.yaml']));
    expect(code).toBe(2);
    expect(err).toContain('missing.yaml: cannot read');
  });

  it('exits 2 naming the variable or flag value when the settings are bad', async () => {
    const env = (await inject(WORKLOADS.Pod!.doc, [], { SIDECAR_PORT: 'zero' }));
    expect(env.code).toBe(2);
    expect(env.err).toContain('SIDECAR_PORT');
    const flag = (await inject(WORKLOADS.Pod!.doc, ['--sidecar-version', 'not a tag']));
    expect(flag.code).toBe(2);
    expect(flag.err).toContain('not a tag');
  });
});

describe('YAML as Kubernetes reads it', () => {
  // Kubernetes reads manifests with a YAML 1.1 decoder (sigs.k8s.io/yaml over go-yaml v2), where
  // plain yes/no/on/off/y/n are booleans. The CLI writes changed documents as YAML 1.2 and drops
  // the quotes these strings need, so `kubectl apply` of its output fails (a label must be a string).
  it('keeps strings that YAML 1.1 reads as booleans quoted in a changed document', async () => {
    const pod = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    sidecar-injection: enabled\n    enabled: "yes"\n    tier: "on"\n    country: "NO"\nspec:\n  containers:\n    - name: app\n      image: nginx\n      env:\n        - name: FEATURE\n          value: "off"\n`;
    const { code, out } = (await inject(pod));
    expect(code).toBe(0);
    const asKubernetesReadsIt = parse(out, { version: '1.1' });
    expect(asKubernetesReadsIt.metadata.labels).toEqual({ 'sidecar-injection': 'enabled', enabled: 'yes', tier: 'on', country: 'NO' });
    expect(asKubernetesReadsIt.metadata.annotations[STATUS]).toBe('injected');
    expect(asKubernetesReadsIt.spec.containers[0].env[0].value).toBe('off');
  });

  // Unchanged documents are re-serialised by the yaml library, not copied from the input: a
  // sequence at its key's indentation (the style `kubectl get -o yaml` writes), spacing before a
  // comment, CRLF line ends and long plain scalars (folded at 80 columns) all come out changed.
  it('passes an unchanged document through byte for byte whatever its formatting', async () => {
    const configMap = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a   # aligned comment\n  finalizers:\n  - example.com/keep\ndata:\n  k: ${'word '.repeat(30).trim()}\n`;
    expect((await inject(configMap)).out).toBe(configMap);
  });
});

describe('the real bin (functions/cli/bin.mjs)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'injector-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function fileStdin(text: string): { fd: number } {
    const path = join(dir, `stdin-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, text);
    return { fd: openSync(path, 'r') };
  }

  it('reads standard input (a file, as with `< manifests.yaml`) with -f - and prints the injected manifest', async () => {
    const stdin = fileStdin(`${CONFIG_MAP}---\n${WORKLOADS.Deployment!.doc}`);
    try {
      const proc = startChild(['functions/cli/bin.mjs', 'inject', '-f', '-'], cleanEnv(), stdin);
      const { code } = await proc.exited;
      expect(proc.stderr()).toBe('sidecar-injector inject: <stdin>: document 2: Deployment/web: injected: my-sidecar added\nsidecar-injector inject: 1 injected; release 1.2.1 (my-org/my-sidecar:1.2.1) from defaults\n');
      expect(code).toBe(0);
      expect(proc.stdout().startsWith(`${CONFIG_MAP}---\n`)).toBe(true);
      const [, deployment] = values(proc.stdout());
      expect(sidecarsIn(deployment.spec.template)).toHaveLength(1);
    } finally {
      closeSync(stdin.fd);
    }
  });

  it('exits 1 on a bad document and 2 on bad usage', async () => {
    const stdin = fileStdin('a: [\n');
    try {
      const bad = startChild(['functions/cli/bin.mjs', 'inject', '-f', '-'], cleanEnv(), stdin);
      expect((await bad.exited).code).toBe(1);
      expect(bad.stderr()).toContain('<stdin>: document 1');
    } finally {
      closeSync(stdin.fd);
    }
    const usage = startChild(['functions/cli/bin.mjs', 'deploy'], cleanEnv());
    expect((await usage.exited).code).toBe(2);
  });

  // `-f -` opens /dev/stdin by path. When standard input is a socket rather than a pipe or a
  // file (a child spawned by Node with stdio 'pipe', an ssh session without a tty, ...), Linux
  // refuses that open with ENXIO and the command exits 2. Reading fd 0 works in every case.
  it('reads standard input when it is a socket (spawned from Node with stdio pipe)', async () => {
    const proc = startChild(['functions/cli/bin.mjs', 'inject', '-f', '-'], cleanEnv(), WORKLOADS.Pod!.doc);
    const { code } = await proc.exited;
    expect(proc.stderr()).toContain('Pod/solo: injected');
    expect(code).toBe(0);
    expect(sidecarsIn(values(proc.stdout())[0])).toHaveLength(1);
  });
});

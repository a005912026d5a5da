import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../functions/cli/main.ts';
import { memoryIo } from '../support/cli-io.ts';

// The CLI as a new user meets it (issue 11, part 5): the webhook's selection, several inputs and
// directories, -o, a report on stderr, unknown kinds and unrendered templates named, the tool's
// own version, completion, and one set of exit codes.

const SIDECAR = 'my-sidecar';
const LABEL = '    sidecar-injection: enabled\n';

async function run(args: string[], files: Record<string, string> = {}, env: Record<string, string | undefined> = {}) {
  const io = memoryIo(files);
  const code = await runCli(args, env, io);
  return { code, out: io.out, err: io.err };
}

const pod = (name: string, opts: { labelled?: boolean; namespace?: string; extra?: string } = {}) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n${opts.namespace ? `  namespace: ${opts.namespace}\n` : ''}  labels:\n    app: ${name}\n${opts.labelled === false ? '' : LABEL}spec:\n  containers:\n    - name: app\n      image: nginx:1.27\n${opts.extra ?? ''}`;

const docs = (text: string): any[] => parseAllDocuments(text).map((d) => d.toJS());
const hasSidecar = (podLike: any): boolean => [...(podLike.spec.containers ?? []), ...(podLike.spec.initContainers ?? [])].some((c: any) => c.name === SIDECAR);

describe('inject applies the webhook selection', () => {
  it('leaves an unlabelled pod alone and says why; --ignore-selection injects it', async () => {
    const files = { 'p.yaml': pod('plain', { labelled: false }) };
    const { code, out, err } = await run(['inject', '-f', 'p.yaml'], files);
    expect(code).toBe(0);
    expect(out).toBe(files['p.yaml']);
    expect(err).toContain("p.yaml: document 1: Pod/plain: not selected: the webhook's selectors do not match it (namespace default); --ignore-selection injects anyway");
    const forced = await run(['inject', '-f', 'p.yaml', '--ignore-selection'], files);
    expect(hasSidecar(docs(forced.out)[0])).toBe(true);
  });

  it('never injects kube-system (the stack excludes it), whether the namespace comes from the object or -n', async () => {
    const inObject = await run(['inject', '-f', 'p.yaml'], { 'p.yaml': pod('dns', { namespace: 'kube-system' }) });
    expect(hasSidecar(docs(inObject.out)[0])).toBe(false);
    expect(inObject.err).toContain('not selected');
    const byFlag = await run(['inject', '-f', 'p.yaml', '-n', 'kube-system'], { 'p.yaml': pod('dns') });
    expect(hasSidecar(docs(byFlag.out)[0])).toBe(false);
    const elsewhere = await run(['inject', '-f', 'p.yaml', '-n', 'shop'], { 'p.yaml': pod('web') });
    expect(hasSidecar(docs(elsewhere.out)[0])).toBe(true);
  });

  it('takes the selectors of a MutatingWebhookConfiguration manifest with --webhook-config', async () => {
    const config = `apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nmetadata:\n  name: sidecar-injector\nwebhooks:\n  - name: sidecar-injector.example.com\n    objectSelector:\n      matchExpressions:\n        - {key: mesh, operator: In, values: ["on"]}\n    namespaceSelector: {}\n`;
    const files = { 'wh.yaml': config, 'a.yaml': pod('a'), 'b.yaml': pod('b', { extra: '' }).replace('app: b', 'app: b\n    mesh: "on"') };
    const a = await run(['inject', '-f', 'a.yaml', '--webhook-config', 'wh.yaml'], files);
    expect(hasSidecar(docs(a.out)[0])).toBe(false);
    const b = await run(['inject', '-f', 'b.yaml', '--webhook-config', 'wh.yaml'], files);
    expect(hasSidecar(docs(b.out)[0])).toBe(true);
  });

  it('refuses a --webhook-config that is not one, naming the file, exit 2', async () => {
    const { code, out, err } = await run(['inject', '-f', 'a.yaml', '--webhook-config', 'cm.yaml'], { 'a.yaml': pod('a'), 'cm.yaml': 'kind: ConfigMap\n' });
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('--webhook-config cm.yaml: not a MutatingWebhookConfiguration');
  });
});

describe('inputs and output', () => {
  const tree = {
    'deploy/a.yaml': pod('a'),
    'deploy/b.json': JSON.stringify(docs(pod('b'))[0]),
    'deploy/README.md': '# not a manifest',
    'deploy/nested/c.yml': pod('c'),
    'single.yaml': pod('single'),
  };

  it('reads several -f in order, and a directory by its .yaml/.yml/.json files', async () => {
    const { code, out } = await run(['inject', '-f', 'single.yaml', '-f', 'deploy'], tree);
    expect(code).toBe(0);
    expect(docs(out).map((d) => d.metadata.name)).toEqual(['single', 'a', 'b']);
    expect(docs(out).every(hasSidecar)).toBe(true);
  });

  it('-R descends into subdirectories', async () => {
    const { out } = await run(['inject', '-R', '-f', 'deploy'], tree);
    expect(docs(out).map((d) => d.metadata.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses a directory without manifests, exit 2', async () => {
    const { code, err } = await run(['inject', '-f', 'docs'], { 'docs/x.md': '' });
    expect(code).toBe(2);
    expect(err).toContain('docs: the directory holds no .yaml, .yml or .json file');
  });

  it('-o json prints one object, or a List for several; -o yaml prints YAML for JSON input', async () => {
    const one = await run(['inject', '-f', 'single.yaml', '-o', 'json'], tree);
    expect(JSON.parse(one.out).kind).toBe('Pod');
    const several = await run(['inject', '-f', 'single.yaml', '-f', 'deploy/a.yaml', '-o', 'json'], tree);
    const list = JSON.parse(several.out);
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(list.items.map((i: any) => i.metadata.name)).toEqual(['single', 'a']);
    const yaml = await run(['inject', '-f', 'deploy/b.json', '-o', 'yaml'], tree);
    expect(docs(yaml.out)[0].metadata.name).toBe('b');
    expect(yaml.out.trimStart().startsWith('{')).toBe(false);
  });

  it('refuses -o with another format, exit 2', async () => {
    const { code, err } = await run(['inject', '-f', 'single.yaml', '-o', 'xml'], tree);
    expect(code).toBe(2);
    expect(err).toContain('Allowed choices are yaml, json');
  });
});

describe('what the report says', () => {
  it('names kinds it does not know, and injects the items of a typed list', async () => {
    const rollout = 'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: canary\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: nginx}]\n';
    const list = `apiVersion: apps/v1\nkind: DeploymentList\nitems:\n  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: web}\n    spec:\n      template:\n        metadata: {labels: {sidecar-injection: enabled}}\n        spec: {containers: [{name: app, image: nginx}]}\n`;
    const { code, out, err } = await run(['inject', '-f', 'm.yaml'], { 'm.yaml': `${rollout}---\n${list}` });
    expect(code).toBe(0);
    expect(err).toContain('document 1: Rollout/canary: unsupported kind: kind Rollout (argoproj.io/v1alpha1) is not a Pod or a workload this tool knows');
    expect(err).toContain('document 2: items[0] Deployment/web: injected');
    expect(err).toContain('1 injected, 1 unsupported');
    expect(hasSidecar(docs(out)[1].items[0].spec.template)).toBe(true);
  });

  it('shows the warnings the webhook would return', async () => {
    const clash = pod('clash', { extra: '      ports:\n        - containerPort: 8080\n' });
    const { code, err } = await run(['inject', '-f', 'c.yaml'], { 'c.yaml': clash });
    expect(code).toBe(0);
    expect(err).toContain('Pod/clash: warning: container "app" also declares port 8080');
  });

  it('refuses an unrendered Helm template with its line, exit 1, nothing on stdout', async () => {
    const helm = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {{replicas}}\n`;
    const { code, out, err } = await run(['inject', '-f', 'h.yaml'], { 'h.yaml': helm });
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain('h.yaml: document 1: line 6 looks like an unrendered template');
    // Lines count from the top of the file, as an editor shows them.
    const before = `${pod('a')}---\n${pod('b', { labelled: false })}---\n`;
    const third = await run(['inject', '-f', 'h.yaml'], { 'h.yaml': `${before}${helm.replace('{{replicas}}', '{{ .Values.n }}')}` });
    expect(third.code).toBe(1);
    expect(third.err).toContain(`document 3: line ${before.split('\n').length - 1 + 6} looks like an unrendered template`);
  });

  it('takes a quoted "{{ }}" as an ordinary string (Argo Workflows parameters)', async () => {
    const quoted = pod('argo').replace('app: argo', 'app: argo\n    step: "{{workflow.name}}"');
    const { code, out } = await run(['inject', '-f', 'q.yaml'], { 'q.yaml': quoted });
    expect(code).toBe(0);
    expect(docs(out)[0].metadata.labels.step).toBe('{{workflow.name}}');
  });
});

describe('the command line', () => {
  it('`version` and `--version` print the tool\'s version, never the sidecar\'s', async () => {
    const version = await run(['version']);
    expect(version).toMatchObject({ code: 0, out: expect.stringMatching(/^sidecar-injector \d+\.\d+\.\d+\n$/) });
    const flag = await run(['--version'], {}, { SIDECAR_VERSION: '9.9.9' });
    expect(flag.code).toBe(0);
    expect(flag.out).not.toContain('9.9.9');
  });

  it('the old `inject --version V` is refused with the new flag named, exit 2', async () => {
    const { code, out, err } = await run(['inject', '-f', 'p.yaml', '--version', '1.3.0'], { 'p.yaml': pod('a') });
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('--sidecar-version');
  });

  it('each subcommand has its own help', async () => {
    const inject = await run(['inject', '--help']);
    expect(inject.code).toBe(0);
    expect(inject.out).toContain('Usage: sidecar-injector inject [options]');
    expect(inject.out).toContain('--ignore-selection');
    const status = await run(['help', 'status']);
    expect(status.out).toContain('Usage: sidecar-injector status [options]');
    expect(status.out).toContain('Exit status: 0 converged, 1 pods outdated');
  });

  it('prints a bash completion script that bash accepts, with the subcommands and their flags', async () => {
    const { code, out } = await run(['completion', 'bash']);
    expect(code).toBe(0);
    expect(out).toContain('complete -o default -F _sidecar_injector_complete sidecar-injector');
    expect(out).toMatch(/compgen -W "inject status rollout version completion/);
    expect(out).toContain('--sidecar-version');
    expect(out).toContain('compgen -W "table wide json yaml"');
    const check = spawnSync('bash', ['-n'], { input: out });
    expect(check.status, check.stderr.toString()).toBe(0);
    const zsh = await run(['completion', 'zsh']);
    expect(zsh.out.startsWith('autoload -U +X bashcompinit && bashcompinit\n')).toBe(true);
    expect((await run(['completion', 'fish'])).code).toBe(2);
  });

  it('status: -A with -n is bad usage (2); no cluster to read is 3', async () => {
    expect((await run(['status', '-A', '-n', 'x', '--sidecar-version', '1.0.0'])).code).toBe(2);
    const none = await run(['status', '--sidecar-version', '1.0.0'], {}, { KUBECONFIG: '/nonexistent/kubeconfig' });
    expect(none.code).toBe(3);
    expect(none.err).toContain('sidecar-injector status: KUBECONFIG=/nonexistent/kubeconfig: none of its files exists');
  });
});

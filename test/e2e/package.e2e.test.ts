// The package as a platform team consumes it (issue 10, part 1): `npm pack` of this repository,
// installed from the tarball into a fresh CDK app outside it, and `cdk synth` of that app, whose
// code is the README's example (infra/examples/own-app.ts, which must be the README's text). The
// install prefers npm's cache (its tarballs are there after `npm ci`; the registry's package
// documents are not, so npm asks the registry for those, as any install does). The synth needs
// no network: no esbuild runs for the function (the package ships it prebuilt), no lock file is
// looked for, no Docker, and the app's cdk.json turns notices off.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, isCI, repoRoot } from './harness/index.ts';

const EXAMPLE = join(repoRoot, 'infra', 'examples', 'own-app.ts');
const version = (name: string): string => (JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const npmAvailable = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0;
if (!npmAvailable && isCI()) throw new Error('npm is not on PATH: the package test cannot run (CI=true, so this is a failure, not a skip)');

function run(command: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}): { status: number | null; out: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000, env: childEnv(env) });
  return { status: result.status, out: `${result.stdout}\n${result.stderr}` };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) out.push(...filesUnder(file));
    else out.push(file);
  }
  return out;
}

describe.skipIf(!npmAvailable)('the package installed from its tarball into a fresh CDK app', () => {
  let work: string;
  let app: string;
  let installed: string;
  let synth: { status: number | null; out: string };
  let driftSynth: { status: number | null; out: string };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sidecar-injector-package-'));
    const packed = run('npm', ['pack', '--pack-destination', work, '--silent'], repoRoot);
    expect(packed.status, packed.out).toBe(0);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball, packed.out).toBeDefined();

    app = join(work, 'app');
    cpSync(EXAMPLE, join(app, 'app.ts'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'platform-app', private: true, type: 'module' }, null, 2));
    writeFileSync(join(app, 'cdk.json'), JSON.stringify({ app: 'npx tsx app.ts', notices: false }, null, 2));
    const install = run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, tarball as string), `aws-cdk-lib@${version('aws-cdk-lib')}`, `constructs@${version('constructs')}`, `tsx@${version('tsx')}`],
      app,
    );
    expect(install.status, install.out).toBe(0);
    installed = join(app, 'node_modules', 'sidecar-injector');
    const cdk = (args: string[]) =>
      run(process.execPath, [join(repoRoot, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', ...args], app, {
        PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
        CDK_DISABLE_VERSION_CHECK: 'true',
      });
    synth = cdk(['-o', 'cdk.out']);
    // The drift check is the stack's second function: it must come prebuilt too.
    writeFileSync(
      join(app, 'drift-app.ts'),
      [
        "import { App, Stack } from 'aws-cdk-lib';",
        "import { SidecarInjector } from 'sidecar-injector';",
        'const app = new App();',
        "new SidecarInjector(new Stack(app, 'Drift'), 'SidecarInjector', {",
        `  driftClusterName: 'prod', driftClusterEndpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', driftClusterCertificateAuthority: '${Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64')}',`,
        '});',
        'app.synth();',
      ].join('\n'),
    );
    driftSynth = cdk(['--app', 'npx tsx drift-app.ts', '-o', 'cdk.out.drift']);
  }, 600_000);
  afterAll(() => {
    if (work && process.env.E2E_KEEP_RUNS !== '1') rmSync(work, { recursive: true, force: true });
  });

  it('the README shows the example this test synthesizes, word for word', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain(readFileSync(EXAMPLE, 'utf8').trim());
  });

  it('ships built JavaScript, types and the prebuilt handler; no TypeScript under dist, no tests or benchmarks', () => {
    const files = filesUnder(installed).map((f) => relative(installed, f));
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/types/infra/index.d.ts');
    expect(files).toContain('dist/handler/index.js');
    expect(files).toContain('dist/drift/index.js');
    expect(files).toContain('dist/cli/main.js');
    // No TypeScript at run time anywhere in the package: declarations only.
    expect(files.filter((f) => !f.startsWith('node_modules/') && (f.endsWith('.ts') || f.endsWith('.mts')) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('test/') || f.includes('/bench/') || f.endsWith('.test.ts'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, any>;
    expect(manifest.peerDependencies).toHaveProperty('aws-cdk-lib');
    expect(manifest.peerDependencies).toHaveProperty('constructs');
    expect(manifest.exports['.']).toEqual({ types: './dist/types/infra/index.d.ts', default: './dist/index.js' });
    expect(manifest.engines.node).toBeDefined();
  });

  it('cdk synth of the app succeeds offline, the function made from the shipped bundle', () => {
    expect(synth.status, synth.out).toBe(0);
    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'Platform.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: any; Metadata?: any }> };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description).startsWith('Kubernetes mutating admission webhook'));
    expect(functions).toHaveLength(1);
    const fn = functions[0]!;
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
    const asset = join(app, 'cdk.out', fn.Metadata['aws:asset:path']);
    expect(readdirSync(asset).sort()).toEqual(['index.js', 'index.js.map', 'sidecar-template.json']);
    expect(readFileSync(join(asset, 'index.js'))).toEqual(readFileSync(join(installed, 'dist', 'handler', 'index.js')));
    // The alarm topic passed as an ITopic receives the alarms.
    const alarms = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(JSON.stringify(alarm.Properties.AlarmActions)).toContain('Alarms');
  });

  it('the drift check\'s function is made from the shipped bundle too (no esbuild, no lock file)', () => {
    expect(driftSynth.status, driftSynth.out).toBe(0);
    const template = JSON.parse(readFileSync(join(app, 'cdk.out.drift', 'Drift.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: any; Metadata?: any }> };
    const drift = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description).startsWith('Sidecar injector drift check'));
    expect(drift, 'the drift function').toBeDefined();
    const asset = join(app, 'cdk.out.drift', drift!.Metadata['aws:asset:path']);
    expect(readFileSync(join(asset, 'index.js'))).toEqual(readFileSync(join(installed, 'dist', 'drift', 'index.js')));
    expect(readdirSync(asset)).toContain('sidecar-template.json');
  });

  it('the sidecar-injector command runs the built JavaScript: version, and inject from stdin', () => {
    const bin = join(app, 'node_modules', '.bin', 'sidecar-injector');
    const version = spawnSync(process.execPath, [bin, 'version'], { cwd: app, encoding: 'utf8', env: childEnv({}) });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(`sidecar-injector ${(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version}`);
    const pod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
    const injected = spawnSync(process.execPath, [bin, 'inject', '-f', '-', '-o', 'json', '--ignore-selection'], { cwd: app, encoding: 'utf8', input: pod, env: childEnv({}) });
    expect(injected.status, injected.stderr).toBe(0);
    const out = JSON.parse(injected.stdout) as { spec: { containers: Array<{ name: string }> } };
    expect(out.spec.containers.map((c) => c.name)).toContain('my-sidecar');
  });
});

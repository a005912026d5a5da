// cfn-lint (AWS's CloudFormation linter, from the project venv) on the templates `cdk synth`
// writes (issue 4, scenario 8): no errors, in the default configuration and in two others that
// switch on most of what the stack can add (restricted regional endpoint, native sidecars,
// the logging role, an ECR sidecar checked before it is served, the drift check with its
// EventBridge rules and EKS access entry; a private endpoint with WAF, provisioned concurrency, KMS, alarms to SNS and
// the EKS apply with its nested kubectl provider stack). Synth runs offline, as a user runs it
// (`npx cdk synth --quiet -o <dir>`, bundling the function with the local esbuild).
//
// Warnings are allowed only if listed here, so a new one shows up as a failure to look at:
//   - W3005 on the function's role: aws-cdk-lib's NodejsFunction adds an explicit DependsOn on
//     its role that a GetAtt already implies; harmless, and not ours to change.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cfnLintPath, repoRoot, requireParts } from './harness/index.ts';

const gate = requireParts(['cfn-lint']);

const KNOWN_WARNINGS = new Set(['W3005']);

interface LintMatch {
  Level: string;
  Rule: { Id: string };
  Message: string;
  Filename: string;
  Location: { Path: Array<string | number> };
}

const VARIANTS: Array<{ name: string; context: Record<string, string> }> = [
  { name: 'default settings (cdk.json)', context: {} },
  {
    name: 'regional, source CIDRs, path token, native sidecar, logging role, ECR release check, drift check',
    context: {
      allowedSourceCidrs: '203.0.113.10/32,203.0.113.11/32',
      pathToken: 'e2e-path-token-0123456789',
      nativeSidecar: 'true',
      upgradeOnUpdate: 'true',
      createApiGatewayLoggingRole: 'true',
      sidecarImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/sidecar',
      releasePlatforms: 'linux/amd64,linux/arm64',
      driftClusterName: 'demo',
      driftClusterEndpoint: 'https://0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com',
      driftClusterCertificateAuthority: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64'),
    },
  },
  {
    name: 'private endpoint, own WAF (firewall off), fail-open, provisioned concurrency, KMS, SNS alarms, EKS apply',
    context: {
      endpointMode: 'private',
      vpcEndpointIds: 'vpce-0abc1234def567890',
      pathToken: 'abcdefghijklmnop1234',
      provisionedConcurrency: '1',
      reservedConcurrency: '5',
      alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
      eksClusterName: 'demo',
      eksKubectlRoleArn: 'arn:aws:iam::123456789012:role/kubectl',
      eksKubectlLayerArn: 'arn:aws:lambda:us-east-1:123456789012:layer:kubectl:1',
      createParameters: 'false',
      parameterKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      firewall: 'false',
      webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/acl/a1b2c3d4-5678-90ab-cdef-123456789012',
      failOpen: 'true',
      failurePolicy: 'Ignore',
    },
  },
];

describe.skipIf(gate.skip)(`cfn-lint on the synthesized templates${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  for (const variant of VARIANTS) {
    it(`${variant.name}: no errors, only known warnings`, { timeout: 240_000 }, () => {
      const out = mkdtempSync(join(tmpdir(), 'e2e-synth-'));
      dirs.push(out);
      const contextArgs = Object.entries(variant.context).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
      const synth = spawnSync('npx', ['cdk', 'synth', '--quiet', '-o', out, ...contextArgs], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 180_000,
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
      });
      expect(synth.status, `cdk synth failed:\n${synth.stderr}`).toBe(0);
      const templates = readdirSync(out).filter((f) => f.endsWith('.template.json'));
      expect(templates).toContain('SidecarInjector.template.json');

      const lint = spawnSync(cfnLintPath(), ['--format', 'json', ...templates.map((t) => join(out, t))], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      // Exit status is a bit mask (2 errors, 4 warnings, 8 informational); the JSON says what.
      expect(lint.error).toBeUndefined();
      let matches: LintMatch[];
      try {
        matches = JSON.parse(lint.stdout) as LintMatch[];
      } catch {
        throw new Error(`cfn-lint gave no JSON (status ${lint.status}):\n${lint.stdout}\n${lint.stderr}`);
      }
      const show = (m: LintMatch): string => `${m.Rule.Id} ${m.Filename.replace(out, '')} ${m.Location.Path.join('/')}: ${m.Message}`;
      expect(matches.filter((m) => m.Level === 'Error').map(show)).toEqual([]);
      expect(matches.filter((m) => m.Level === 'Warning' && !KNOWN_WARNINGS.has(m.Rule.Id)).map(show)).toEqual([]);
    });
  }
});

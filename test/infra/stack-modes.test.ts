import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, NestedStack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SettingsError } from '../../infra/settings/settings.ts';
import { OUTPUTS, SidecarInjectorStack } from '../../infra/stack/sidecar-injector-stack.ts';
import { onlyLogicalId, resolveAtDeploy, synthesize, type Synthesized } from './support/synth.ts';

// Two synthesized variants (without bundling: the default test covers the bundle), chosen so
// that between them every optional branch of the stack is built once.

const TOKEN = 'k3Jx9_QwErTy-UiOp1234567';
const KMS_KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:webhook-alarms';
const WEB_ACL = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/webhook/a1b2c3d4-5678-90ab-cdef-1234567890ab';
const VPCE = ['vpce-0123456789abcdef0', 'vpce-0fedcba9876543210'];

function policyStatements(template: Template): unknown[] {
  const api = Object.values(template.findResources('AWS::ApiGateway::RestApi'))[0]!;
  return api.Properties.Policy.Statement;
}

const GENERATED = 'G3n3rat3dAtD3ploy0123456789abcdefghijklmnopqrstuv';

/** The generated token's deploy-time value, when the stack generates one. */
function generatedToken(s: Synthesized): Record<string, string> {
  const readers = Object.keys(s.template.findResources('Custom::AWS'));
  return readers.length === 1 ? { [`${readers[0]}.SecretString`]: GENERATED } : {};
}

function deployedYaml(s: Synthesized): { webhooks: Array<{ clientConfig: { url: string }; rules: Array<{ operations: string[] }>; namespaceSelector: unknown }> } {
  const refs = {
    ...generatedToken(s),
    [onlyLogicalId(s.template, 'AWS::ApiGateway::RestApi')]: 'a1b2c3d4e5',
    [onlyLogicalId(s.template, 'AWS::ApiGateway::Stage')]: 'prod',
    'AWS::Region': 'eu-west-1',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  return parse(resolveAtDeploy(s.template.toJSON().Outputs[OUTPUTS.yaml].Value, refs));
}

describe('source-CIDR restriction, path token, existing SecureString parameters, concurrency, alarm topic, WAF', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize(
      {
        allowedSourceCidrs: ['203.0.113.10/32', '198.51.100.0/24'],
        pathToken: TOKEN,
        createParameters: false,
        versionParameterName: 'sidecar-version',
        imageParameterName: '/platform/sidecar/image',
        parameterKmsKeyArn: KMS_KEY,
        reservedConcurrency: 20,
        provisionedConcurrency: 2,
        alarmTopicArn: TOPIC,
        firewall: false,
        webAclArn: WEB_ACL,
        createApiGatewayLoggingRole: true,
        logRetentionDays: 90,
        memorySize: 512,
      },
      { bundle: false },
    );
  }, 120_000);
  afterAll(() => s && rmSync(s.directory, { recursive: true, force: true }));

  it('allows only the webhook route, and denies every source outside the CIDRs', () => {
    expect(s.stack.restriction).toBe('source-cidrs');
    expect(policyStatements(s.template)).toEqual([
      { Sid: 'AllowAdmissionReviews', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/prod/POST/mutate/*' },
      {
        Sid: 'DenyOutsideSourceCidrs',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'execute-api:Invoke',
        Resource: 'execute-api:/*',
        Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.10/32', '198.51.100.0/24'] } },
      },
    ]);
    s.template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
  });

  it('does not warn about an open endpoint', () => {
    Annotations.fromStack(s.stack).hasNoWarning('*', Match.stringLikeRegexp('OPEN TO THE INTERNET'));
  });

  it('routes POST /mutate/{token}, gives the configured token to the function and puts it in the URL; no secret is generated', () => {
    s.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{token}', ParentId: { Ref: Match.anyValue() } });
    s.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    s.template.resourceCountIs('Custom::AWS', 0);
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WEBHOOK_PATH_TOKEN: TOKEN, SSM_WITH_DECRYPTION: 'true', SSM_VERSION_PARAMETER: 'sidecar-version' }) },
      MemorySize: 512,
      ReservedConcurrentExecutions: 20,
    });
    expect(deployedYaml(s).webhooks[0]!.clientConfig.url).toBe(`https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/mutate/${TOKEN}`);
  });

  it('references the existing parameters and may decrypt them, and only them, with the given key', () => {
    s.template.resourceCountIs('AWS::SSM::Parameter', 0);
    const arn = (path: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:parameter/${path}`]],
    });
    const role = Object.values(s.template.findResources('AWS::IAM::Role'))[0]!;
    const statements = role.Properties.Policies[0].PolicyDocument.Statement;
    expect(statements.slice(1)).toEqual([
      {
        Sid: 'ReadSidecarRelease',
        Effect: 'Allow',
        Action: 'ssm:GetParameters',
        Resource: expect.arrayContaining([arn('sidecar-version'), arn('platform/sidecar/image'), arn('sidecar-injector/canary')]),
      },
      {
        Sid: 'DecryptSidecarRelease',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KMS_KEY,
        Condition: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': [arn('sidecar-version'), arn('platform/sidecar/image'), arn('sidecar-injector/canary')] } },
      },
    ]);
    expect(statements[1].Resource).toHaveLength(3);
  });

  it('keeps provisioned environments on the live alias', () => {
    s.template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } });
  });

  it('sends every alarm and its recovery to the topic', () => {
    const alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm'));
    // No firewall here (firewall=false, own web ACL): no firewall alarms; ReleaseRefused (verifyRelease is on).
    expect(alarms).toHaveLength(9);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([TOPIC]);
      expect(alarm.Properties.OKActions).toEqual([TOPIC]);
    }
  });

  it('associates the operator\'s web ACL with the stage instead of creating one, and keeps logs 90 days', () => {
    s.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    s.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: WEB_ACL,
      ResourceArn: { 'Fn::Join': ['', Match.arrayWith([{ Ref: onlyLogicalId(s.template, 'AWS::ApiGateway::RestApi') }])] },
    });
    for (const group of Object.values(s.template.findResources('AWS::Logs::LogGroup'))) expect(group.Properties.RetentionInDays).toBe(90);
  });

  it('sets the account\'s API Gateway logging role, and keeps it when the stack goes', () => {
    const account = Object.values(s.template.findResources('AWS::ApiGateway::Account'));
    expect(account).toHaveLength(1);
    expect(account[0]!.DeletionPolicy).toBe('Retain');
    const roleId = account[0]!.Properties.CloudWatchRoleArn['Fn::GetAtt'][0];
    const role = s.template.toJSON().Resources[roleId];
    expect(role.DeletionPolicy).toBe('Retain');
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'apigateway.amazonaws.com' });
  });

  it('concurrency alarm at 80% of the reserved 20', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ConcurrentExecutions', Threshold: 16 });
  });

  it('cdk-nag: no finding left, and WAF no longer acknowledged', () => {
    expect(s.nag.violations).toEqual([]);
    expect(s.nag.suppressedViolations.map((v) => v.ruleName.replace(/\[.*$/, '')).sort()).toEqual(['AwsSolutions-APIG4', 'AwsSolutions-APIG6', 'AwsSolutions-COG4', 'AwsSolutions-IAM4']);
  });
});

describe('private endpoint through VPC endpoints, applied to EKS, UPDATE intercepted', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize(
      {
        endpointMode: 'private',
        vpcEndpointIds: VPCE,
        urlVpcEndpointId: VPCE[1],
        upgradeOnUpdate: true,
        namespaceSelector: { matchLabels: { team: 'payments' } },
        eksClusterName: 'prod-cluster',
        eksKubectlRoleArn: 'arn:aws:iam::123456789012:role/eks-admin',
        eksKubectlLayerArn: 'arn:aws:lambda:eu-west-1:123456789012:layer:kubectl-v34:3',
      },
      { bundle: false },
    );
  }, 120_000);
  afterAll(() => s && rmSync(s.directory, { recursive: true, force: true }));

  it('is a PRIVATE API attached to the VPC endpoints, denying calls from anywhere else', () => {
    expect(s.stack.restriction).toBe('vpc-endpoints');
    s.template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['PRIVATE'], VpcEndpointIds: VPCE } });
    expect(policyStatements(s.template)).toEqual([
      { Sid: 'AllowAdmissionReviews', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/prod/POST/mutate/*' },
      {
        Sid: 'DenyOutsideVpcEndpoints',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'execute-api:Invoke',
        Resource: 'execute-api:/*',
        Condition: { StringNotEquals: { 'aws:SourceVpce': VPCE } },
      },
    ]);
  });

  it('calls the endpoint-specific hostname of the chosen VPC endpoint', () => {
    expect(deployedYaml(s).webhooks[0]!.clientConfig.url).toBe(`https://a1b2c3d4e5-${VPCE[1]}.execute-api.eu-west-1.amazonaws.com/prod/mutate/${GENERATED}`);
  });

  it('intercepts UPDATE as well, and ANDs the namespace selector with the exclusions', () => {
    const webhook = deployedYaml(s).webhooks[0]!;
    expect(webhook.rules[0]!.operations).toEqual(['CREATE', 'UPDATE']);
    expect(webhook.namespaceSelector).toEqual({
      matchLabels: { team: 'payments' },
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease'] }],
    });
    s.template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ UPGRADE_ON_UPDATE: 'true' }) } });
  });

  it('applies the same manifest, URL resolved at deploy, with kubectl as the given role', () => {
    const resources = Object.values(s.template.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
    expect(resources).toHaveLength(1);
    const props = resources[0]!.Properties;
    expect(props.ClusterName).toBe('prod-cluster');
    expect(props.RoleArn).toBe('arn:aws:iam::123456789012:role/eks-admin');
    expect(props.Overwrite).toBe(true);
    const manifest = JSON.parse(
      resolveAtDeploy(props.Manifest, {
        ...generatedToken(s),
        [onlyLogicalId(s.template, 'AWS::ApiGateway::RestApi')]: 'a1b2c3d4e5',
        [onlyLogicalId(s.template, 'AWS::ApiGateway::Stage')]: 'prod',
        'AWS::Region': 'eu-west-1',
        'AWS::URLSuffix': 'amazonaws.com',
      }),
    );
    expect(manifest).toEqual([deployedYaml(s)]);
  });

  it('runs kubectl from the given layer, in aws-cdk-lib\'s provider nested stack', () => {
    const provider = s.stack.node.findAll().find((c): c is NestedStack => c instanceof NestedStack);
    expect(provider).toBeDefined();
    Template.fromStack(provider!).hasResourceProperties('AWS::Lambda::Function', {
      Layers: Match.arrayWith(['arn:aws:lambda:eu-west-1:123456789012:layer:kubectl-v34:3']),
    });
  });

  it('cdk-nag: no finding left; the kubectl provider\'s findings are acknowledged as aws-cdk-lib\'s', () => {
    expect(s.nag.violations).toEqual([]);
    const provider = s.nag.suppressedViolations.filter((v) => v.violatingConstructs.some((c) => c.constructPath.includes('KubectlProvider')));
    expect(provider.map((v) => v.ruleName.replace(/\[.*$/, '')).sort()).toEqual(['AwsSolutions-IAM4', 'AwsSolutions-IAM4', 'AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1']);
    for (const v of s.nag.suppressedViolations) expect(v.reason).toMatch(/\w{4,}.{40,}/);
  });
});

const tsxBin = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const appEntry = fileURLToPath(new URL('../../infra/app.ts', import.meta.url));

describe('bad settings and the console', () => {
  it('stop the stack before anything is built, with every problem listed', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new SidecarInjectorStack(app, 'Bad', { settings: { memorySize: 1, allowedSourceCidrs: ['everyone'] } })).toThrow(SettingsError);
    expect(app.node.children).toHaveLength(0);
  });

  it('an open endpoint without the firewall makes `cdk synth` (infra/app.ts) print the warning on the console, and still synthesize', () => {
    const out = mkdtempSync(join(tmpdir(), 'cdk-app-'));
    try {
      const result = spawnSync(tsxBin, [appEntry], {
        encoding: 'utf8',
        env: { ...process.env, CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], firewall: 'false' }) },
      });
      expect(result.status).toBe(0);
      expect(result.stderr).toContain('[WARNING] SidecarInjector: the webhook endpoint is OPEN TO THE INTERNET');
      expect(readdirSync(out)).toContain('SidecarInjector.template.json');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('a web ACL of one\'s own with the firewall on, and fail-open with Fail, stop the stack naming the keys', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    let error: unknown;
    try {
      new SidecarInjectorStack(app, 'Bad', { settings: { webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/own/a1b2c3d4-5678-90ab-cdef-1234567890ab', failOpen: true } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems).toEqual([
      expect.stringContaining('webAclArn is set but firewall is true'),
      expect.stringContaining('failOpen=true renders failurePolicy Ignore'),
    ]);
  });

  it('make `cdk synth` (infra/app.ts) exit 1 with the message, context from -c', () => {
    const out = mkdtempSync(join(tmpdir(), 'cdk-app-'));
    try {
      // The CDK CLI hands -c values to the app as strings in CDK_CONTEXT_JSON.
      const result = spawnSync(tsxBin, [appEntry], {
        encoding: 'utf8',
        env: { ...process.env, CDK_OUTDIR: out, CDK_CONTEXT_JSON: JSON.stringify({ webhookTimeoutSeconds: '45', failurePolicy: 'Sometimes' }) },
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('Invalid sidecar-injector settings');
      expect(result.stderr).toContain('webhookTimeoutSeconds=45 must be a whole number from 1 to 30');
      expect(result.stderr).toContain('failurePolicy "Sometimes" must be one of Fail, Ignore');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

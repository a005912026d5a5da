import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultFragment } from '../../functions/core/template/pod-fragment.ts';
import { functionEnvironment } from '../../infra/settings/function-environment.ts';
import { resolveSettings } from '../../infra/settings/resolve.ts';
import { OUTPUTS } from '../../infra/stack/sidecar-injector-stack.ts';
import { renderWebhookConfiguration } from '../../infra/webhook-config/render.ts';
import { onlyLogicalId, resolveAtDeploy, synthesize, type Synthesized } from './support/synth.ts';

// The one synthesis that bundles the function with esbuild: default settings, as a first
// `cdk deploy` without context would produce.
let s: Synthesized;
beforeAll(() => {
  s = synthesize({}, { bundle: true });
}, 120_000);
afterAll(() => s && rmSync(s.directory, { recursive: true, force: true }));

const ref = (template: Synthesized['template'], type: string) => ({ Ref: onlyLogicalId(template, type) });

/** The webhook's bundle: the asset directory the function's code points at (aws-cdk-lib's custom resource has its own). */
function webhookAssetDir(): string {
  const key = String(webhookFunction().Properties.Code.S3Key);
  const dir = `asset.${key.replace(/\.zip$/, '')}`;
  expect(statSync(join(s.directory, dir)).isDirectory()).toBe(true);
  return dir;
}

describe('the function', () => {
  it('runs Node.js 24 on arm64 with the chosen memory and timeout', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 7,
      Handler: 'index.handler',
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.anyValue() } },
    });
  });

  it('gets exactly the environment of the contract, release from SSM, token generated at deploy', () => {
    const fn = webhookFunction();
    const { WEBHOOK_PATH_TOKEN, ...rest } = fn.Properties.Environment.Variables;
    expect(rest).toEqual({ ...functionEnvironment(resolveSettings({}), 'my-sidecar'), NODE_OPTIONS: '--enable-source-maps' });
    expect(WEBHOOK_PATH_TOKEN).toEqual({ 'Fn::GetAtt': [onlyLogicalId(s.template, 'Custom::AWS'), 'SecretString'] });
  });

  it('reserves 100 concurrent executions: the ceiling on the bill, and protection for the account\'s other functions', () => {
    expect(webhookFunction().Properties.ReservedConcurrentExecutions).toBe(100);
  });

  it('is one minified CommonJS file with the AWS SDK inside, and a source map', () => {
    const dir = join(s.directory, webhookAssetDir());
    expect(readdirSync(dir).sort()).toEqual(['index.js', 'index.js.map', 'sidecar-template.json']);
    // The template the function reads at start: the built-in one, validated at synth.
    expect(JSON.parse(readFileSync(join(dir, 'sidecar-template.json'), 'utf8'))).toEqual(defaultFragment());
    const bundle = readFileSync(join(dir, 'index.js'), 'utf8');
    expect(bundle).toMatch(/module\.exports\s*=/);
    expect(bundle).not.toMatch(/^\s*import\s|\bimport\.meta\b/m);
    // Nothing is loaded from node_modules at run time: required modules are Node built-ins only
    // (the SDK's optional CRT signer stays a guarded require, as the SDK intends).
    const specifiers = [...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!);
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((specifier) => !specifier.startsWith('node:') && specifier !== '@aws-sdk/signature-v4-crt')).toEqual([]);
    // The SSM client is inside (its service model), not left to the runtime's SDK.
    expect(bundle.includes('ssm#AccessDeniedException')).toBe(true);
    expect(bundle.endsWith('//# sourceMappingURL=index.js.map\n')).toBe(true);
    // Minified: a few very long lines (the remaining newlines are inside template literals and licence notes).
    expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(2000);
  });

  it('loads as CommonJS on Node, as Lambda loads index.js, and answers a request (here a 400 for a body that is not JSON)', () => {
    const dir = webhookAssetDir();
    // Copied to a .cjs name so no package.json "type" above the assembly can change how it loads.
    const copy = join(s.directory, dir, 'copy-for-test.cjs');
    copyFileSync(join(s.directory, dir, 'index.js'), copy);
    const script = [
      `const { handler } = require(${JSON.stringify(copy)});`,
      `const event = { httpMethod: 'POST', path: '/mutate/${DEPLOYED.token}', resource: '/mutate/{token}', headers: { 'content-type': 'application/json' }, body: 'not json', isBase64Encoded: false, requestContext: {} };`,
      "const context = { functionName: 'f', functionVersion: '1', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:f', memoryLimitInMB: '1024', awsRequestId: 'r', getRemainingTimeInMillis: () => 5000 };",
      'handler(event, context).then((r) => process.stdout.write(JSON.stringify(r) + "\\n"));',
    ].join('\n');
    const fn = webhookFunction();
    const result = spawnSync(process.execPath, ['--input-type=commonjs', '-e', script], {
      encoding: 'utf8',
      // The token as CloudFormation resolves it at deploy; LAMBDA_TASK_ROOT as Lambda sets it (the
      // unpacked bundle, where the function finds its template).
      env: {
        PATH: process.env.PATH ?? '',
        ...fn.Properties.Environment.Variables,
        WEBHOOK_PATH_TOKEN: DEPLOYED.token,
        AWS_REGION: 'eu-west-1',
        LAMBDA_TASK_ROOT: join(s.directory, dir),
      },
    });
    expect(result.status, result.stderr.slice(0, 2000)).toBe(0);
    // The function's own structured log of the refusal (Powertools writes warnings to stderr).
    expect(result.stderr).toContain('"message":"request failed with 400: body is not valid JSON');
    const lines = result.stdout.trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1]!)).toMatchObject({ statusCode: 400 });
    // Powertools wrote its EMF metrics in the namespace the alarms and dashboard read.
    expect(result.stdout).toContain('"Namespace":"SidecarInjector"');
  });

  it('is called through the live alias, without provisioned concurrency by default', () => {
    s.template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live', ProvisionedConcurrencyConfig: Match.absent() });
  });
});

describe('IAM', () => {
  it('the role may write its own logs and read the release parameters (version, image, canary), nothing else', () => {
    const role = s.template.toJSON().Resources[webhookFunction().Properties.Role['Fn::GetAtt'][0]];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    const parameterArn = (logicalId: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter', { Ref: logicalId }]],
    });
    const [version, image, canary] = ['/sidecar-injector/version', '/sidecar-injector/image', '/sidecar-injector/canary'].map(
      (name) => Object.entries(s.template.findResources('AWS::SSM::Parameter', { Properties: { Name: name } }))[0]![0],
    );
    expect(role.Properties.Policies).toEqual([
      {
        PolicyName: 'WebhookFunction',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'WriteOwnLogs',
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Resource: { 'Fn::GetAtt': [onlyLogicalIdOfFunctionLogs(), 'Arn'] },
            },
            // Either order: the feature flags of cdk.json let the CDK sort a statement's resources.
            {
              Sid: 'ReadSidecarRelease',
              Effect: 'Allow',
              Action: 'ssm:GetParameters',
              Resource: expect.arrayContaining([parameterArn(version!), parameterArn(image!), parameterArn(canary!)]),
            },
          ],
        },
      },
    ]);
    expect(role.Properties.Policies[0].PolicyDocument.Statement[1].Resource).toHaveLength(3);
    // The one other policy: aws-cdk-lib's custom resource may read the path token's secret, nothing else.
    const policies = Object.values(s.template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    expect(policies[0]!.Properties.PolicyDocument.Statement).toEqual([
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: onlyLogicalId(s.template, 'AWS::SecretsManager::Secret') } },
    ]);
  });

  it('API Gateway may invoke only the alias, only for POST on the webhook route', () => {
    const permissions = Object.values(s.template.findResources('AWS::Lambda::Permission'));
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties.FunctionName).toEqual(ref(s.template, 'AWS::Lambda::Alias'));
    expect(JSON.stringify(permissions[0]!.Properties.SourceArn)).toMatch(/\/",\{"Ref":"[^"]+"\},"\/POST\/mutate\/\*"/);
  });
});

/** The webhook function (the stack also has aws-cdk-lib's custom resource function). */
function webhookFunction(): { Properties: Record<string, any> } {
  return Object.values(s.template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x', Architectures: ['arm64'] } }))[0]! as never;
}

function onlyLogicalIdOfFunctionLogs(): string {
  const fn = webhookFunction();
  return fn.Properties.LoggingConfig.LogGroup.Ref as string;
}

describe('the endpoint (public, behind the firewall and the generated path token)', () => {
  it('is a regional REST API without a resource policy', () => {
    s.template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] }, Policy: Match.absent() });
  });

  it('does not warn: the public URL is guarded by the firewall', () => {
    expect(s.stack.restriction).toBe('open');
    Annotations.fromStack(s.stack).hasNoWarning('*', Match.stringLikeRegexp('OPEN TO THE INTERNET'));
  });

  it('generates the path token at deploy in Secrets Manager: 48 letters and digits, never in the template', () => {
    s.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true, IncludeSpace: false, RequireEachIncludedType: true },
    });
    const reader = Object.values(s.template.findResources('Custom::AWS'))[0]!;
    const create = JSON.parse(JSON.stringify(reader.Properties.Create).replace(/\{"Ref":"[^"]+"\}/g, '"<secret>"'));
    expect(JSON.stringify(create)).toContain('getSecretValue');
    expect(reader.Properties.Update).toEqual(reader.Properties.Create);
    expect(reader.Properties.InstallLatestAwsSdk).toBe(false);
    // The custom resource's log hides the response (the token).
    expect(JSON.stringify(reader.Properties.Create)).toContain('\\"logApiResponseData\\":false');
  });

  it('puts a web ACL before the stage: only POST .../mutate/<token> passes, 404 otherwise, a per-source limit of half the stage rate', () => {
    const acl = Object.values(s.template.findResources('AWS::WAFv2::WebACL'))[0]!.Properties;
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.DefaultAction).toEqual({ Block: { CustomResponse: { ResponseCode: 404 } } });
    expect(acl.Rules.map((r: { Name: string; Priority: number }) => [r.Priority, r.Name])).toEqual([[0, 'PerSourceRateLimit'], [1, 'WebhookPathWithToken']]);
    const [limit, allow] = acl.Rules;
    expect(limit.Action).toEqual({ Block: { CustomResponse: { ResponseCode: 429 } } });
    expect(limit.Statement.RateBasedStatement).toMatchObject({ AggregateKeyType: 'IP', EvaluationWindowSec: 60, Limit: 15000 });
    expect(limit.Statement.RateBasedStatement.ScopeDownStatement).toEqual(allow.Statement);
    const token = { 'Fn::GetAtt': [onlyLogicalId(s.template, 'Custom::AWS'), 'SecretString'] };
    expect(allow.Statement.AndStatement.Statements).toEqual([
      { ByteMatchStatement: { FieldToMatch: { Method: {} }, PositionalConstraint: 'EXACTLY', SearchString: 'POST', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
      { ByteMatchStatement: { FieldToMatch: { UriPath: {} }, PositionalConstraint: 'ENDS_WITH', SearchString: { 'Fn::Join': ['', ['/mutate/', token]] }, TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
    ]);
    // Sampled requests would show URIs, which hold the token.
    for (const config of [acl.VisibilityConfig, ...acl.Rules.map((r: { VisibilityConfig: unknown }) => r.VisibilityConfig)]) expect(config.SampledRequestsEnabled).toBe(false);
    s.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: { 'Fn::GetAtt': [onlyLogicalId(s.template, 'AWS::WAFv2::WebACL'), 'Arn'] } });
  });

  it('has one POST /mutate/{token} route, proxied with the integration timeout, body validated', () => {
    s.template.resourceCountIs('AWS::ApiGateway::Method', 1);
    s.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'mutate' });
    s.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{token}' });
    s.template.resourceCountIs('AWS::ApiGateway::Resource', 2);
    s.template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'NONE',
      Integration: { Type: 'AWS_PROXY', TimeoutInMillis: 9000, Uri: { 'Fn::Join': ['', Match.arrayWith([ref(s.template, 'AWS::Lambda::Alias')])] } },
      RequestValidatorId: ref(s.template, 'AWS::ApiGateway::RequestValidator'),
      RequestModels: { 'application/json': ref(s.template, 'AWS::ApiGateway::Model') },
    });
    s.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true });
    s.template.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: Match.objectLike({ required: ['apiVersion', 'kind', 'request'] }),
    });
  });

  it('throttles the stage at the capacity model\'s rate and writes access logs without the token, leaving the account\'s logging role alone', () => {
    s.template.resourceCountIs('AWS::ApiGateway::Account', 0);
    s.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: [Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 })],
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('sourceIp') },
    });
    const stage = Object.values(s.template.findResources('AWS::ApiGateway::Stage'))[0]!;
    // The destination is the endpoint's own access log group (as GetAtt, or as an ARN joined from its name under the feature flags).
    const accessLogGroup = Object.keys(s.template.findResources('AWS::Logs::LogGroup')).find((id) => id.startsWith('EndpointAccessLogs'));
    expect(JSON.stringify(stage.Properties.AccessLogSetting.DestinationArn)).toContain(accessLogGroup);
    const format = JSON.parse(stage.Properties.AccessLogSetting.Format);
    expect(format.resourcePath).toBe('$context.resourcePath');
    expect(Object.values(format)).not.toContain('$context.path');
    expect(format.status).toBe('$context.status');
  });

  it('keeps the timeout chain: function < integration < webhook', () => {
    const fn = webhookFunction();
    const method = Object.values(s.template.findResources('AWS::ApiGateway::Method'))[0]!;
    const webhook = manifestAtDeploy().webhooks[0]!;
    expect(fn.Properties.Timeout * 1000).toBeLessThan(method.Properties.Integration.TimeoutInMillis);
    expect(method.Properties.Integration.TimeoutInMillis).toBeLessThan(webhook.timeoutSeconds * 1000);
  });
});

describe('release parameters', () => {
  it('are created with the initial version and image, and no canary', () => {
    s.template.resourceCountIs('AWS::SSM::Parameter', 3);
    s.template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/sidecar-injector/canary', Type: 'String', Value: 'none' });
    s.template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/sidecar-injector/version', Type: 'String', Value: '1.2.1' });
    s.template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/sidecar-injector/image', Type: 'String', Value: 'my-org/my-sidecar' });
  });
});

describe('observability', () => {
  it('keeps logs for the configured retention', () => {
    // Ours: the function's and the access logs. The third belongs to aws-cdk-lib's custom resource provider (AWS679f53fac...).
    const groups = Object.entries(s.template.findResources('AWS::Logs::LogGroup')).filter(([id]) => !id.startsWith('AWS679f53fac')).map(([, group]) => group);
    expect(groups).toHaveLength(2);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('alarms that name the cause: errors, Lambda throttles, stage 429s, concurrency near the ceiling, latency near the timeout, the firewall, 5XX, p99, stale config', () => {
    const alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const summary = alarms.map((a) => [a.Namespace, a.MetricName, a.Statistic ?? a.ExtendedStatistic, a.Threshold]);
    expect(summary).toEqual([
      ['AWS/Lambda', 'Errors', 'Sum', 1],
      ['AWS/Lambda', 'Throttles', 'Sum', 1],
      ['SidecarInjector', 'StageThrottled', 'Sum', 1],
      ['AWS/Lambda', 'ConcurrentExecutions', 'Maximum', 80],
      ['AWS/ApiGateway', 'Latency', 'Maximum', 3500],
      ['AWS/WAFV2', 'BlockedRequests', 'Sum', 6000],
      ['AWS/WAFV2', 'BlockedRequests', 'Sum', 1],
      ['AWS/ApiGateway', '5XXError', 'Sum', 1],
      ['AWS/ApiGateway', 'Latency', 'p99', 1000],
      ['SidecarInjector', 'ConfigServedStale', 'Sum', 1],
      ['SidecarInjector', 'ReleaseRefused', 'Sum', 1],
    ]);
    expect(alarms[1]!.AlarmDescription).toContain('reservedConcurrency');
    expect(alarms[2]!.AlarmDescription).toContain('stage throttle (throttleRateLimit 500/s, throttleBurstLimit 1000)');
    expect(alarms[6]!.Dimensions).toContainEqual({ Name: 'Rule', Value: 'PerSourceRateLimit' });
    // The 429s come from the access logs: API Gateway publishes no metric of its own for them.
    s.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [{ MetricNamespace: 'SidecarInjector', MetricName: 'StageThrottled', MetricValue: '1' }],
    });
    for (const alarm of alarms) {
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
      expect(alarm.AlarmActions).toBeUndefined();
    }
    expect(alarms[9]!.Dimensions).toEqual([{ Name: 'service', Value: 'sidecar-injector' }]);
  });

  it('has a dashboard with injections, skips by reason, errors and latency', () => {
    const dashboard = Object.values(s.template.findResources('AWS::CloudWatch::Dashboard'))[0]!;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const expected of ['Injected', 'Converged', 'Upgraded', 'Skipped', 'SkippedByReason', 'AdmissionLatency', '5XXError', 'Errors', 'ConfigServedStale', 'Admission reviews', 'Skips by reason']) {
      expect(body).toContain(expected);
    }
    expect(body).toContain(String.raw`SEARCH('{\\\"SidecarInjector\\\",reason,service} MetricName=\\\"SkippedByReason\\\"`);
  });
});

const DEPLOYED = { api: 'a1b2c3d4e5', region: 'eu-west-1', token: 'Gen3rat3dAtD3ployT1meByS3cr3tsManag3r0123456789ab' };

function refsAtDeploy(): Record<string, string> {
  return {
    [`${onlyLogicalId(s.template, 'Custom::AWS')}.SecretString`]: DEPLOYED.token,
    [onlyLogicalId(s.template, 'AWS::ApiGateway::RestApi')]: DEPLOYED.api,
    [onlyLogicalId(s.template, 'AWS::ApiGateway::Stage')]: 'prod',
    'AWS::Region': DEPLOYED.region,
    'AWS::URLSuffix': 'amazonaws.com',
  };
}

function manifestAtDeploy(): { webhooks: Array<{ timeoutSeconds: number }> } {
  const outputs = s.template.toJSON().Outputs;
  return parse(resolveAtDeploy(outputs[OUTPUTS.yaml].Value, refsAtDeploy()));
}

describe('outputs', () => {
  it('the WebhookUrl output is the stage URL plus /mutate, without the token', () => {
    const outputs = s.template.toJSON().Outputs;
    expect(resolveAtDeploy(outputs[OUTPUTS.url].Value, refsAtDeploy())).toBe(`https://${DEPLOYED.api}.execute-api.${DEPLOYED.region}.amazonaws.com/prod/mutate`);
  });

  it('the token appears in one output only: the manifest', () => {
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const withToken = Object.entries(outputs).filter(([, o]) => JSON.stringify(o.Value).includes('SecretString')).map(([k]) => k);
    expect(withToken).toEqual([OUTPUTS.yaml]);
  });

  it('holds the whole MutatingWebhookConfiguration YAML with the URL token inside', () => {
    const outputs = s.template.toJSON().Outputs;
    expect(outputs[OUTPUTS.yaml].Value).toHaveProperty('Fn::Join');
    expect(manifestAtDeploy()).toEqual(
      renderWebhookConfiguration({
        url: `https://${DEPLOYED.api}.execute-api.${DEPLOYED.region}.amazonaws.com/prod/mutate/${DEPLOYED.token}`,
        webhookName: 'sidecar-injector.injector.my-company.com',
        timeoutSeconds: 10,
      }).manifest,
    );
  });

  it('names the function, the parameters and the dashboard', () => {
    const outputs = s.template.toJSON().Outputs;
    expect(outputs[OUTPUTS.versionParameter].Value).toBe('/sidecar-injector/version');
    expect(outputs[OUTPUTS.imageParameter].Value).toBe('/sidecar-injector/image');
    const functionId = Object.keys(s.template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs24.x', Architectures: ['arm64'] } }))[0];
    expect(outputs[OUTPUTS.functionName].Value).toEqual({ Ref: functionId });
    expect(outputs[OUTPUTS.dashboard].Value).toEqual({ Ref: onlyLogicalId(s.template, 'AWS::CloudWatch::Dashboard') });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('leaves no finding unacknowledged', () => {
    expect(s.nag.violations).toEqual([]);
  });

  it('acknowledges only the endpoint findings of this design, each with a reason', () => {
    expect(s.nag.suppressedViolations.map((v) => v.ruleName.replace(/\[.*$/, '')).sort()).toEqual(['AwsSolutions-APIG4', 'AwsSolutions-APIG6', 'AwsSolutions-COG4', 'AwsSolutions-IAM4', 'AwsSolutions-SMG4']);
    for (const v of s.nag.suppressedViolations) expect(v.reason.length).toBeGreaterThan(80);
  });
});

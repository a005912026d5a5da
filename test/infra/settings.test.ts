import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settingsFromContext, unknownContextKeys } from '../../infra/settings/from-context.ts';
import { functionEnvironment } from '../../infra/settings/function-environment.ts';
import { resolveSettings } from '../../infra/settings/resolve.ts';
import { DEFAULT_SETTINGS, SETTING_KEYS, SettingsError, type SidecarInjectorSettings } from '../../infra/settings/settings.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settingsFromEnv } from '../../functions/shell/settings.ts';
import { resolveSidecarTemplate } from '../../infra/settings/sidecar-template.ts';

function problemsOf(given: Partial<SidecarInjectorSettings>): string[] {
  try {
    resolveSettings(given);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems;
  }
  throw new Error('expected the settings to be refused');
}

function fromContext(context: Record<string, unknown>): Partial<SidecarInjectorSettings> {
  return settingsFromContext((key) => context[key]);
}

describe('settings from context', () => {
  it('reads -c strings into typed values', () => {
    expect(
      fromContext({
        memorySize: '2048',
        upgradeOnUpdate: 'TRUE',
        allowedSourceCidrs: '203.0.113.10/32, 198.51.100.0/24',
        vpcEndpointIds: '["vpce-0123456789abcdef0"]',
        sidecarContainer: '{"args":["--verbose"]}',
        sidecarVersion: '2.0.0',
        reservedConcurrency: '',
      }),
    ).toEqual({
      memorySize: 2048,
      upgradeOnUpdate: true,
      allowedSourceCidrs: ['203.0.113.10/32', '198.51.100.0/24'],
      vpcEndpointIds: ['vpce-0123456789abcdef0'],
      sidecarContainer: { args: ['--verbose'] },
      sidecarVersion: '2.0.0',
    });
  });

  it('takes cdk.json JSON types as they are', () => {
    expect(fromContext({ memorySize: 512, skipHostNetwork: false, excludedNamespaces: ['kube-system'], sidecarVersion: 3 })).toEqual({
      memorySize: 512,
      skipHostNetwork: false,
      excludedNamespaces: ['kube-system'],
      sidecarVersion: '3',
    });
  });

  it('names the key and the value it cannot read, all at once', () => {
    expect(() => fromContext({ memorySize: 'lots', upgradeOnUpdate: 'maybe', objectSelector: '{not json', allowedSourceCidrs: [1] })).toThrow(
      expect.objectContaining({
        problems: [
          'context key memorySize: "lots" is not a number',
          'context key upgradeOnUpdate: "maybe" is not true or false',
          'context key allowedSourceCidrs: [1] is not a list of strings (JSON list, or comma-separated)',
          'context key objectSelector: "{not json" is not a JSON object',
        ],
      }),
    );
  });

  it('cdk.json lists every default under its key, and nothing the stack does not read', () => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { app: string; context: Record<string, unknown> };
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
    // The rest are the CDK's feature flags; a key that is neither would be refused by the app.
    expect(unknownContextKeys(cdkJson.context)).toEqual([]);
    const ours = Object.fromEntries(Object.entries(cdkJson.context).filter(([key]) => (SETTING_KEYS as string[]).includes(key)));
    expect(fromContext(ours)).toEqual(DEFAULT_SETTINGS);
  });
});

describe('resolveSettings', () => {
  it('fills defaults', () => {
    const settings = resolveSettings({ memorySize: 512 });
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, memorySize: 512 });
  });

  it('keeps the timeout chain: function < integration < webhook', () => {
    expect(problemsOf({ functionTimeoutSeconds: 9 })).toEqual([
      'timeouts must satisfy functionTimeoutSeconds (9) < integrationTimeoutSeconds (9) < webhookTimeoutSeconds (10)',
    ]);
    expect(problemsOf({ webhookTimeoutSeconds: 31 })[0]).toContain('webhookTimeoutSeconds=31 must be a whole number from 1 to 30');
    expect(problemsOf({ integrationTimeoutSeconds: 30, webhookTimeoutSeconds: 30 })[0]).toContain('integrationTimeoutSeconds=30');
    expect(resolveSettings({ functionTimeoutSeconds: 20, integrationTimeoutSeconds: 25, webhookTimeoutSeconds: 30 }).webhookTimeoutSeconds).toBe(30);
  });

  it('checks the restriction settings against the endpoint mode', () => {
    expect(problemsOf({ endpointMode: 'private' })).toEqual([expect.stringContaining('endpointMode=private needs vpcEndpointIds')]);
    expect(problemsOf({ vpcEndpointIds: ['vpce-0123456789abcdef0'] })).toEqual([expect.stringContaining('vpcEndpointIds applies to endpointMode=private only')]);
    expect(problemsOf({ endpointMode: 'private', vpcEndpointIds: ['vpce-0123456789abcdef0'], allowedSourceCidrs: ['10.0.0.0/8'] })).toEqual([
      expect.stringContaining('allowedSourceCidrs applies to the regional endpoint only'),
    ]);
    expect(problemsOf({ allowedSourceCidrs: ['10.0.0.300/32', '0.0.0.0/0', '2001:db8::/129'] })).toEqual([
      'allowedSourceCidrs: "10.0.0.300/32" is not a CIDR such as 203.0.113.10/32',
      expect.stringContaining('"0.0.0.0/0" allows every address'),
      'allowedSourceCidrs: "2001:db8::/129" is not a CIDR such as 203.0.113.10/32',
    ]);
    expect(problemsOf({ urlVpcEndpointId: 'vpce-0123456789abcdef0' })).toEqual(['urlVpcEndpointId="vpce-0123456789abcdef0" must be one of vpcEndpointIds, with endpointMode=private']);
    expect(problemsOf({ endpointMode: 'edge' as 'regional' })[0]).toContain('endpointMode="edge" must be one of regional, private');
    expect(resolveSettings({ allowedSourceCidrs: ['2001:db8::/56', '203.0.113.10/32'] }).allowedSourceCidrs).toHaveLength(2);
  });

  it('refuses a short or URL-unsafe path token', () => {
    expect(problemsOf({ pathToken: 'short' })[0]).toContain('pathToken="short" must be 16 to 128 letters');
    expect(problemsOf({ pathToken: 'a/b'.repeat(8) })[0]).toContain('pathToken=');
  });

  it('refuses a KMS key with parameters the stack would create (CloudFormation cannot make SecureStrings)', () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(problemsOf({ parameterKmsKeyArn: key })).toEqual([expect.stringContaining('CloudFormation cannot create SecureString parameters')]);
    expect(resolveSettings({ parameterKmsKeyArn: key, createParameters: false }).parameterKmsKeyArn).toBe(key);
    expect(problemsOf({ parameterKmsKeyArn: 'alias/mine', createParameters: false })[0]).toContain('parameterKmsKeyArn="alias/mine" must be a KMS key ARN');
  });

  it('words the function\'s own validation in setting names', () => {
    expect(problemsOf({ sidecarCpuRequest: 'lots', sidecarName: 'My_Sidecar', sidecarContainer: { image: 'x' } })).toEqual([
      expect.stringMatching(/^sidecarCpuRequest="lots" is not a Kubernetes quantity/),
      expect.stringMatching(/^sidecarContainer may not set image/),
      expect.stringMatching(/^sidecarName="My_Sidecar" must be a DNS label/),
    ]);
    expect(problemsOf({ sidecarCpuRequest: '2' })).toEqual([
      expect.stringMatching(/^the built-in template as edited by sidecarCpuRequest: containers\[0\] \(my-sidecar\)\.resources\.requests\.cpu: "2" is above the limit "100m"/),
    ]);
    expect(problemsOf({ sidecarImage: 'Not A Valid Image' })[0]).toMatch(/^sidecarImage\/sidecarVersion: /);
  });

  it('needs all three EKS settings or none', () => {
    expect(problemsOf({ eksClusterName: 'prod' })).toEqual([expect.stringContaining('eksClusterName, eksKubectlRoleArn and eksKubectlLayerArn go together')]);
    expect(problemsOf({ eksClusterName: 'prod', eksKubectlRoleArn: 'role', eksKubectlLayerArn: 'layer' })).toEqual([
      'eksKubectlRoleArn="role" must be an IAM role ARN',
      expect.stringContaining('eksKubectlLayerArn="layer" must be a Lambda layer version ARN'),
    ]);
  });

  it('refuses other bad values with the setting name', () => {
    const problems = problemsOf({
      memorySize: 64,
      logRetentionDays: 31,
      reservedConcurrency: 0,
      logLevel: 'LOUD' as 'INFO',
      imageParameterName: 'sidecar/image',
      latencyAlarmThresholdMs: 20_000,
      failurePolicy: 'Never' as 'Fail',
      objectSelector: { matchLabels: { 'sidecar-injection': 'has space' } },
      alarmTopicArn: 'topic',
      unknownThing: 1,
    } as Partial<SidecarInjectorSettings>);
    const text = problems.join('\n');
    for (const expected of [
      'unknown setting "unknownThing"',
      'memorySize=64 must be a whole number from 128 to 10240',
      'reservedConcurrency=0 must be a whole number from 1',
      'logRetentionDays="31" must be one of',
      'logLevel="LOUD" must be one of',
      'imageParameterName="sidecar/image" must be an SSM parameter name',
      'failurePolicy "Never" must be one of Fail, Ignore',
      'objectSelector.matchLabels["sidecar-injection"]',
      'latencyAlarmThresholdMs=20000 must be above 0 and below the webhook timeout (10000 ms)',
      'alarmTopicArn="topic" must be an SNS topic ARN',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('refuses one parameter for both version and image', () => {
    expect(problemsOf({ versionParameterName: '/sidecar-injector/image' })).toEqual(['versionParameterName and imageParameterName must be different parameters']);
  });

  it('SettingsError lists every problem under a heading that says where settings come from', () => {
    expect(() => resolveSettings({ memorySize: 1 })).toThrow(/Invalid sidecar-injector settings \(set in cdk.json "context", with -c key=value, or as stack props\):\n {2}- memorySize=1/);
  });
});

describe('functionEnvironment', () => {
  it('is what the function reads, and the function accepts it', () => {
    const settings = resolveSettings({ pathToken: 'x'.repeat(24), sidecarContainer: { args: ['--verbose'] }, upgradeOnUpdate: true });
    const env = functionEnvironment(settings, 'my-sidecar');
    expect(env).toMatchObject({
      SIDECAR_NAME: 'my-sidecar',
      SIDECAR_TEMPLATE_FILE: 'sidecar-template.json',
      ANNOTATION_PREFIX: 'injector.my-company.com',
      SSM_VERSION_PARAMETER: '/sidecar-injector/version',
      SSM_IMAGE_PARAMETER: '/sidecar-injector/image',
      SSM_WITH_DECRYPTION: 'false',
      WEBHOOK_PATH_TOKEN: 'x'.repeat(24),
      UPGRADE_ON_UPDATE: 'true',
      POWERTOOLS_SERVICE_NAME: 'sidecar-injector',
      POWERTOOLS_METRICS_NAMESPACE: 'SidecarInjector',
    });
    // The shorthands are applied at synth, into the template the bundle carries.
    for (const variable of ['SIDECAR_IMAGE', 'SIDECAR_CONTAINER_JSON', 'SIDECAR_PORT', 'SIDECAR_CPU_REQUEST']) expect(env).not.toHaveProperty(variable);
    const resolved = resolveSidecarTemplate(settings);
    if ('problems' in resolved) throw new Error(resolved.problems.join());
    expect(resolved.template.fragment.containers[0]).toMatchObject({ name: 'my-sidecar', args: ['--verbose'] });
    const dir = mkdtempSync(join(tmpdir(), 'fn-'));
    writeFileSync(join(dir, env.SIDECAR_TEMPLATE_FILE as string), JSON.stringify(resolved.template.fragment));
    const parsed = settingsFromEnv({ ...env, AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: dir });
    expect(parsed.injector.template).toEqual(resolved.template);
    expect(parsed.release).toMatchObject({ source: 'ssm', versionParameter: '/sidecar-injector/version', withDecryption: false });
    expect(parsed.pathToken).toBe('x'.repeat(24));
    expect(parsed.injector.upgradeOnUpdate).toBe(true);
  });
});

describe('the sidecar template at synth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'templates-'));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads a YAML template file, applies the shorthands and validates it with the function\'s validator', () => {
    const path = file('shipper.yaml', [
      'initContainers:',
      '  - name: log-setup',
      '    image: busybox:1.36',
      '    command: [sh, -c, "mkdir -p /var/log/app"]',
      '    volumeMounts: [{ name: app-logs, mountPath: /var/log/app }]',
      'containers:',
      '  - name: shipper',
      '    volumeMounts: [{ name: app-logs, mountPath: /var/log/app, readOnly: true }]',
      '    resources: { requests: { cpu: 10m, memory: 16Mi }, limits: { cpu: 100m, memory: 64Mi } }',
      'volumes:',
      '  - { name: app-logs, emptyDir: {} }',
      '',
    ].join('\n'));
    const resolved = resolveSidecarTemplate(resolveSettings({ sidecarTemplateFile: path, sidecarMemoryLimit: '128Mi' }));
    if ('problems' in resolved) throw new Error(resolved.problems.join());
    expect(resolved.template.sidecarName).toBe('shipper');
    expect(resolved.template.fragment.containers[0]?.resources).toEqual({ requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '128Mi' } });
    expect(resolved.template.fragment.initContainers.map((c) => c.name)).toEqual(['log-setup']);
  });

  it('refuses a template the API server would refuse or mangle, naming the setting, the field and the fix', () => {
    const misspelled = file('bad.yaml', 'containers:\n  - name: my-sidecar\n    securityContext: { runAsNonroot: true }\n');
    expect(problemsOf({ sidecarTemplateFile: misspelled })).toEqual([expect.stringMatching(/^sidecarTemplateFile \(.*bad\.yaml\): containers\[0\] \(my-sidecar\)\.securityContext\.runAsNonroot: .*runAsNonRoot/)]);
    expect(problemsOf({ sidecarTemplate: { containers: [{ name: 'my-sidecar', volumeMounts: [{ name: 'nowhere', mountPath: '/x' }] }] } })).toEqual([
      expect.stringMatching(/^sidecarTemplate: containers\[0\] \(my-sidecar\)\.volumeMounts\[0\]/),
    ]);
    expect(problemsOf({ sidecarTemplateFile: join(dir, 'missing.yaml') })).toEqual([expect.stringMatching(/^sidecarTemplateFile=".*missing\.yaml" does not exist/)]);
    expect(problemsOf({ sidecarTemplateFile: misspelled, sidecarTemplate: {} })).toEqual([expect.stringContaining('set one of them')]);
  });
});

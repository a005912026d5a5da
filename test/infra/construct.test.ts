import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { SidecarInjector, SettingsError } from '../../infra/index.ts';
import { unknownContextKeys } from '../../infra/settings/from-context.ts';

// The L3 construct in a stack of someone else's app. Bundling is skipped (the stack tests and
// the package test cover it): these tests are about props.
function userStack(): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Platform');
}

describe('SidecarInjector in a user\'s stack', () => {
  it('takes constructs for the topic, the key and the cluster', () => {
    const stack = userStack();
    const topic = new sns.Topic(stack, 'Alarms');
    const key = new kms.Key(stack, 'ParameterKey');
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
      clusterName: 'prod',
      kubectlRoleArn: 'arn:aws:iam::123456789012:role/kubectl',
      kubectlLayer: lambda.LayerVersion.fromLayerVersionArn(stack, 'Kubectl', 'arn:aws:lambda:eu-west-1:123456789012:layer:kubectl:1'),
    });
    const injector = new SidecarInjector(stack, 'Injector', { alarmTopic: topic, parameterKey: key, createParameters: false, cluster });
    const template = Template.fromStack(stack);
    const topicRef = stack.resolve(topic.topicArn);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
    expect(JSON.stringify(template.findResources('AWS::IAM::Role'))).toContain(JSON.stringify(stack.resolve(key.keyArn)));
    expect(injector.clusterRegistration).toBeDefined();
    template.resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 1);
    // Names start with the user's stack name, not a setting.
    expect(injector.settings.stackName).toBe('Platform');
  });

  it('validates props at construction, naming each prop and the fix', () => {
    const bad = (props: ConstructorParameters<typeof SidecarInjector>[2], pattern: RegExp) => {
      expect(() => new SidecarInjector(userStack(), 'Injector', props)).toThrow(SettingsError);
      expect(() => new SidecarInjector(userStack(), 'Injector', props)).toThrow(pattern);
    };
    bad({ memorySize: 64 }, /memorySize=64 must be a whole number from 128 to 10240/);
    bad({ maxBodyBytes: 6 * 1024 * 1024 }, /maxBodyBytes=6291456/);
    const stack = userStack();
    bad({ alarmTopic: new sns.Topic(stack, 'T'), alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:x' }, /alarmTopic and alarmTopicArn name the same thing: give one/);
    bad({ stackName: 'Other' } as never, /stackName is not a prop of the construct/);
  });
});

describe('context keys of this repository\'s app', () => {
  it('refuses keys that are not settings, suggesting the closest one; lets the CDK\'s own keys through', () => {
    expect(unknownContextKeys({ memorysize: 1, sidecarImag: 'x', completelyOther: true })).toEqual([
      'context key memorysize is not a setting: did you mean memorySize? (the settings are listed in README, Deploy, 1. Configure)',
      'context key sidecarImag is not a setting: did you mean sidecarImage? (the settings are listed in README, Deploy, 1. Configure)',
      'context key completelyOther is not a setting (the settings are listed in README, Deploy, 1. Configure)',
    ]);
    expect(unknownContextKeys({ memorySize: 512, '@aws-cdk/core:checkSecretUsage': true, 'aws:cdk:enable-path-metadata': true, 'acknowledged-issue-numbers': [] })).toEqual([]);
  });
});

describe('cdk.json', () => {
  it('carries the feature flags cdk init writes for this aws-cdk-lib (its recommended-feature-flags.json) and notices off for offline use', async () => {
    const { readFileSync } = await import('node:fs');
    const { createRequire } = await import('node:module');
    const recommended = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('aws-cdk-lib/recommended-feature-flags.json'), 'utf8')) as Record<string, unknown>;
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { notices: boolean; context: Record<string, unknown> };
    expect(cdkJson.notices).toBe(false);
    for (const [flag, value] of Object.entries(recommended)) expect(cdkJson.context[flag], flag).toEqual(value);
  });
});

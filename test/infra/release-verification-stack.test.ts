import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../infra/settings/resolve.ts';
import { synthesize, type Synthesized } from './support/synth.ts';

// The stack's side of release verification (issue 11, part 0): the function told to verify and
// for which platforms, allowed to read the sidecar's ECR repository and nothing more, and an
// alarm on refused releases.

describe('a stack whose sidecar lives in ECR, for Graviton and x86 nodes', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({ sidecarImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/sidecar', releasePlatforms: ['linux/amd64', 'linux/arm64'] }, { bundle: false });
  });

  it('sets RELEASE_VERIFY and RELEASE_PLATFORMS on the function', () => {
    const fn = Object.values(s.template.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.RELEASE_VERIFY);
    expect(fn?.Properties.Environment.Variables).toMatchObject({ RELEASE_VERIFY: 'true', RELEASE_PLATFORMS: 'linux/amd64,linux/arm64' });
  });

  it('may read that repository\'s images and layers, and no other repository', () => {
    const role = Object.values(s.template.findResources('AWS::IAM::Role'))[0]!;
    const statement = role.Properties.Policies[0].PolicyDocument.Statement.find((x: { Sid: string }) => x.Sid === 'VerifySidecarRelease');
    expect(statement).toEqual({
      Sid: 'VerifySidecarRelease',
      Effect: 'Allow',
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:123456789012:repository/team/sidecar']] },
    });
  });

  it('alarms on ReleaseRefused', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ReleaseRefused', Threshold: 1 });
  });
});

describe('release verification settings', () => {
  const problems = (given: object) => {
    try {
      resolveSettings(given as never);
      return [];
    } catch (error) {
      return (error as { problems?: string[] }).problems ?? [String(error)];
    }
  };
  it('refuses a platform that is not os/arch, and platforms without verification', () => {
    expect(problems({ releasePlatforms: ['arm64'] })).toEqual([expect.stringContaining('releasePlatforms: "arm64" is not a platform')]);
    expect(problems({ verifyRelease: false, releasePlatforms: ['linux/arm64'] })).toEqual(['releasePlatforms is set but verifyRelease is false: the platforms would not be checked']);
  });
  it('without verification: no ECR permission, no alarm', () => {
    const off = synthesize({ verifyRelease: false, sidecarImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/sidecar' }, { bundle: false });
    const role = Object.values(off.template.findResources('AWS::IAM::Role'))[0]!;
    expect(role.Properties.Policies[0].PolicyDocument.Statement.map((x: { Sid: string }) => x.Sid)).not.toContain('VerifySidecarRelease');
    expect(Object.values(off.template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.MetricName)).not.toContain('ReleaseRefused');
  });
});

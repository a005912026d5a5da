import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { SidecarInjectorSettings } from '../settings/settings.ts';

/**
 * The two SSM parameters that hold the sidecar release (version and image). The stack creates
 * them with initial values, or refers to existing ones by name (for example SecureString
 * parameters, which CloudFormation cannot create). Upgrades are `aws ssm put-parameter`.
 */
export class ReleaseParameters extends Construct {
  readonly versionParameterName: string;
  readonly imageParameterName: string;
  readonly versionParameterArn: string;
  readonly imageParameterArn: string;
  readonly canaryParameterName: string;
  readonly canaryParameterArn: string;

  constructor(scope: Construct, id: string, settings: SidecarInjectorSettings) {
    super(scope, id);
    this.versionParameterName = settings.versionParameterName;
    this.imageParameterName = settings.imageParameterName;
    this.canaryParameterName = settings.canaryParameterName;
    if (settings.createParameters) {
      const version = new ssm.StringParameter(this, 'Version', {
        parameterName: settings.versionParameterName,
        stringValue: settings.sidecarVersion,
        description: 'Sidecar version the injector puts into pods (read by the webhook function, cached briefly)',
        tier: ssm.ParameterTier.STANDARD,
      });
      const image = new ssm.StringParameter(this, 'Image', {
        parameterName: settings.imageParameterName,
        stringValue: settings.sidecarImage,
        description: 'Sidecar image: a repository (the version becomes its tag) or a full reference',
        tier: ssm.ParameterTier.STANDARD,
      });
      // Created as `none`: a canary is started with put-parameter, and the function reads the
      // parameter in the same GetParameters call as the release.
      const canary = new ssm.StringParameter(this, 'Canary', {
        parameterName: settings.canaryParameterName,
        stringValue: 'none',
        description: 'Sidecar canary: {"version": "1.4.0", "percent": 30} puts that share of workloads on the version; none for no canary',
        tier: ssm.ParameterTier.STANDARD,
      });
      this.versionParameterArn = version.parameterArn;
      this.imageParameterArn = image.parameterArn;
      this.canaryParameterArn = canary.parameterArn;
    } else {
      // Only the ARN is needed, built from the name (which may or may not start with "/").
      this.versionParameterArn = ssm.StringParameter.fromStringParameterName(this, 'Version', settings.versionParameterName).parameterArn;
      this.imageParameterArn = ssm.StringParameter.fromStringParameterName(this, 'Image', settings.imageParameterName).parameterArn;
      // May not exist: a missing canary parameter means no canary.
      this.canaryParameterArn = ssm.StringParameter.fromStringParameterName(this, 'Canary', settings.canaryParameterName).parameterArn;
    }
  }
}

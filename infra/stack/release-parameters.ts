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

  constructor(scope: Construct, id: string, settings: SidecarInjectorSettings) {
    super(scope, id);
    this.versionParameterName = settings.versionParameterName;
    this.imageParameterName = settings.imageParameterName;
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
      this.versionParameterArn = version.parameterArn;
      this.imageParameterArn = image.parameterArn;
    } else {
      // Only the ARN is needed, built from the name (which may or may not start with "/").
      this.versionParameterArn = ssm.StringParameter.fromStringParameterName(this, 'Version', settings.versionParameterName).parameterArn;
      this.imageParameterArn = ssm.StringParameter.fromStringParameterName(this, 'Image', settings.imageParameterName).parameterArn;
    }
  }
}

import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { SidecarInjectorSettings } from '../settings/settings.ts';

/**
 * The webhook URL's last path segment, the only thing that tells the API server's calls apart
 * from anyone else's on a public endpoint (EKS sends no credentials to a webhook).
 *
 * Unless `pathToken` is set, it is generated at deploy time by Secrets Manager (48 letters and
 * digits, about 285 bits) and never appears in the template, cdk.out or a CDK context file. A
 * custom resource reads it back (its log hides the response) so that CloudFormation can place it
 * where it is needed: the web ACL's path rule, the function's environment, and the URL inside the
 * WebhookConfigurationYaml output, the one output that carries it. (A `{{resolve:secretsmanager}}`
 * dynamic reference cannot be used for that: CloudFormation resolves it neither in outputs nor in
 * custom resources such as the EKS manifest.) The secret, not a copy, is the source of truth:
 * `aws secretsmanager get-secret-value` shows it to whoever is allowed to read it.
 */
export class PathToken extends Construct {
  /** The token: a CloudFormation token resolved at deploy, or the configured literal. */
  readonly value: string;
  /** Undefined when the token was given as the pathToken setting. */
  readonly secret?: secretsmanager.Secret;

  constructor(scope: Construct, id: string, settings: SidecarInjectorSettings) {
    super(scope, id);
    if (settings.pathToken !== undefined) {
      this.value = settings.pathToken;
      return;
    }
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'Last path segment of the sidecar injector webhook URL (generated at deploy; changing it changes the URL the cluster calls)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false, requireEachIncludedType: true },
    });
    const read: cr.AwsSdkCall = {
      service: 'SecretsManager',
      action: 'getSecretValue',
      parameters: { SecretId: this.secret.secretArn },
      physicalResourceId: cr.PhysicalResourceId.of('webhook-path-token'),
      outputPaths: ['SecretString'],
      // Keep the token out of the custom resource's own CloudWatch log.
      logging: cr.Logging.withDataHidden(),
    };
    const reader = new cr.AwsCustomResource(this, 'Read', {
      onCreate: read,
      // Only a change of this resource's own properties triggers an update: it reads the same secret again.
      onUpdate: read,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [this.secret.secretArn] }),
      // The runtime's SDK: no download at deploy, and synth stays offline.
      installLatestAwsSdk: false,
    });
    this.value = reader.getResponseField('SecretString');
  }
}

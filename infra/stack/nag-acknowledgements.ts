import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Stack } from 'aws-cdk-lib';
import type { SidecarInjectorSettings } from '../settings/settings.ts';
import type { PathToken } from './path-token.ts';
import type { WebhookApi } from './webhook-api.ts';

/**
 * cdk-nag (AwsSolutions) findings this design accepts, each acknowledged on the construct it
 * concerns with the reason. The nag test (test/infra) fails on any finding not listed here.
 */

const NO_CALLER_CREDENTIALS =
  'The callers are Kubernetes API servers, and EKS cannot make its API server send credentials to a webhook ' +
  '(the admission configuration file is not exposed: aws/containers-roadmap#1822). Callers are restricted instead ' +
  'by a path token generated at deploy (checked by the WAF web ACL before the API and again by the function), the resource ' +
  'policy where the network allows it (aws:SourceIp or aws:SourceVpce), and request validation.';

export function acknowledgeEndpointFindings(endpoint: WebhookApi, settings: SidecarInjectorSettings, pathToken: PathToken): void {
  Validations.of(endpoint.method).acknowledge(
    { id: 'AwsSolutions::AwsSolutions-APIG4', reason: NO_CALLER_CREDENTIALS },
    { id: 'AwsSolutions::AwsSolutions-COG4', reason: `No Cognito user pool either: ${NO_CALLER_CREDENTIALS}` },
  );
  Validations.of(endpoint.stage).acknowledge({
    id: 'AwsSolutions::AwsSolutions-APIG6',
    reason:
      'Access logs (one JSON line per call: caller IP, status, path) are on, and the function logs every review, never the pod. ' +
      'Execution logging stays off: it would repeat those two at a cost per request, and with data tracing it records request bodies, ' +
      'i.e. pod specs whose env values can be secrets.',
  });
  const loggingRole = endpoint.api.node.tryFindChild('CloudWatchRole');
  if (settings.createApiGatewayLoggingRole && loggingRole !== undefined) {
    Validations.of(loggingRole).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The account-wide role API Gateway assumes to write logs (created only when createApiGatewayLoggingRole=true). ' +
        'The AWS managed policy is the one AWS documents for it and follows new log features; it grants CloudWatch Logs writes only.',
    });
  }
  if (!settings.firewall && settings.webAclArn === undefined) {
    Validations.of(endpoint.stage).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG3',
      reason:
        'The operator turned the stack\'s web ACL off (firewall=false) and attached none (webAclArn): the function still refuses requests ' +
        'without the path token, after they have used the stage throttle and an invocation. Chosen deliberately, e.g. where the resource policy already ' +
        'admits only the cluster\'s addresses or VPC endpoints.',
    });
  }
  if (pathToken.secret !== undefined) {
    Validations.of(pathToken.secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'The secret is the webhook URL\'s path token: rotating it changes the URL, and the cluster\'s MutatingWebhookConfiguration must change in ' +
        'the same step, or every labelled pod is refused (Fail). Rotation is a deliberate procedure in the README (Security model), not a schedule.',
    });
    // aws-cdk-lib's AwsCustomResource runs in one singleton function per stack.
    const provider = Stack.of(pathToken).node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    if (provider !== undefined) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'aws-cdk-lib\'s AwsCustomResource function, which reads the path token once per deploy; the AWS managed basic execution policy grants CloudWatch Logs writes only. ' +
          'Its other permission is secretsmanager:GetSecretValue on the one secret.',
      });
    }
  }
}

/** aws-cdk-lib's kubectl provider (nested stack), used only when the stack applies the manifest to EKS. */
export function acknowledgeKubectlProviderFindings(provider: IConstruct): void {
  const managed = 'Part of aws-cdk-lib\'s kubectl provider, not our code: its roles are built by aws-cdk-lib';
  Validations.of(provider).acknowledge(
    {
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: `${managed}; the AWS managed basic execution policy grants only CloudWatch Logs writes.`,
    },
    {
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly]',
      reason: `${managed}; read-only image pulls for the kubectl handler.`,
    },
    {
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::{"Fn::If":["HandlerHasEcrPublic195AF58A",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]',
      reason: `${managed}; read-only ECR Public access, attached only in the aws partition.`,
    },
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<Handler886CB40B.Arn>:*]',
      reason: `${managed}; the provider framework may invoke any version of its own onEvent handler, and nothing else.`,
    },
    {
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: `${managed}; aws-cdk-lib pins the kubectl handler's runtime to the one its kubectl/helm layer is built for.`,
    },
  );
}

import { Aws, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { SidecarInjectorSettings } from '../settings/settings.ts';

/** Who may call the endpoint. */
export type EndpointRestriction = 'source-cidrs' | 'vpc-endpoints' | 'open';

export function endpointRestrictionOf(settings: SidecarInjectorSettings): EndpointRestriction {
  if (settings.endpointMode === 'private') return 'vpc-endpoints';
  return settings.allowedSourceCidrs.length > 0 ? 'source-cidrs' : 'open';
}

/**
 * The route: `/mutate/{token}`, a path parameter, so API Gateway's own records (access logs'
 * resourcePath, the route list, the Lambda permission) name the template and never the token.
 * The function compares the segment with the token; the web ACL (on by default) does so first.
 */
export const WEBHOOK_ROUTE = '/mutate/{token}';

/**
 * The HTTPS endpoint: a REST API (resource policies and private endpoints exist for REST APIs
 * only) with one POST route, proxied to the function's alias. The EKS API server cannot send
 * credentials to a webhook, so callers are restricted by network origin instead: source CIDRs
 * (aws:SourceIp) on a regional endpoint, or VPC endpoint ids (aws:SourceVpce) on a private one.
 */
export class WebhookApi extends Construct {
  readonly api: apigw.RestApi;
  readonly stage: apigw.Stage;
  readonly accessLogs: logs.LogGroup;
  readonly method: apigw.Method;
  readonly restriction: EndpointRestriction;
  /** The full webhook URL (a token resolved at deploy time). */
  readonly url: string;

  /** The URL without the token (for outputs and dashboards). */
  readonly urlWithoutToken: string;

  constructor(scope: Construct, id: string, settings: SidecarInjectorSettings, target: lambda.IFunction, pathToken: string) {
    super(scope, id);
    this.restriction = endpointRestrictionOf(settings);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const privateEndpoint = settings.endpointMode === 'private';
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: `${settings.stackName}-webhook`,
      description: 'Kubernetes mutating admission webhook (sidecar injector)',
      endpointConfiguration: privateEndpoint
        ? {
            types: [apigw.EndpointType.PRIVATE],
            vpcEndpoints: settings.vpcEndpointIds.map((vpcEndpointId) =>
              ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(this, `Vpce-${vpcEndpointId}`, { vpcEndpointId, port: 443 }),
            ),
          }
        : { types: [apigw.EndpointType.REGIONAL] },
      ...(this.restriction === 'open' ? {} : { policy: resourcePolicy(settings) }),
      // Access logs need the account-wide API Gateway logging role; the stack sets it only when asked.
      cloudWatchRole: settings.createApiGatewayLoggingRole,
      ...(settings.createApiGatewayLoggingRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      deployOptions: {
        stageName: settings.stageName,
        throttlingRateLimit: settings.throttleRateLimit,
        throttlingBurstLimit: settings.throttleBurstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        // No $context.path: it holds the token. resourcePath is the route template, /mutate/{token}.
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: apigw.AccessLogField.contextRequestId(),
            ip: apigw.AccessLogField.contextIdentitySourceIp(),
            requestTime: apigw.AccessLogField.contextRequestTime(),
            httpMethod: apigw.AccessLogField.contextHttpMethod(),
            resourcePath: apigw.AccessLogField.contextResourcePath(),
            status: apigw.AccessLogField.contextStatus(),
            errorType: apigw.AccessLogField.contextErrorResponseType(),
            protocol: apigw.AccessLogField.contextProtocol(),
            responseLength: apigw.AccessLogField.contextResponseLength(),
            responseLatency: apigw.AccessLogField.contextResponseLatency(),
            integrationLatency: apigw.AccessLogField.contextIntegrationLatency(),
          }),
        ),
      },
    });
    // A resource policy takes effect only with a new deployment: make it part of the deployment's identity.
    this.api.latestDeployment?.addToLogicalId({ restriction: this.restriction, cidrs: settings.allowedSourceCidrs, vpce: settings.vpcEndpointIds, route: WEBHOOK_ROUTE });

    // API Gateway turns away bodies that are not AdmissionReviews before they cost an invocation.
    const model = this.api.addModel('AdmissionReview', {
      contentType: 'application/json',
      modelName: 'AdmissionReview',
      schema: {
        schema: apigw.JsonSchemaVersion.DRAFT4,
        title: 'AdmissionReview',
        type: apigw.JsonSchemaType.OBJECT,
        required: ['apiVersion', 'kind', 'request'],
        properties: {
          apiVersion: { type: apigw.JsonSchemaType.STRING },
          kind: { type: apigw.JsonSchemaType.STRING, enum: ['AdmissionReview'] },
          request: {
            type: apigw.JsonSchemaType.OBJECT,
            required: ['uid'],
            properties: { uid: { type: apigw.JsonSchemaType.STRING } },
          },
        },
      },
    });
    const validator = this.api.addRequestValidator('BodyValidator', { validateRequestBody: true, validateRequestParameters: true });

    const resource = this.api.root.addResource('mutate').addResource('{token}');
    this.method = resource.addMethod(
      'POST',
      new apigw.LambdaIntegration(target, {
        proxy: true,
        timeout: Duration.seconds(settings.integrationTimeoutSeconds),
        allowTestInvoke: false,
      }),
      { requestValidator: validator, requestModels: { 'application/json': model }, requestParameters: { 'method.request.path.token': true } },
    );

    this.stage = this.api.deploymentStage;
    // A web ACL of the operator's own (the stack's firewall is then off: a stage takes one ACL).
    if (settings.webAclArn !== undefined) {
      new wafv2.CfnWebACLAssociation(this, 'WebAcl', { resourceArn: this.stage.stageArn, webAclArn: settings.webAclArn });
    }
    // A private API answers on its default hostname only where the VPC endpoint has private DNS;
    // the endpoint-specific hostname resolves (to the endpoint's addresses) everywhere.
    const base =
      settings.urlVpcEndpointId === undefined
        ? this.api.urlForPath('/mutate')
        : Fn.join('', ['https://', this.api.restApiId, '-', settings.urlVpcEndpointId, '.execute-api.', Aws.REGION, '.', Aws.URL_SUFFIX, '/', this.stage.stageName, '/mutate']);
    this.urlWithoutToken = base;
    this.url = Fn.join('', [base, '/', pathToken]);
  }
}

/**
 * Allow the one route, then deny every call that does not come from an allowed origin. An
 * explicit Deny wins over any Allow, so nothing else (an IAM identity policy, a later added
 * route) can open the endpoint to other sources.
 */
function resourcePolicy(settings: SidecarInjectorSettings): iam.PolicyDocument {
  const invoke = 'execute-api:Invoke';
  const statements = [
    new iam.PolicyStatement({
      sid: 'AllowAdmissionReviews',
      effect: iam.Effect.ALLOW,
      principals: [new iam.AnyPrincipal()],
      actions: [invoke],
      resources: [`execute-api:/${settings.stageName}/POST/mutate/*`],
    }),
  ];
  if (settings.endpointMode === 'private') {
    statements.push(
      new iam.PolicyStatement({
        sid: 'DenyOutsideVpcEndpoints',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [invoke],
        resources: ['execute-api:/*'],
        conditions: { StringNotEquals: { 'aws:SourceVpce': settings.vpcEndpointIds } },
      }),
    );
  } else {
    statements.push(
      new iam.PolicyStatement({
        sid: 'DenyOutsideSourceCidrs',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [invoke],
        resources: ['execute-api:/*'],
        conditions: { NotIpAddress: { 'aws:SourceIp': settings.allowedSourceCidrs } },
      }),
    );
  }
  return new iam.PolicyDocument({ statements });
}

import { fileURLToPath } from 'node:url';
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { registryTarget } from '../../functions/core/release-check.ts';
import { functionEnvironment } from '../settings/function-environment.ts';
import type { SidecarInjectorSettings } from '../settings/settings.ts';
import { bundledTemplate } from '../settings/sidecar-template.ts';
import { bundledFunction } from './bundled-function.ts';
import type { ReleaseParameters } from './release-parameters.ts';

export const HANDLER_ENTRY = fileURLToPath(new URL('../../functions/mutate/handler.ts', import.meta.url));

/**
 * The admission function: Node.js 24 on arm64 (cheaper per GB-second than x86 and as fast for
 * JSON work), bundled locally by esbuild into one minified CommonJS file (see handler-bundle.ts) with the AWS SDK inside (no
 * dependency on the runtime's SDK version), source maps on for readable stack traces.
 *
 * Memory: 1024 MB by default. Lambda gives CPU in proportion to memory, and an admission call
 * is CPU-bound (parse the AdmissionReview, compute a patch); more CPU shortens cold starts and
 * big pods. At admission volumes (a few requests per pod created) the cost stays negligible.
 *
 * Timeout: 7 s by default. A warm call takes milliseconds; the slow case is a cold start whose
 * first SSM read fails, where the function's SSM client tries twice with 1 s to connect and 2 s
 * to answer (about 6 s) before answering 503 itself. The API Gateway integration timeout (9 s)
 * leaves room for the cold start's initialisation, which the Lambda timeout does not count, and
 * the webhook's timeoutSeconds (10 s) stays above both, so whichever layer fails, the API server
 * receives an HTTP answer before it gives up itself.
 *
 * The role is written out, not granted by helpers: logs into its own log group, and
 * ssm:GetParameters on the release parameters (version, image, canary); kms:Decrypt only for SecureString.
 */
export class MutateFunction extends Construct {
  readonly function: lambda.Function;
  readonly alias: lambda.Alias;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, settings: SidecarInjectorSettings, parameters: ReleaseParameters, pathToken: string) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const statements = [
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        // The log group's Arn attribute already ends in ":*", which covers its streams.
        resources: [this.logGroup.logGroupArn],
      }),
      new iam.PolicyStatement({
        sid: 'ReadSidecarRelease',
        actions: ['ssm:GetParameters'],
        resources: [parameters.versionParameterArn, parameters.imageParameterArn, parameters.canaryParameterArn],
      }),
    ];
    // Release verification reads the sidecar's ECR repository (the image and, for a
    // single-platform image, its config). Images elsewhere are read anonymously over HTTPS.
    const target = settings.verifyRelease ? registryTarget(settings.sidecarImage) : undefined;
    if (target && !('error' in target) && target.ecr) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'VerifySidecarRelease',
          actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          resources: [`arn:${Aws.PARTITION}:ecr:${target.ecr.region}:${target.ecr.registryId}:repository/${target.repository}`],
        }),
      );
    }
    if (settings.parameterKmsKeyArn !== undefined) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'DecryptSidecarRelease',
          actions: ['kms:Decrypt'],
          resources: [settings.parameterKmsKeyArn],
          // SSM passes the parameter ARN as encryption context: the key opens these two only.
          conditions: {
            StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': [parameters.versionParameterArn, parameters.imageParameterArn, parameters.canaryParameterArn] },
          },
        }),
      );
    }
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Sidecar injector webhook function: own logs, read the release parameters',
      inlinePolicies: { WebhookFunction: new iam.PolicyDocument({ statements }) },
    });

    // The template, validated at synth with the function's own parser, travels inside the bundle
    // as JSON; the asset hash covers the bundle's output, so a template change is a new version.
    const resolved = bundledTemplate(settings);
    const templateFile = resolved.file;

    const common = {
      memorySize: settings.memorySize,
      timeout: Duration.seconds(settings.functionTimeoutSeconds),
      description: 'Kubernetes mutating admission webhook: injects the sidecar into labelled pods',
      role: this.role,
      logGroup: this.logGroup,
      environment: functionEnvironment(settings, resolved.template.sidecarName, pathToken),
      // The ceiling on the bill and on what this function can take from the account's other functions.
      reservedConcurrentExecutions: settings.reservedConcurrency,
    };
    this.function = bundledFunction(this, 'Handler', { ...common, prebuilt: 'handler', entry: HANDLER_ENTRY, templateFile });

    // API Gateway calls the alias, so provisioned concurrency (which needs a version) applies.
    this.alias = new lambda.Alias(this, 'Live', {
      aliasName: 'live',
      version: this.function.currentVersion,
      ...(settings.provisionedConcurrency > 0 ? { provisionedConcurrentExecutions: settings.provisionedConcurrency } : {}),
    });
  }
}

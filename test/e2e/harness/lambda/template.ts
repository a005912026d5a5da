// Reads what the API Gateway emulation needs from a synthesized CloudFormation template: the REST
// API's routes (resource paths built from the AWS::ApiGateway::Resource parent chain), the
// stage, and for each AWS_PROXY method the Lambda function its integration URI names (through
// an alias, as the stack wires it) with the function's asset folder, handler, environment,
// timeout and memory. Only what the stack uses is understood; anything else is an error naming
// the resource, so a stack change cannot silently bypass the emulation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;
interface CfnResource {
  Type: string;
  Properties?: Json;
  Metadata?: Json;
}

export interface TemplateFunction {
  logicalId: string;
  /** Folder of the bundled asset inside the cloud assembly (the function's /var/task). */
  codeDir: string;
  handler: string;
  runtime: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
}

export interface TemplateRoute {
  method: string;
  /** API Gateway resource path, e.g. /mutate or /mutate/<token>. */
  path: string;
  functionLogicalId: string;
  integrationTimeoutMs: number;
}

export interface TemplateApi {
  stage: string;
  binaryMediaTypes: string[];
  routes: TemplateRoute[];
  functions: Record<string, TemplateFunction>;
}

export function readTemplateApi(assemblyDir: string, stackName: string): TemplateApi {
  const template = JSON.parse(readFileSync(join(assemblyDir, `${stackName}.template.json`), 'utf8')) as { Resources: Record<string, CfnResource> };
  const resources = template.Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  const apis = ofType('AWS::ApiGateway::RestApi');
  if (apis.length !== 1) throw new Error(`expected one AWS::ApiGateway::RestApi in ${stackName}, found ${apis.length}`);
  const [apiId, api] = apis[0] as [string, CfnResource];
  const stages = ofType('AWS::ApiGateway::Stage');
  if (stages.length !== 1) throw new Error(`expected one AWS::ApiGateway::Stage in ${stackName}, found ${stages.length}`);
  const stage = String((stages[0] as [string, CfnResource])[1].Properties?.StageName);

  const pathOf = (parent: unknown): string => {
    const p = parent as Json;
    const getAtt = p['Fn::GetAtt'] as [string, string] | undefined;
    if (getAtt && getAtt[0] === apiId && getAtt[1] === 'RootResourceId') return '';
    const ref = p.Ref as string | undefined;
    const resource = ref === undefined ? undefined : resources[ref];
    if (!resource || resource.Type !== 'AWS::ApiGateway::Resource') throw new Error(`unsupported resource parent ${JSON.stringify(parent)}`);
    return `${pathOf(resource.Properties?.ParentId)}/${String(resource.Properties?.PathPart)}`;
  };

  const functions: Record<string, TemplateFunction> = {};
  const routes: TemplateRoute[] = [];
  for (const [id, method] of ofType('AWS::ApiGateway::Method')) {
    const props = method.Properties ?? {};
    const integration = props.Integration as Json | undefined;
    if (integration?.Type !== 'AWS_PROXY') throw new Error(`${id}: only AWS_PROXY (Lambda proxy) integrations are emulated, found ${String(integration?.Type)}`);
    const resourceId = props.ResourceId as Json;
    const path = resourceId['Fn::GetAtt'] ? '/' : pathOf(resourceId);
    const functionId = functionOfUri(id, integration.Uri, resources);
    functions[functionId] ??= readFunction(functionId, resources, assemblyDir);
    routes.push({
      method: String(props.HttpMethod),
      path,
      functionLogicalId: functionId,
      integrationTimeoutMs: Number(integration.TimeoutInMillis ?? 29_000),
    });
  }
  return { stage, binaryMediaTypes: (api.Properties?.BinaryMediaTypes as string[] | undefined) ?? [], routes, functions };
}

/** The integration URI is a Fn::Join around `Ref: <alias or function>`; an alias leads to its function. */
function functionOfUri(methodId: string, uri: unknown, resources: Record<string, CfnResource>): string {
  const parts = ((uri as Json)['Fn::Join'] as [string, unknown[]] | undefined)?.[1] ?? [];
  for (const part of parts) {
    const ref = (part as Json | string) && typeof part === 'object' ? ((part as Json).Ref as string | undefined) : undefined;
    const target = ref === undefined ? undefined : resources[ref];
    if (target?.Type === 'AWS::Lambda::Function') return ref as string;
    if (target?.Type === 'AWS::Lambda::Alias') {
      const fn = (target.Properties?.FunctionName as Json).Ref as string;
      if (resources[fn]?.Type === 'AWS::Lambda::Function') return fn;
    }
  }
  throw new Error(`${methodId}: cannot find the Lambda function in the integration URI ${JSON.stringify(uri)}`);
}

function readFunction(id: string, resources: Record<string, CfnResource>, assemblyDir: string): TemplateFunction {
  const fn = resources[id] as CfnResource;
  const asset = fn.Metadata?.['aws:asset:path'];
  if (typeof asset !== 'string') throw new Error(`${id}: no aws:asset:path metadata (is the function bundled as an asset?)`);
  const props = fn.Properties ?? {};
  const variables = ((props.Environment as Json | undefined)?.Variables ?? {}) as Record<string, unknown>;
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    // Deploy-time values (Ref, Fn::GetAtt: the parameter names when created) have no local value.
    if (typeof value !== 'string') throw new Error(`${id}: environment variable ${key} is not a literal (${JSON.stringify(value)}); give it a value in the synth context`);
    environment[key] = value;
  }
  return {
    logicalId: id,
    codeDir: join(assemblyDir, asset),
    handler: String(props.Handler),
    runtime: String(props.Runtime),
    environment,
    timeoutSeconds: Number(props.Timeout ?? 3),
    memoryMb: Number(props.MemorySize ?? 128),
  };
}

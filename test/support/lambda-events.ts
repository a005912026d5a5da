import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** API Gateway proxy events as API Gateway sends them (REST payload v1, HTTP API payload v2), and a Lambda context. */

export interface EventOptions {
  method?: string;
  path?: string;
  body?: string | Buffer | null;
  base64?: boolean;
}

function encode(body: string | Buffer | null | undefined, base64: boolean): string | null {
  if (body === null || body === undefined) return null;
  const buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return base64 ? buffer.toString('base64') : buffer.toString('utf8');
}

export function restEvent(options: EventOptions = {}): APIGatewayProxyEvent {
  const method = options.method ?? 'POST';
  const path = options.path ?? '/mutate';
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: method,
    headers: { 'content-type': 'application/json', Host: 'abc123.execute-api.eu-west-1.amazonaws.com' },
    multiValueHeaders: { 'content-type': ['application/json'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { proxy: path.replace(/^\//, '') },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: {},
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '10.0.0.1',
        user: null,
        userAgent: 'kube-apiserver-admission',
        userArn: null,
      },
      path: `/prod${path}`,
      stage: 'prod',
      requestId: 'rest-request-id',
      requestTimeEpoch: 1_700_000_000_000,
      resourceId: 'res123',
      resourcePath: '/{proxy+}',
    },
    body: encode(options.body, options.base64 ?? false),
    isBase64Encoded: options.base64 ?? false,
  };
}

export function httpApiEvent(options: EventOptions = {}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'POST';
  const path = options.path ?? '/mutate';
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'abc123.execute-api.eu-west-1.amazonaws.com' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'kube-apiserver-admission' },
      requestId: 'http-request-id',
      routeKey: '$default',
      stage: '$default',
      time: '23/Nov/2026:19:00:00 +0000',
      timeEpoch: 1_700_000_000_000,
    },
    isBase64Encoded: options.base64 ?? false,
  };
  const body = encode(options.body, options.base64 ?? false);
  if (body !== null) event.body = body;
  return event;
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'sidecar-injector-mutate',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:sidecar-injector-mutate',
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/sidecar-injector-mutate',
    logStreamName: '2026/11/23/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

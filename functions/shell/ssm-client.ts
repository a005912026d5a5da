import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * The real SDK client, with tight timeouts: a request waits for SSM only while a refresh is
 * due, and a slow SSM must fall back to the last good release well inside the webhook's
 * timeout. AWS_ENDPOINT_URL_SSM (read by the SDK itself) points it at a local emulator.
 *
 * Imported statically on purpose: loading it with import() on first use was measured
 * (npm run bench) to stop esbuild tree-shaking the client, 426 KB -> 582 KB of bundle, while
 * the deployed function reads SSM on its first request anyway.
 */
export function createSsmClient(region: string): SSMClient {
  return new SSMClient({
    region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
}

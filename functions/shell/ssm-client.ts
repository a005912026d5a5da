import type { SSMClient } from '@aws-sdk/client-ssm';

/**
 * The real SDK client, with tight timeouts: a request waits for SSM only while a refresh is
 * due, and a slow SSM must fall back to the last good release well inside the webhook's
 * timeout. AWS_ENDPOINT_URL_SSM (read by the SDK itself) points it at a local emulator.
 *
 * The SDK is loaded on the first call, not at start: a process configured from the
 * environment (the local server, the CLI) never pays for it, and a Lambda's first SSM read
 * starts the load itself.
 */
export interface SsmSender extends Pick<SSMClient, 'send'> {
  /** Closes the client's sockets, if it was ever made. */
  destroy(): void;
}

export function createSsmClient(region: string): SsmSender {
  let client: Promise<SSMClient> | undefined;
  const load = async () => {
    const { SSMClient } = await import('@aws-sdk/client-ssm');
    return new SSMClient({
      region,
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
    });
  };
  return {
    send: (async (command: Parameters<SSMClient['send']>[0]) => (await (client ??= load())).send(command)) as SSMClient['send'],
    destroy: () => {
      client?.then((c) => c.destroy());
    },
  };
}

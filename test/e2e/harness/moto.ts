// moto's server mode on loopback as the SSM Parameter Store endpoint, reached with the real
// @aws-sdk/client-ssm client the same way the webhook reaches it: through AWS_ENDPOINT_URL_SSM
// (the SDK reads it from the environment), with dummy static credentials and a fixed region.
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { httpGet } from './http.ts';
import { binaries } from './paths.ts';
import { freePort, LOOPBACK } from './ports.ts';
import { childEnv, registerCleanup, startProcess, type ManagedProcess } from './process.ts';

export interface MotoOptions {
  /** Listen on this port (e.g. to restart on the old endpoint); default a free one. */
  port?: number;
  /** Default 'us-east-1'. */
  region?: string;
  /** Also set the variables of `env` in this test process (restored by stop()); default true. */
  applyToProcessEnv?: boolean;
}

export interface Moto {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  port: number;
  region: string;
  /** What a process needs to talk SSM to this moto: AWS_ENDPOINT_URL_SSM, dummy keys, region. */
  env: Record<string, string>;
  proc: ManagedProcess;
  /** A new SSMClient configured only through the environment (see applyToProcessEnv). */
  ssmClient(): SSMClient;
  /** PutParameter (String, Overwrite); returns the new parameter version. */
  putParameter(name: string, value: string): Promise<number>;
  /** GetParameter; returns its value and version. */
  getParameter(name: string): Promise<{ value: string; version: number }>;
  /** Stops moto_server and restores the environment variables it set. */
  stop(): Promise<void>;
}

/** The variables that point the AWS SDK at `endpoint`; credentials are dummies moto accepts. */
export function motoEnv(endpoint: string, region: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SSM: endpoint,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Starts moto_server on 127.0.0.1 and waits until it answers. */
export async function startMoto(opts: MotoOptions = {}): Promise<Moto> {
  const region = opts.region ?? 'us-east-1';
  const port = opts.port ?? (await freePort());
  const endpoint = `http://${LOOPBACK}:${port}`;
  const env = motoEnv(endpoint, region);
  const proc = await startProcess({
    name: 'moto',
    command: binaries.motoServer,
    args: ['-H', LOOPBACK, '-p', String(port)],
    // No AWS profile or proxy from the developer's shell leaks into the emulator.
    env: childEnv({ ...env, AWS_PROFILE: undefined, PYTHONUNBUFFERED: '1' }),
    readyTimeoutMs: 60_000,
    ready: async () => (await httpGet(`${endpoint}/moto-api/`)).status === 200,
  });

  const saved = new Map<string, string | undefined>();
  const applied = opts.applyToProcessEnv ?? true;
  if (applied) {
    for (const [k, v] of Object.entries(env)) {
      saved.set(k, process.env[k]);
      process.env[k] = v;
    }
    saved.set('AWS_PROFILE', process.env.AWS_PROFILE);
    delete process.env.AWS_PROFILE;
  }

  // With the variables applied the client gets no endpoint in code: the test then proves the
  // environment route the webhook relies on. Otherwise it is pointed here explicitly.
  const ssmClient = (): SSMClient =>
    applied
      ? new SSMClient({ maxAttempts: 2 })
      : new SSMClient({
          maxAttempts: 2,
          endpoint,
          region,
          credentials: { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing' },
        });

  let unregister = (): void => undefined;
  const moto: Moto = {
    endpoint,
    port,
    region,
    env,
    proc,
    ssmClient,
    async putParameter(name, value) {
      const client = ssmClient();
      try {
        const out = await client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
        return out.Version ?? 0;
      } finally {
        client.destroy();
      }
    },
    async getParameter(name) {
      const client = ssmClient();
      try {
        const out = await client.send(new GetParameterCommand({ Name: name }));
        return { value: out.Parameter?.Value ?? '', version: out.Parameter?.Version ?? 0 };
      } finally {
        client.destroy();
      }
    },
    async stop() {
      unregister();
      await proc.stop();
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      saved.clear();
    },
  };
  unregister = registerCleanup(() => moto.stop());
  return moto;
}

// @kubernetes/client-node clients for the test API server: static bearer token, our test CA.
import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

export interface KubeClients {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  admission: AdmissionregistrationV1Api;
}

/** A KubeConfig with one cluster/user/context named "e2e" for `server`. */
export function makeKubeConfig(server: string, token: string, caPem: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'e2e', server, caData: Buffer.from(caPem).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'e2e-admin', token }],
    contexts: [{ name: 'e2e', cluster: 'e2e', user: 'e2e-admin', namespace: 'default' }],
    currentContext: 'e2e',
  });
  return kc;
}

export function makeClients(kubeConfig: KubeConfig): KubeClients {
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    admission: kubeConfig.makeApiClient(AdmissionregistrationV1Api),
  };
}

/** The HTTP status of an error thrown by a client-node 2.x API call (ApiException.code), if any. */
export function apiStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

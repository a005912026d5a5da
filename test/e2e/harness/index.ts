// The end-to-end harness: real etcd + kube-apiserver, moto (SSM), test PKI, process control.
//
//   const gate = requireParts(['kube-apiserver', 'etcd', 'moto']);   // skip or (CI) fail
//   const cluster = await startCluster();      // etcd + kube-apiserver on 127.0.0.1
//   const ns = await cluster.createNamespace('t1');  // with its `default` ServiceAccount
//   await cluster.core.createNamespacedPod({ namespace: ns, body: pod });
//   const moto = await startMoto();            // sets AWS_ENDPOINT_URL_SSM etc. in process.env
//   await moto.putParameter('/sidecar/config', '{...}');
//   const certs = makeCerts(dir);              // CA + serving certs (127.0.0.1 IP SAN)
//   afterAll(stopAll);                         // every process, also when a test failed
//
// Each module has one purpose; see its header comment.
export { startAdmissionServer } from './admission-server.ts';
export type { AdmissionDecision, AdmissionRequest, AdmissionServer, AdmissionServerOptions } from './admission-server.ts';
export {
  DIGEST_PIN,
  digestPinPatch,
  foreignWebhooks,
  pinnedImage,
  POD_IDENTITY,
  podIdentityPatch,
  registerForeignWebhook,
} from './foreign-webhooks.ts';
export type { ForeignWebhookRegistration } from './foreign-webhooks.ts';
export { makeCA, makeCerts, makeServiceAccountKey, makeServingCert } from './certs.ts';
export type { KeyPair, ServingCertOptions, TestCerts } from './certs.ts';
export { startCluster } from './cluster.ts';
export type { Cluster, ClusterOptions } from './cluster.ts';
export { httpGet } from './http.ts';
export { startFakeKubelet } from './kubelet.ts';
export { startRegistry } from './registry.ts';
export type { Registry } from './registry.ts';
export type { FakeKubelet } from './kubelet.ts';
export type { GetOptions, GetResult } from './http.ts';
export { apiStatus, makeClients, makeKubeConfig } from './kube.ts';
export type { KubeClients } from './kube.ts';
export { motoEnv, startMoto } from './moto.ts';
export type { Moto, MotoOptions } from './moto.ts';
export { isCI, missingParts, requireParts } from './parts.ts';
export type { Gate, Part } from './parts.ts';
export { binaries, cfnLintPath, e2eCache, ensureDir, installedVersions, lambdaRiePath, logsDir, repoRoot, runsDir } from './paths.ts';
export { freePort, freePorts, LOOPBACK } from './ports.ts';
export { childEnv, registerCleanup, runningProcesses, startProcess, stopAll } from './process.ts';
export type { ManagedProcess, StartProcessOptions } from './process.ts';
export { sleep, waitFor, withTimeout } from './wait.ts';
export { startWebhookServer } from './webhook.ts';
export type { WebhookServer, WebhookServerOptions } from './webhook.ts';
export type { WaitOptions } from './wait.ts';
export { startLambdaFunction, startLambdaWebhook, synthApp, STACK_NAME, TEST_PATH_TOKEN } from './lambda/lambda-path.ts';
export type { LambdaFunctionProcess, LambdaWebhook, LambdaWebhookOptions } from './lambda/lambda-path.ts';
export { readTemplateApi } from './lambda/template.ts';
export type { TemplateApi, TemplateFunction, TemplateRoute } from './lambda/template.ts';

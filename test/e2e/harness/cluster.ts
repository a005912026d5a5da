// A real control plane on loopback: etcd plus kube-apiserver built by setup.sh. No controllers,
// scheduler or kubelet run, so:
//   - pods stay Pending and are never scheduled (fine: admission is all we test);
//   - there is no service-account controller: createNamespace() creates the namespace AND its
//     `default` ServiceAccount, so pods need no special field and the ServiceAccount admission
//     plugin behaves as in a real cluster (it adds the projected token volume);
//   - there is no namespace controller: a deleted namespace stays Terminating forever, so tests
//     use a fresh namespace name each instead of deleting and re-creating one;
//   - unscheduled pods are deleted at once (no kubelet to wait for), finalizers permitting.
// Authentication: a static token file with one admin user in system:masters; authorization RBAC
// (system:masters is allowed everything). Admission: the defaults plus MutatingAdmissionWebhook,
// ValidatingAdmissionWebhook and ServiceAccount named explicitly.
import type { V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCerts, type TestCerts } from './certs.ts';
import { httpGet } from './http.ts';
import { apiStatus, makeClients, makeKubeConfig, type KubeClients } from './kube.ts';
import { binaries, ensureDir, runsDir } from './paths.ts';
import { freePorts, LOOPBACK } from './ports.ts';
import { registerCleanup, startProcess, type ManagedProcess } from './process.ts';
import { waitFor } from './wait.ts';

export interface ClusterOptions {
  /** Extra kube-apiserver flags, e.g. ['--v=4'] (appended; a later flag wins). */
  apiServerArgs?: string[];
  /** Bound for kube-apiserver to become ready (default 180 s; 2 cores, cold start). */
  readyTimeoutMs?: number;
  /**
   * Also run kube-controller-manager (built from the same k8s.io/kubernetes release) with the
   * workload controllers only: Deployments make ReplicaSets and pods, StatefulSets, DaemonSets
   * and Jobs make pods. Still no scheduler or kubelet: pods stay unscheduled unless a test marks
   * them Ready through the status subresource (see kubelet.ts).
   */
  controllerManager?: boolean;
}

/** The controllers a fleet test needs; the others (tokens, namespaces, GC, nodes) stay off. */
const WORKLOAD_CONTROLLERS = ['deployment-controller', 'replicaset-controller', 'statefulset-controller', 'daemonset-controller', 'job-controller'];

export interface Cluster extends KubeClients {
  /** https://127.0.0.1:<port> */
  server: string;
  /** The admin bearer token (user "e2e-admin", group system:masters). */
  token: string;
  /** The run's PKI: its CA signs the API server's cert and is free for the webhook's too. */
  certs: TestCerts;
  /** This run's scratch folder (etcd data, certs, token file); removed on stop. */
  dir: string;
  /** A kubeconfig file for the admin user (what a CLI under test is given). */
  kubeconfigFile: string;
  /** Running when `controllerManager` was asked for. */
  controllerManager?: ManagedProcess;
  etcd: ManagedProcess;
  apiserver: ManagedProcess;
  /** Creates a namespace and its `default` ServiceAccount; returns the name. */
  createNamespace(name: string, labels?: Record<string, string>): Promise<string>;
  /**
   * Creates `pod` with dryRun=All: full admission (webhooks with sideEffects None are called),
   * nothing stored. Returns the pod as admitted. A newly registered webhook configuration takes
   * the API server a moment to pick up; poll this (waitFor) until the webhook is seen to act.
   */
  dryRunPod(namespace: string, pod: V1Pod): Promise<V1Pod>;
  /** Stops kube-apiserver, then etcd, and removes `dir` (set E2E_KEEP_RUNS=1 to keep it). */
  stop(): Promise<void>;
}

const PORT_ATTEMPTS = 3;

/** Retries `start` when the port it was given was taken in the meantime (or it failed early). */
async function withPortRetry<T>(what: string, start: (attempt: number) => Promise<T>): Promise<T> {
  let lastErr: unknown;
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    try {
      return await start(attempt);
    } catch (err) {
      lastErr = err;
      const text = err instanceof Error ? err.message : String(err);
      if (!/address already in use|bind:|exited early/i.test(text)) break;
    }
  }
  throw new Error(`${what} did not start: ${lastErr instanceof Error ? lastErr.message : String(lastErr)}`);
}

async function startEtcd(dir: string): Promise<{ proc: ManagedProcess; url: string }> {
  return withPortRetry('etcd', async (attempt) => {
    const [clientPort, peerPort] = await freePorts(2);
    const url = `http://${LOOPBACK}:${clientPort}`;
    const peer = `http://${LOOPBACK}:${peerPort}`;
    const dataDir = join(dir, `etcd-data-${attempt}`);
    const proc = await startProcess({
      name: 'etcd',
      command: binaries.etcd,
      args: [
        '--name=e2e',
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${url}`,
        `--advertise-client-urls=${url}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=e2e=${peer}`,
        '--initial-cluster-state=new',
        // Throwaway data: skip fsync so the 2-core machine spends its time on the API server.
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      readyTimeoutMs: 30_000,
      ready: async () => {
        const res = await httpGet(`${url}/health`);
        return res.status === 200 && /"health":\s*"true"/.test(res.body);
      },
    });
    return { proc, url };
  });
}

async function startApiServer(
  dir: string,
  etcdUrl: string,
  certs: TestCerts,
  token: string,
  opts: ClusterOptions,
): Promise<{ proc: ManagedProcess; server: string }> {
  const tokenFile = join(dir, 'tokens.csv');
  // token,user,uid,"group1,group2"
  writeFileSync(tokenFile, `${token},e2e-admin,e2e-admin-uid,"system:masters"\n`, { mode: 0o600 });
  const certDir = ensureDir(join(dir, 'apiserver-certs'));
  return withPortRetry('kube-apiserver', async () => {
    const [port] = await freePorts(1);
    const server = `https://${LOOPBACK}:${port}`;
    const proc = await startProcess({
      name: 'kube-apiserver',
      command: binaries.kubeApiserver,
      args: [
        `--etcd-servers=${etcdUrl}`,
        `--bind-address=${LOOPBACK}`,
        `--advertise-address=${LOOPBACK}`,
        `--secure-port=${port}`,
        `--cert-dir=${certDir}`,
        `--tls-cert-file=${certs.apiserver.certFile}`,
        `--tls-private-key-file=${certs.apiserver.keyFile}`,
        `--client-ca-file=${certs.ca.certFile}`,
        `--token-auth-file=${tokenFile}`,
        '--anonymous-auth=false',
        '--authorization-mode=RBAC',
        '--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
        // Required even with no controller-manager: the API server signs and verifies tokens.
        `--service-account-issuer=https://kubernetes.default.svc`,
        `--service-account-key-file=${certs.serviceAccountKeyFile}`,
        `--service-account-signing-key-file=${certs.serviceAccountKeyFile}`,
        // A range for Service IPs: only a setting here, no traffic goes to it.
        '--service-cluster-ip-range=10.96.0.0/24',
        '--allow-privileged=true',
        // Fewer background loops on a 2-core machine; neither affects admission.
        '--enable-priority-and-fairness=false',
        '--profiling=false',
        '--endpoint-reconciler-type=none',
        '--v=1',
        ...(opts.apiServerArgs ?? []),
      ],
      // startProcess's default environment has no proxy variables: the API server must call
      // the webhook on 127.0.0.1 directly.
      readyTimeoutMs: opts.readyTimeoutMs ?? 180_000,
      ready: async () => {
        const res = await httpGet(`${server}/readyz`, {
          ca: certs.ca.certPem,
          headers: { Authorization: `Bearer ${token}` },
        });
        return res.status === 200;
      },
    });
    return { proc, server };
  });
}

/**
 * kube-controller-manager against the API server, as the admin user, with the workload
 * controllers only and no leader election. It serves /healthz on a loopback port with the test
 * PKI's serving certificate, which is how readiness is seen.
 */
async function startControllerManager(dir: string, kubeconfigFile: string, certs: TestCerts): Promise<ManagedProcess> {
  return withPortRetry('kube-controller-manager', async () => {
    const [port] = await freePorts(1);
    return startProcess({
      name: 'kube-controller-manager',
      command: binaries.kubeControllerManager,
      args: [
        `--kubeconfig=${kubeconfigFile}`,
        `--controllers=${WORKLOAD_CONTROLLERS.join(',')}`,
        '--leader-elect=false',
        `--bind-address=${LOOPBACK}`,
        `--secure-port=${port}`,
        `--cert-dir=${join(dir, 'controller-manager-certs')}`,
        `--tls-cert-file=${certs.apiserver.certFile}`,
        `--tls-private-key-file=${certs.apiserver.keyFile}`,
        '--profiling=false',
        '--v=1',
      ],
      readyTimeoutMs: 120_000,
      ready: async () => (await httpGet(`https://${LOOPBACK}:${port}/healthz`, { ca: certs.ca.certPem })).status === 200,
    });
  });
}

/** Removes the scratch folders of earlier runs whose test process is gone (killed hard). */
function pruneStaleRuns(): void {
  let names: string[] = [];
  try {
    names = readdirSync(runsDir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^cluster-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(runsDir, name), { recursive: true, force: true });
    }
  }
}

/** Starts etcd and kube-apiserver on loopback and returns clients for them. */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  pruneStaleRuns();
  const dir = ensureDir(join(runsDir, `cluster-${process.pid}-${Date.now()}-${randomBytes(3).toString('hex')}`));
  const certs = makeCerts(join(dir, 'pki'));
  const token = randomBytes(24).toString('hex');
  const etcd = await startEtcd(dir);
  let apiserver: ManagedProcess;
  let server: string;
  try {
    ({ proc: apiserver, server } = await startApiServer(dir, etcd.url, certs, token, opts));
  } catch (err) {
    await etcd.proc.stop();
    throw err;
  }
  const clients = makeClients(makeKubeConfig(server, token, certs.ca.certPem));
  const kubeconfigFile = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigFile, clients.kubeConfig.exportConfig(), { mode: 0o600 });
  let controllerManager: ManagedProcess | undefined;

  let unregister = (): void => undefined;
  const stop = async (): Promise<void> => {
    unregister();
    await controllerManager?.stop();
    await apiserver.stop();
    await etcd.proc.stop();
    if (process.env.E2E_KEEP_RUNS !== '1') rmSync(dir, { recursive: true, force: true });
  };
  unregister = registerCleanup(stop);

  try {
    // readyz can pass a moment before the bootstrap controller has made the `default` namespace.
    await waitFor(
      async () => {
        await clients.core.readNamespace({ name: 'default' });
        return true;
      },
      { what: 'namespace "default"', timeoutMs: 60_000, intervalMs: 250 },
    );
    if (opts.controllerManager) controllerManager = await startControllerManager(dir, kubeconfigFile, certs);
  } catch (err) {
    await stop();
    throw err;
  }

  const createNamespace = async (name: string, labels?: Record<string, string>): Promise<string> => {
    try {
      await clients.core.createNamespace({ body: { metadata: { name, labels } } });
    } catch (err) {
      if (apiStatus(err) !== 409) throw err;
    }
    try {
      await clients.core.createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: 'default' } } });
    } catch (err) {
      if (apiStatus(err) !== 409) throw err;
    }
    return name;
  };

  const dryRunPod = (namespace: string, pod: V1Pod): Promise<V1Pod> =>
    clients.core.createNamespacedPod({ namespace, body: pod, dryRun: 'All' });

  return {
    ...clients,
    server,
    token,
    certs,
    dir,
    kubeconfigFile,
    ...(controllerManager ? { controllerManager } : {}),
    etcd: etcd.proc,
    apiserver,
    createNamespace,
    dryRunPod,
    stop,
  };
}

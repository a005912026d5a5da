import { CORPUS_DIR, corpusAvailable, loadCorpus } from '../support/corpus.ts';

/** The inputs: the shared corpus and synthetic large pods, wrapped as AdmissionReview request bodies. */

export interface BenchPod {
  name: string;
  pod: unknown;
}

/** The corpus pods, or none when the shared corpus is not beside this clone (then the synthetic pods still run). */
export function corpusPods(): BenchPod[] {
  if (!corpusAvailable) return [];
  return loadCorpus().map(({ name, pod }) => ({ name, pod }));
}

export const corpusMissing = `no corpus at ${CORPUS_DIR} (see ../shared/corpus/README.md)`;

/** The exact body the API server would POST for a pod CREATE. */
export function reviewBody(pod: unknown, uid: string, operation: 'CREATE' | 'UPDATE' = 'CREATE'): Buffer {
  return Buffer.from(
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid,
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        requestKind: { group: '', version: 'v1', kind: 'Pod' },
        requestResource: { group: '', version: 'v1', resource: 'pods' },
        namespace: 'bench',
        operation,
        userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:authenticated'] },
        object: pod,
        oldObject: null,
        dryRun: false,
        options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
      },
    }),
  );
}

function container(index: number, envCount: number): Record<string, unknown> {
  return {
    name: `app-${index}`,
    image: `registry.example.com/team/service-${index}:v1.${index % 50}.3`,
    imagePullPolicy: 'IfNotPresent',
    args: ['--listen=:8080', `--shard=${index}`, '--log-format=json'],
    ports: [{ name: 'http', containerPort: 8080 + (index % 1000), protocol: 'TCP' }],
    env: Array.from({ length: envCount }, (_, e) => ({
      name: `SETTING_${index}_${e}`,
      value: `value-${e}-${'x'.repeat(e % 17)}`,
    })),
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    volumeMounts: [{ name: 'config', mountPath: '/etc/config', readOnly: true }],
    readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
  };
}

function basePod(name: string, containers: Array<Record<string, unknown>>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace: 'bench',
      labels: { app: name, 'sidecar-injection': 'enabled' },
      annotations: { 'example.com/owner': 'bench', 'example.com/description': 'synthetic pod for the admission benchmark' },
    },
    spec: {
      serviceAccountName: 'default',
      volumes: [{ name: 'config', configMap: { name: `${name}-config` } }],
      containers,
    },
  };
}

/**
 * A pod of realistic shape (containers with env, ports, probes, resources) grown container by
 * container until it reaches about `targetBytes` of JSON: the same shape at every size, so the
 * cost per byte can be compared across sizes.
 */
export function sizedPod(name: string, targetBytes: number): BenchPod {
  const containers: Array<Record<string, unknown>> = [];
  const pod = basePod(name, containers);
  let size = JSON.stringify(pod).length;
  while (size < targetBytes) {
    const next = container(containers.length, 40);
    containers.push(next);
    size += JSON.stringify(next).length + 1;
  }
  return { name, pod };
}

/** One container with 1500 env vars (istio/istio#34799: 15 s and 4 CPUs in an injector that diffed pods). */
export function envHeavyPod(): BenchPod {
  return { name: 'env-1500', pod: basePod('env-1500', [container(0, 1500)]) };
}

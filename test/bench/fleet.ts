import jsonPatch from 'fast-json-patch';
import { decide } from '../../functions/core/decide.ts';
import { settingsFromEnv } from '../../functions/shell/settings.ts';
import { missingParts, startCluster, stopAll } from '../e2e/harness/index.ts';
import { firstJsonLine, spawnTs } from './processes.ts';
import { median } from './stats.ts';

/**
 * The fleet (issue 11): `sidecar-injector status` over 10,000 pods in 200 namespaces served by
 * the real API server (the e2e suite's kube-apiserver and etcd), against the floor of one paged
 * LIST of the same pods with @kubernetes/client-node. Each measurement runs in a fresh process,
 * so its peak memory is its own; rounds alternate floor and status.
 *
 * The pods are what the webhook made at release 1.2.1 (its own decision applied), owned by
 * ReplicaSets of 10 Deployments per namespace, labelled for injection; `status` runs against
 * 1.3.0, so every pod is outdated: the costliest classification (the CREATE and UPDATE
 * decisions and a patch per pod).
 */

export interface FleetMeasurement {
  ms: number;
  maxRssMb: number;
  requests: number;
}

export interface FleetResults {
  pods: number;
  namespaces: number;
  pageSize: number;
  rounds: number;
  /** Seconds it took to create the pods (not part of any ratio). */
  setupSeconds: number;
  floor: FleetMeasurement;
  status: FleetMeasurement;
  timeRatio: number;
  memoryRatio: number;
}

interface ChildResult extends FleetMeasurement {
  mode: string;
  pods: number;
}

export async function runFleet(opts: { quick: boolean; log: (line: string) => void }): Promise<FleetResults | undefined> {
  const missing = missingParts(['kube-apiserver', 'etcd', 'openssl']);
  if (missing.length > 0) {
    opts.log(`   skipped: ${missing.join(', ')} missing (npm run e2e:setup)`);
    return undefined;
  }
  const namespaces = opts.quick ? 20 : 200;
  const perNamespace = 50;
  const pageSize = 500;
  const rounds = opts.quick ? 1 : 3;
  const cluster = await startCluster();
  try {
    const started = performance.now();
    const settings = settingsFromEnv({ SIDECAR_VERSION: '1.2.1', SIDECAR_IMAGE: 'registry.example/my-sidecar' });
    const config = { ...settings.injector, release: (settings.release as { release: { version: string; image: string } }).release };
    const pods: Array<{ namespace: string; body: object }> = [];
    for (let n = 0; n < namespaces; n++) {
      const namespace = await cluster.createNamespace(`fleet-${String(n).padStart(3, '0')}`);
      for (let i = 0; i < perNamespace; i++) {
        const deployment = `svc-${i % 10}`;
        const hash = `5d8f7c${String(i % 10).padStart(3, '0')}`;
        const pod = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: `${deployment}-${hash}-${i}`,
            labels: { app: deployment, 'pod-template-hash': hash, 'sidecar-injection': 'enabled' },
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deployment}-${hash}`, uid: `00000000-0000-0000-0000-${String(i % 10).padStart(12, '0')}`, controller: true }],
          },
          spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0', ports: [{ containerPort: 9000 }], env: [{ name: 'MODE', value: 'production' }] }] },
        };
        const decision = decide({ uid: 'bench', operation: 'CREATE', namespace, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, object: pod }, config);
        pods.push({ namespace, body: jsonPatch.applyPatch(structuredClone(pod), decision.patch as jsonPatch.Operation[]).newDocument });
      }
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < pods.length) {
        const item = pods[next++]!;
        await cluster.core.createNamespacedPod({ namespace: item.namespace, body: item.body });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const setupSeconds = (performance.now() - started) / 1000;
    opts.log(`   ${pods.length} pods in ${namespaces} namespaces created in ${setupSeconds.toFixed(0)} s`);

    const samples: Record<'floor' | 'status', ChildResult[]> = { floor: [], status: [] };
    for (let round = 0; round < rounds; round++) {
      const order: Array<'floor' | 'status'> = round % 2 === 0 ? ['floor', 'status'] : ['status', 'floor'];
      for (const mode of order) {
        const child = spawnTs('test/bench/children/fleet-list.ts', [mode, cluster.kubeconfigFile, String(pageSize)]);
        const result = await firstJsonLine<ChildResult>(child, 600_000, `fleet ${mode}`);
        if (result.pods !== pods.length) throw new Error(`fleet ${mode} saw ${result.pods} pods, not ${pods.length}`);
        samples[mode].push(result);
        opts.log(`   round ${round + 1} ${mode}: ${result.ms.toFixed(0)} ms, peak RSS ${result.maxRssMb.toFixed(0)} MB, ${result.requests} requests`);
      }
    }
    const summarize = (list: ChildResult[]): FleetMeasurement => ({
      ms: median(list.map((r) => r.ms)),
      maxRssMb: median(list.map((r) => r.maxRssMb)),
      requests: median(list.map((r) => r.requests)),
    });
    const floor = summarize(samples.floor);
    const status = summarize(samples.status);
    return { pods: pods.length, namespaces, pageSize, rounds, setupSeconds, floor, status, timeRatio: status.ms / floor.ms, memoryRatio: status.maxRssMb / floor.maxRssMb };
  } finally {
    await stopAll();
  }
}

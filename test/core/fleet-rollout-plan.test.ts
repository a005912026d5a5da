import { describe, expect, it } from 'vitest';
import type { PodClassification } from '../../functions/core/fleet/classify.ts';
import { podRunsImage, workloadRolledOut } from '../../functions/core/fleet/readiness.ts';
import type { ClassifiedPod } from '../../functions/core/fleet/report.ts';
import { planRollout } from '../../functions/core/fleet/rollout-plan.ts';

// The rollout plan (issue 11, part 2) and the readiness rules that end a wave.

const outdated = (upgrade: PodClassification['upgrade']): PodClassification => ({ state: 'outdated', reason: '', version: '1.2.1', gap: 'minor', upgrade });
const pod = (namespace: string, name: string, kind: string | undefined, workload: string, upgrade: PodClassification['upgrade'], cohort?: 'stable' | 'canary'): ClassifiedPod => ({
  namespace,
  name,
  ...(kind ? { workload: { kind, name: workload } } : {}),
  ...(cohort ? { cohort } : {}),
  classification: outdated(upgrade),
});

describe('planRollout', () => {
  it('moves in-place pods one by one, in waves of the batch size', () => {
    const pods = ['a', 'b', 'c', 'd', 'e'].map((n) => pod('shop', `web-${n}`, 'Deployment', 'web', 'in-place'));
    const plan = planRollout(pods, 2);
    expect(plan.waves.map((w) => w.map((u) => (u.action === 'in-place' ? u.pod : u.workload)))).toEqual([['web-a', 'web-b'], ['web-c', 'web-d'], ['web-e']]);
    expect(plan.pods).toBe(5);
  });

  it('restarts a workload once when any of its pods needs new pods, taking its in-place pods along, never split', () => {
    const pods = [
      pod('shop', 'web-a', 'Deployment', 'web', 'in-place'),
      pod('shop', 'web-b', 'Deployment', 'web', 'restart'),
      pod('shop', 'web-c', 'Deployment', 'web', 'in-place'),
      pod('shop', 'db-0', 'StatefulSet', 'db', 'in-place'),
    ];
    const plan = planRollout(pods, 2);
    // Three pods of web weigh three: over the batch of 2, so a wave of their own.
    expect(plan.waves).toEqual([
      [{ action: 'restart', namespace: 'shop', workload: 'Deployment/web', target: { kind: 'Deployment', name: 'web' }, pods: ['web-b', 'web-a', 'web-c'] }],
      [{ action: 'in-place', namespace: 'shop', workload: 'StatefulSet/db', pod: 'db-0' }],
    ]);
  });

  it('never touches bare pods or Job pods, nor restarts kinds it does not know; it reports them', () => {
    const plan = planRollout(
      [
        pod('shop', 'bare', undefined, '', 'in-place'),
        pod('shop', 'once-x', 'Job', 'once', 'in-place'),
        pod('shop', 'ro-1', 'Rollout', 'ro', 'restart'),
        pod('shop', 'ro-2', 'Rollout', 'ro', 'in-place'),
      ],
      10,
    );
    expect(plan.waves).toEqual([[{ action: 'in-place', namespace: 'shop', workload: 'Rollout/ro', pod: 'ro-2' }]]);
    expect(plan.untouched.map((u) => [u.pod, u.reason])).toEqual([
      ['bare', 'a bare pod: recreate it yourself'],
      ['once-x', 'a Job pod: the next run gets the release'],
      ['ro-1', 'needs a new pod and Rollout is not restarted by this tool'],
    ]);
  });

  it('moves the canary cohort first, and never mixes cohorts in a wave', () => {
    const plan = planRollout(
      [pod('a', 'x-1', 'Deployment', 'x', 'in-place', 'stable'), pod('b', 'y-1', 'Deployment', 'y', 'in-place', 'canary'), pod('c', 'z-1', 'Deployment', 'z', 'in-place', 'stable')],
      10,
    );
    expect(plan.waves.map((w) => w.map((u) => `${u.cohort}:${u.namespace}`))).toEqual([['canary:b'], ['stable:a', 'stable:c']]);
  });

  it('has nothing to do for a converged fleet', () => {
    const current: ClassifiedPod = { namespace: 'shop', name: 'a', workload: { kind: 'Deployment', name: 'web' }, classification: { state: 'current', reason: '', upgrade: 'none' } };
    expect(planRollout([current], 5)).toEqual({ waves: [], untouched: [], pods: 0 });
  });
});

describe('readiness', () => {
  const image = 'registry.example/my-sidecar:1.3.0';
  const running = (specImage: string, statusImage: string, ready: boolean) => ({
    spec: { containers: [{ name: 'app', image: 'nginx' }, { name: 'my-sidecar', image: specImage }] },
    status: {
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'my-sidecar', image: statusImage, ready, ...(ready ? {} : { state: { waiting: { reason: 'ImagePullBackOff' } } }) }],
    },
  });

  it('a pod is done only when Ready and its sidecar both specified with and running the image', () => {
    expect(podRunsImage(running(image, image, true), 'my-sidecar', image)).toEqual({ done: true, why: 'ready with the release' });
    expect(podRunsImage(running(image, 'registry.example/my-sidecar:1.2.1', true), 'my-sidecar', image).why).toBe('sidecar still runs registry.example/my-sidecar:1.2.1');
    expect(podRunsImage(running(image, image, false), 'my-sidecar', image).why).toBe('sidecar not ready (ImagePullBackOff)');
    expect(podRunsImage(running('registry.example/my-sidecar:1.2.1', image, true), 'my-sidecar', image).done).toBe(false);
  });

  it('a Deployment is rolled out as kubectl rollout status reads it', () => {
    const d = (status: object, generation = 2) => ({ metadata: { generation }, spec: { replicas: 3 }, status: { observedGeneration: 2, ...status } });
    expect(workloadRolledOut('Deployment', d({ updatedReplicas: 3, replicas: 3, availableReplicas: 3 }))).toEqual({ done: true, why: 'rolled out' });
    expect(workloadRolledOut('Deployment', d({ updatedReplicas: 3, replicas: 3, availableReplicas: 3 }, 3)).done).toBe(false);
    expect(workloadRolledOut('Deployment', d({ updatedReplicas: 3, replicas: 4, availableReplicas: 3 })).why).toBe('1 old pods still there');
    expect(workloadRolledOut('Deployment', d({ updatedReplicas: 3, replicas: 3, availableReplicas: 2 })).why).toBe('2 of 3 updated pods available');
  });

  it('StatefulSets and DaemonSets by their own status fields', () => {
    const sts = { metadata: { generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, readyReplicas: 2, updatedReplicas: 2, currentRevision: 'r2', updateRevision: 'r2' } };
    expect(workloadRolledOut('StatefulSet', sts).done).toBe(true);
    expect(workloadRolledOut('StatefulSet', { ...sts, status: { ...sts.status, currentRevision: 'r1' } }).done).toBe(false);
    const ds = { metadata: { generation: 1 }, status: { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 } };
    expect(workloadRolledOut('DaemonSet', ds).why).toBe('2 of 3 pods available');
  });
});

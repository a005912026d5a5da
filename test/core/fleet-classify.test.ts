import { describe, expect, it } from 'vitest';
import { classifyPod } from '../../functions/core/fleet/classify.ts';
import { FleetReportBuilder } from '../../functions/core/fleet/report.ts';
import { owningWorkload } from '../../functions/core/fleet/workload.ts';
import { decideAndApply, testConfig, withSidecarFields } from '../support/injector.ts';

// The fleet report's classification (issue 11, part 1), one row per state of the README's
// "Upgrading the fleet" table. Pods are made by the webhook's own decision at one release and
// classified at another, as a fleet ages.

const VERSION = 'injector.my-company.com/version';
const REPO = 'registry.example/my-sidecar';
const at = (version: string, extra: Parameters<typeof testConfig>[0] = {}) => testConfig({ release: { version, image: `${REPO}:${version}` }, ...extra });

function appPod(extra: any = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-7d9f-abcde', namespace: 'shop', labels: { app: 'web' }, ...(extra.metadata ?? {}) },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...(extra.spec ?? {}) },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

/** A pod as the webhook injected it at `version`. */
const injectedAt = (version: string, extra: any = {}) => decideAndApply(appPod(extra), at(version)).pod;

describe('classifyPod', () => {
  it('current: the release image and version, nothing left to converge', () => {
    expect(classifyPod(injectedAt('1.3.0'), 'shop', at('1.3.0'), true)).toMatchObject({ state: 'current', version: '1.3.0', upgrade: 'none' });
  });

  it('outdated, by how much, moved in place when the webhook upgrades on UPDATE', () => {
    const pod = injectedAt('1.2.1');
    expect(classifyPod(pod, 'shop', at('1.3.0', { upgradeOnUpdate: true }), true)).toMatchObject({ state: 'outdated', gap: 'minor', version: '1.2.1', upgrade: 'in-place' });
    expect(classifyPod(pod, 'shop', at('2.0.0', { upgradeOnUpdate: true }), true)).toMatchObject({ gap: 'major' });
    expect(classifyPod(pod, 'shop', at('1.2.2', { upgradeOnUpdate: true }), true)).toMatchObject({ gap: 'patch' });
  });

  it('outdated needs a restart when the webhook does not upgrade on UPDATE', () => {
    expect(classifyPod(injectedAt('1.2.1'), 'shop', at('1.3.0'), true)).toMatchObject({ state: 'outdated', upgrade: 'restart' });
  });

  it('outdated needs a restart when the template changed beyond the image (a new field, a new volume)', () => {
    const newer = withSidecarFields(at('1.3.0', { upgradeOnUpdate: true }), { args: ['--new-flag'] });
    expect(classifyPod(injectedAt('1.2.1'), 'shop', newer, true)).toMatchObject({ state: 'outdated', gap: 'minor', upgrade: 'restart' });
    const sameVersion = withSidecarFields(at('1.3.0', { upgradeOnUpdate: true }), { args: ['--new-flag'] });
    expect(classifyPod(injectedAt('1.3.0'), 'shop', sameVersion, true)).toMatchObject({ state: 'outdated', gap: 'template', upgrade: 'restart' });
  });

  it('outdated ahead of the release after a rollback: only a restart moves it back (upgrades only go forward)', () => {
    expect(classifyPod(injectedAt('1.3.0'), 'shop', at('1.2.1', { upgradeOnUpdate: true }), true)).toMatchObject({ state: 'outdated', gap: 'ahead', upgrade: 'restart' });
  });

  it('mismatch: the annotation names one version, the container runs another image', () => {
    const pod = injectedAt('1.2.1');
    pod.spec.containers[1].image = `${REPO}:1.2.9`;
    expect(classifyPod(pod, 'shop', at('1.3.0', { upgradeOnUpdate: true }), true)).toMatchObject({ state: 'mismatch', version: '1.2.1', image: `${REPO}:1.2.9`, upgrade: 'restart' });
  });

  it('mismatch: the release image with a stale annotation is fixed in place by the webhook', () => {
    const pod = injectedAt('1.3.0');
    pod.metadata.annotations[VERSION] = '1.2.1';
    expect(classifyPod(pod, 'shop', at('1.3.0', { upgradeOnUpdate: true }), true)).toMatchObject({ state: 'mismatch', upgrade: 'in-place' });
  });

  it('missing: selected, not skipped, no sidecar (an outage under Ignore)', () => {
    expect(classifyPod(appPod(), 'shop', at('1.3.0'), true)).toMatchObject({ state: 'missing', upgrade: 'restart' });
  });

  it('skipped, with the webhook\'s reason', () => {
    const optOut = appPod({ metadata: { annotations: { 'injector.my-company.com/inject': 'false' } } });
    expect(classifyPod(optOut, 'shop', at('1.3.0'), true)).toMatchObject({ state: 'skipped', skipReason: 'opt-out', upgrade: 'none' });
    expect(classifyPod(appPod({ spec: { hostNetwork: true, containers: [{ name: 'a', image: 'b' }] } }), 'shop', at('1.3.0'), true)).toMatchObject({ state: 'skipped', skipReason: 'host-network' });
  });

  it('not selected, and completed pods never counted as drift', () => {
    expect(classifyPod(appPod(), 'shop', at('1.3.0'), false)).toMatchObject({ state: 'not-selected' });
    expect(classifyPod(injectedAt('1.0.0', { status: { phase: 'Succeeded' } }), 'shop', at('1.3.0'), true)).toMatchObject({ state: 'completed' });
  });
});

describe('owningWorkload', () => {
  const owned = (kind: string, name: string, labels: Record<string, string> = {}) => ({
    metadata: { name: 'p', labels, ownerReferences: [{ apiVersion: 'apps/v1', kind, name, controller: true, uid: 'u' }] },
  });

  it('resolves a ReplicaSet to its Deployment by the pod-template-hash, without a GET', () => {
    expect(owningWorkload(owned('ReplicaSet', 'web-7d9f6c5b8', { 'pod-template-hash': '7d9f6c5b8' }))).toEqual({ kind: 'Deployment', name: 'web' });
  });

  it('keeps a ReplicaSet whose name does not end with the hash (made by hand), and other owners as they are', () => {
    expect(owningWorkload(owned('ReplicaSet', 'standalone', { 'pod-template-hash': 'abc' }))).toEqual({ kind: 'ReplicaSet', name: 'standalone' });
    expect(owningWorkload(owned('StatefulSet', 'db'))).toEqual({ kind: 'StatefulSet', name: 'db' });
    expect(owningWorkload(owned('Job', 'nightly-29000'))).toEqual({ kind: 'Job', name: 'nightly-29000' });
    expect(owningWorkload({ metadata: { name: 'bare' } })).toBeUndefined();
  });
});

describe('FleetReportBuilder', () => {
  it('groups by namespace and workload, counts states, and is converged only without drift', () => {
    const builder = new FleetReportBuilder({ version: '1.3.0', image: `${REPO}:1.3.0` });
    const web = { kind: 'Deployment', name: 'web' };
    builder.add({ namespace: 'shop', name: 'a', workload: web, classification: { state: 'current', reason: '', version: '1.3.0', upgrade: 'none' } });
    builder.add({ namespace: 'shop', name: 'b', workload: web, classification: { state: 'outdated', reason: '', version: '1.2.1', gap: 'minor', upgrade: 'in-place' } });
    builder.add({ namespace: 'shop', name: 'c', classification: { state: 'completed', reason: '', version: '1.0.0', upgrade: 'none' } });
    const report = builder.build();
    expect(report.converged).toBe(false);
    expect(report.totals).toMatchObject({ pods: 3, current: 1, outdated: 1, completed: 1 });
    expect(report.workloads).toEqual([
      expect.objectContaining({ namespace: 'shop', workload: 'Deployment/web', pods: 2, versions: { '1.3.0': 1, '1.2.1': 1 }, upgrade: 'in-place' }),
      expect.objectContaining({ namespace: 'shop', workload: 'Pod/c', pods: 1, versions: {}, upgrade: 'none' }),
    ]);
    expect(report.pods.map((p) => p.name)).toEqual(['b']);

    const clean = new FleetReportBuilder({ version: '1.3.0', image: `${REPO}:1.3.0` });
    clean.add({ namespace: 'shop', name: 'c', classification: { state: 'completed', reason: '', upgrade: 'none' } });
    expect(clean.build().converged).toBe(true);
  });
});

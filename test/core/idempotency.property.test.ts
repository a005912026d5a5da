import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../functions/core/decide.ts';
import { annotationKeys } from '../../functions/core/injector-config.ts';
import { escapeKey } from '../../functions/core/json-pointer.ts';
import { applyForeignChange, configArbitrary, foreignChange, podArbitrary } from '../support/arbitraries.ts';
import { applyPatch, containersNamed, podRequest } from '../support/injector.ts';
import { withoutOwned } from '../support/ownership.ts';
import { sameImage } from '../../functions/core/image-reference.ts';
import type { InjectorConfig } from '../../functions/core/injector-config.ts';
import { templateContainerNames } from '../../functions/core/template/pod-fragment.ts';
import { compareVersions } from '../../functions/core/version-order.ts';

const templateNames = (config: InjectorConfig): string[] => [...templateContainerNames(config.template.fragment)];

/**
 * Idempotency and ownership as properties over generated pods and configurations. The
 * number of runs is fixed (and printed in the README) so the figures are reproducible.
 */
const RUNS = 2000;

describe('properties of CREATE', () => {
  it('the patch applies; asking again gives no patch; the sidecar is there exactly once; nothing else changed', () => {
    fc.assert(
      fc.property(podArbitrary, configArbitrary, (pod, config) => {
        const first = decide(podRequest(pod), config);
        const after: any = applyPatch(pod as any, first.patch);
        const second = decide(podRequest(after), config);
        expect(second.patch).toEqual([]);
        if (first.action === 'skip') {
          expect(first.patch).toEqual([]);
          return;
        }
        for (const name of templateNames(config)) expect(containersNamed(after, name)).toHaveLength(1);
        expect(after.spec.containers.length).toBeGreaterThan(0);
        expect(withoutOwned(after, config)).toEqual(withoutOwned(pod, config));
        const keys = annotationKeys(config.annotationPrefix);
        expect(after.metadata.annotations[keys.status]).toBe('injected');
        const version = after.metadata.annotations[keys.version];
        const image = containersNamed(after, config.template.sidecarName)[0].image;
        if (version === config.release.version) expect(sameImage(image, config.release.image)).toBe(true);
        // Otherwise a newer release's sidecar stood there and was kept: never moved backwards.
        else expect(compareVersions(version, config.release.version)).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('with a foreign change in between (reinvocation), the sidecar stays exactly once and the webhook converges', () => {
    fc.assert(
      fc.property(podArbitrary, configArbitrary, foreignChange, (pod, config, change) => {
        const first = decide(podRequest(pod), config);
        if (first.action === 'skip') return;
        const changed = applyForeignChange(applyPatch(pod, first.patch), change);
        const reinvoked = decide(podRequest(changed), config);
        const after = applyPatch(changed, reinvoked.patch);
        expect(containersNamed(after, config.template.sidecarName)).toHaveLength(1);
        expect(withoutOwned(after, config)).toEqual(withoutOwned(changed, config));
        expect(decide(podRequest(after), config).patch).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('a configuration change (upgrade) converges in one patch that touches only owned fields', () => {
    fc.assert(
      fc.property(podArbitrary, configArbitrary, configArbitrary, (pod, before, later) => {
        const fragment = structuredClone(later.template.fragment);
        (fragment.containers[0] as { name: string }).name = before.template.sidecarName;
        const config = { ...later, template: { sidecarName: before.template.sidecarName, fragment }, annotationPrefix: before.annotationPrefix };
        const first = decide(podRequest(pod), before);
        if (first.action === 'skip') return;
        const injected = applyPatch(pod, first.patch);
        const upgrade = decide(podRequest(injected), config);
        const after = applyPatch(injected, upgrade.patch);
        expect(containersNamed(after, config.template.sidecarName)).toHaveLength(1);
        expect(withoutOwned(after, config)).toEqual(withoutOwned(injected, config));
        expect(decide(podRequest(after), config).patch).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('properties of UPDATE', () => {
  it('never adds or removes a container; touches only the sidecar image and our annotations; converges', () => {
    fc.assert(
      fc.property(podArbitrary, configArbitrary, (pod, config) => {
        const decision = decide(podRequest(pod, 'UPDATE'), config);
        const keys = annotationKeys(config.annotationPrefix);
        const ours = new Set([keys.status, keys.version].map((k) => `/metadata/annotations/${escapeKey(k)}`));
        const sidecarImages = new Set<string>();
        for (const list of ['initContainers', 'containers']) {
          ((pod.spec as any)[list] ?? []).forEach((c: any, i: number) => {
            if (c.name === config.template.sidecarName) sidecarImages.add(`/spec/${list}/${i}/image`);
          });
        }
        for (const op of decision.patch) {
          expect(op.op).not.toBe('remove');
          const allowed = ours.has(op.path) || sidecarImages.has(op.path) || op.path === '/metadata/annotations' || op.path === '/metadata';
          expect(allowed, `UPDATE touched ${op.path}`).toBe(true);
        }
        const after = applyPatch(pod, decision.patch);
        const names = (p: any) => [...(p.spec.initContainers ?? []), ...p.spec.containers].map((c: any) => c.name);
        expect(names(after)).toEqual(names(pod));
        expect(decide(podRequest(after, 'UPDATE'), config).patch).toEqual([]);
        if (!config.upgradeOnUpdate) expect(decision.patch).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});

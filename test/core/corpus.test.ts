import { describe, expect, it } from 'vitest';
import { decide } from '../../functions/core/decide.ts';
import { annotationKeys } from '../../functions/core/injector-config.ts';
import { corpusAvailable, corpusMissingMessage, loadCorpus, mustHaveCorpus } from '../support/corpus.ts';
import { applyPatch, containersNamed, podRequest, testConfig } from '../support/injector.ts';
import { withoutOwned } from '../support/ownership.ts';

/**
 * Every real pod of the shared corpus, in both modes: the patch applies to the object as
 * sent, the sidecar is there exactly once, nothing we do not own changed, a second call gives
 * no patch, and an upgrade on UPDATE touches only the image and the version annotation.
 */

const modes = [
  ['classic', testConfig({ nativeSidecar: 'never', skipHostNetwork: false })],
  ['native', testConfig({ nativeSidecar: 'always', skipHostNetwork: false })],
] as const;

if (!corpusAvailable && !mustHaveCorpus) {
  console.warn(corpusMissingMessage());
}

describe.skipIf(!corpusAvailable && !mustHaveCorpus)('shared corpus of real pods', () => {
  it('is present', () => {
    expect(corpusAvailable, corpusMissingMessage()).toBe(true);
  });

  const corpus = corpusAvailable ? loadCorpus() : [];

  it('has the pods its README announces', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
  });

  for (const [mode, config] of modes) {
    describe(mode, () => {
      it.each(corpus.map((c) => [c.name, c.pod] as const))('%s', (_name, pod) => {
        const first = decide(podRequest(pod), config);
        if ((pod as any).spec.containers.length === 0) {
          // A pod the API server refuses for having no containers is never made into one that runs only the sidecar.
          expect(first).toMatchObject({ action: 'skip', reason: 'no-containers', patch: [] });
          return;
        }
        expect(first.action === 'inject' || first.action === 'converge').toBe(true);
        const injected = applyPatch(pod, first.patch);
        expect(containersNamed(injected, config.template.sidecarName)).toHaveLength(1);
        expect(withoutOwned(injected, config)).toEqual(withoutOwned(pod, config));
        expect(decide(podRequest(injected), config).patch).toEqual([]);
        if (config.nativeSidecar === 'always') expect(injected.spec.initContainers[0].name).toBe(config.template.sidecarName);

        const newer = { ...config, upgradeOnUpdate: true, release: { version: '1.3.0', image: 'my-org/my-sidecar:1.3.0' } };
        const update = decide(podRequest(injected, 'UPDATE'), newer);
        const keys = annotationKeys(config.annotationPrefix);
        expect(update.patch.map((op) => op.path).sort()).toEqual(
          [
            config.nativeSidecar === 'always' ? '/spec/initContainers/0/image' : `/spec/containers/${injected.spec.containers.length - 1}/image`,
            `/metadata/annotations/${keys.version.replace('/', '~1')}`,
          ].sort(),
        );
        const upgraded = applyPatch(injected, update.patch);
        expect(decide(podRequest(upgraded, 'UPDATE'), newer).patch).toEqual([]);
      });
    });
  }
});

import { describe, expect, it } from 'vitest';
import { parseImageReference, resolveSidecarImage, sameImage } from '../../functions/core/image-reference.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
  it.each([
    ['nginx', { name: 'nginx' }],
    ['my-org/my-sidecar', { name: 'my-org/my-sidecar' }],
    ['my-org/my-sidecar:1.2.1', { name: 'my-org/my-sidecar', tag: '1.2.1' }],
    ['registry.example.com:5000/team/app', { name: 'registry.example.com:5000/team/app' }],
    ['localhost:5000/app:v1', { name: 'localhost:5000/app', tag: 'v1' }],
    [`123456789012.dkr.ecr.eu-west-1.amazonaws.com/sidecar@${DIGEST}`, { name: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/sidecar', digest: DIGEST }],
    [`app:1.0@${DIGEST}`, { name: 'app', tag: '1.0', digest: DIGEST }],
    ['[::1]:5000/app', { name: '[::1]:5000/app' }],
    ['a__b/c--d.e', { name: 'a__b/c--d.e' }],
  ])('accepts %s', (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  it.each([
    ['', /empty/],
    [' nginx', /white space/],
    ['upper/Case', /invalid repository/],
    ['Registry:notaport/app', /invalid registry/],
    ['app:', /invalid tag/],
    ['app:-bad', /invalid tag/],
    ['app@sha256:xyz', /invalid digest/],
    ['app//x', /invalid repository/],
    ['bad_host.com/app', /invalid registry/],
    [`x/${'a'.repeat(260)}`, /longer than 255/],
  ])('rejects %j', (text, message) => {
    const result = parseImageReference(text);
    expect('error' in result && result.error).toMatch(message);
  });
});

describe('resolveSidecarImage', () => {
  it('tags a bare repository with the version', () => {
    expect(resolveSidecarImage('my-org/my-sidecar', '1.3.0')).toEqual({ image: 'my-org/my-sidecar:1.3.0' });
    expect(resolveSidecarImage('localhost:5000/sidecar', 'v2')).toEqual({ image: 'localhost:5000/sidecar:v2' });
  });

  it('uses a full reference as it is', () => {
    expect(resolveSidecarImage('my-org/my-sidecar:pinned', '1.3.0')).toEqual({ image: 'my-org/my-sidecar:pinned' });
    expect(resolveSidecarImage(`my-org/my-sidecar@${DIGEST}`, '1.3.0')).toEqual({ image: `my-org/my-sidecar@${DIGEST}` });
  });

  it.each([
    ['my-org/my-sidecar', '', /version is empty/],
    ['my-org/my-sidecar', '1.0 beta', /not a valid image tag/],
    ['my-org/my-sidecar', '.hidden', /not a valid image tag/],
    ['my-org/X', '1.0', /invalid repository/],
  ])('rejects image %j with version %j', (image, version, message) => {
    const result = resolveSidecarImage(image, version);
    expect('error' in result && result.error).toMatch(message);
  });
});

describe('sameImage', () => {
  const DIGEST_A = `sha256:${'a'.repeat(64)}`;
  it('matches up to Docker Hub normalisation and an appended digest', () => {
    expect(sameImage('nginx:1.27', 'docker.io/library/nginx:1.27')).toBe(true);
    expect(sameImage('index.docker.io/library/nginx', 'nginx:latest')).toBe(true);
    expect(sameImage(`my-org/my-sidecar:1.2.1@${DIGEST_A}`, 'my-org/my-sidecar:1.2.1')).toBe(true);
    expect(sameImage(`ghcr.io/acme/proxy@${DIGEST_A}`, `ghcr.io/acme/proxy@${DIGEST_A}`)).toBe(true);
  });
  it('does not match another tag, another registry, a missing pinned digest or a bare digest for a tag', () => {
    expect(sameImage('my-org/my-sidecar:1.2.0', 'my-org/my-sidecar:1.2.1')).toBe(false);
    expect(sameImage('ghcr.io/my-org/my-sidecar:1.2.1', 'my-org/my-sidecar:1.2.1')).toBe(false);
    expect(sameImage('my-org/my-sidecar:1.2.1', `my-org/my-sidecar@${DIGEST_A}`)).toBe(false);
    expect(sameImage(`my-org/my-sidecar@${DIGEST_A}`, 'my-org/my-sidecar:1.2.1')).toBe(false);
    expect(sameImage(undefined, 'nginx')).toBe(false);
  });
});

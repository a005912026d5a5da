import { describe, expect, it } from 'vitest';
import { missingPlatforms, parsePlatforms, platformOfConfig, readManifest, registryTarget } from '../../functions/core/release-check.ts';

// The pure half of release verification (issue 11, part 0): where an image lives, what a
// manifest covers, and whether that covers the nodes' platforms.

describe('registryTarget', () => {
  it('finds ECR by its host, with the account and region', () => {
    expect(registryTarget('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/sidecar:1.3.0')).toEqual({
      host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      repository: 'team/sidecar',
      reference: '1.3.0',
      byDigest: false,
      insecure: false,
      ecr: { registryId: '123456789012', region: 'eu-west-1' },
    });
  });

  it('sends Docker Hub names to its API host, defaults the tag, keeps a digest', () => {
    expect(registryTarget('nginx')).toMatchObject({ host: 'registry-1.docker.io', repository: 'library/nginx', reference: 'latest' });
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(registryTarget(`ghcr.io/acme/proxy@${digest}`)).toMatchObject({ host: 'ghcr.io', repository: 'acme/proxy', reference: digest, byDigest: true });
  });

  it('uses plain HTTP for loopback registries only, as Docker does', () => {
    expect(registryTarget('127.0.0.1:5000/x:1')).toMatchObject({ insecure: true });
    expect(registryTarget('localhost:5000/x:1')).toMatchObject({ insecure: true });
    expect(registryTarget('registry.example:5000/x:1')).toMatchObject({ insecure: false });
  });
});

describe('readManifest', () => {
  it('lists an index\'s platforms, skipping attestation entries', () => {
    const index = {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { digest: 'sha256:1', platform: { os: 'linux', architecture: 'amd64' } },
        { digest: 'sha256:2', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { digest: 'sha256:3', platform: { os: 'unknown', architecture: 'unknown' } },
      ],
    };
    expect(readManifest(JSON.stringify(index))).toEqual({ kind: 'index', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }] });
  });

  it('reads a Docker manifest list by its content type, and points a single image at its config', () => {
    expect(readManifest(JSON.stringify({ manifests: [] }), 'application/vnd.docker.distribution.manifest.list.v2+json')).toEqual({ kind: 'index', platforms: [] });
    expect(readManifest(JSON.stringify({ schemaVersion: 2, config: { digest: 'sha256:c' }, layers: [] }))).toEqual({ kind: 'image', configDigest: 'sha256:c' });
    expect(readManifest('<html>')).toEqual({ error: expect.stringContaining('not JSON') });
    expect(readManifest('{"schemaVersion":1}')).toEqual({ error: expect.stringContaining('neither an image index nor an image manifest') });
  });

  it('reads the platform a config blob declares', () => {
    expect(platformOfConfig('{"os":"linux","architecture":"arm64","variant":"v8","rootfs":{}}')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(platformOfConfig('{}')).toEqual({ error: expect.stringContaining('os and architecture') });
  });
});

describe('platforms', () => {
  it('parses os/arch[/variant] lists and names a bad entry', () => {
    expect(parsePlatforms('linux/amd64, linux/arm64/v8')).toEqual([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }]);
    expect(parsePlatforms('')).toEqual([]);
    expect(parsePlatforms('linux/amd64,arm64')).toEqual({ error: expect.stringContaining('"arm64" is not a platform') });
  });

  it('a requirement without a variant takes any; arm64 without one is v8', () => {
    const required = parsePlatforms('linux/amd64,linux/arm64') as never;
    expect(missingPlatforms(required, [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }])).toEqual([]);
    expect(missingPlatforms(required, [{ os: 'linux', architecture: 'amd64' }])).toEqual(['linux/arm64']);
    expect(missingPlatforms(parsePlatforms('linux/arm64/v8') as never, [{ os: 'linux', architecture: 'arm64' }])).toEqual([]);
    expect(missingPlatforms(parsePlatforms('linux/arm/v7') as never, [{ os: 'linux', architecture: 'arm', variant: 'v6' }])).toEqual(['linux/arm/v7']);
    expect(missingPlatforms([], [])).toEqual([]);
  });
});

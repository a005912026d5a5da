// The CNCF distribution registry (cmd/registry, built by setup.sh) on loopback, in-memory
// storage, with its "silly" auth: every request without an Authorization header is answered
// 401 with a Bearer challenge naming a token endpoint (served here), as Docker Hub and GHCR do
// for anonymous pulls; any token is then accepted. Images are pushed through the registry's own
// HTTP API (blob uploads, manifest PUT), single-platform or as an OCI image index.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaries, ensureDir, runsDir } from './paths.ts';
import { freePort, LOOPBACK } from './ports.ts';
import { registerCleanup, startProcess, type ManagedProcess } from './process.ts';

export interface Registry {
  /** host:port, the registry part of an image reference. */
  host: string;
  proc: ManagedProcess;
  /** Requests the token endpoint answered (each is one Bearer challenge taken up). */
  readonly tokenRequests: number;
  /** Pushes an image for these platforms (`os/arch[/variant]`): one manifest, or an index for several. Returns the digest tagged. */
  push(repository: string, tag: string, platforms: string[]): Promise<string>;
  stop(): Promise<void>;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export async function startRegistry(): Promise<Registry> {
  let tokenRequests = 0;
  const tokens: Server = createServer((req, res) => {
    tokenRequests++;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ token: 'anonymous-pull', expires_in: 300 }));
  });
  await new Promise<void>((resolve) => tokens.listen(0, LOOPBACK, resolve));
  const tokenUrl = `http://${LOOPBACK}:${(tokens.address() as AddressInfo).port}/token`;

  const port = await freePort();
  const dir = ensureDir(join(runsDir, `registry-${process.pid}-${port}`));
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      'storage:',
      '  inmemory: {}',
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${LOOPBACK}:${port}`,
      'auth:',
      '  silly:',
      `    realm: ${tokenUrl}`,
      '    service: e2e-registry',
      '',
    ].join('\n'),
  );
  const host = `${LOOPBACK}:${port}`;
  const proc = await startProcess({
    name: 'registry',
    command: binaries.registry,
    args: ['serve', config],
    readyTimeoutMs: 30_000,
    ready: async () => (await fetch(`http://${host}/v2/`)).status === 401,
  });
  const auth = { Authorization: 'Bearer e2e-push' };

  async function putBlob(repository: string, bytes: Buffer): Promise<string> {
    const digest = digestOf(bytes);
    const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: auth });
    if (start.status !== 202) throw new Error(`registry: starting a blob upload answered ${start.status}: ${await start.text()}`);
    const location = new URL(start.headers.get('location') ?? '', `http://${host}`);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: bytes });
    if (put.status !== 201) throw new Error(`registry: blob PUT answered ${put.status}: ${await put.text()}`);
    return digest;
  }

  async function putManifest(repository: string, reference: string, mediaType: string, manifest: object): Promise<{ digest: string; size: number }> {
    const bytes = Buffer.from(JSON.stringify(manifest));
    const put = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, { method: 'PUT', headers: { ...auth, 'Content-Type': mediaType }, body: bytes });
    if (put.status !== 201) throw new Error(`registry: manifest PUT answered ${put.status}: ${await put.text()}`);
    return { digest: digestOf(bytes), size: bytes.length };
  }

  async function pushPlatform(repository: string, reference: string, platform: string) {
    const [os, architecture, variant] = platform.split('/');
    const config = Buffer.from(JSON.stringify({ os, architecture, ...(variant ? { variant } : {}), rootfs: { type: 'layers', diff_ids: [] }, config: {} }));
    const layer = Buffer.from(`layer of ${repository}:${reference} for ${platform}`);
    const configDigest = await putBlob(repository, config);
    const layerDigest = await putBlob(repository, layer);
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
      layers: [{ mediaType: OCI_LAYER, digest: layerDigest, size: layer.length }],
    };
    return { ...(await putManifest(repository, reference, OCI_MANIFEST, manifest)), os, architecture, variant };
  }

  const registry: Registry = {
    host,
    proc,
    get tokenRequests() {
      return tokenRequests;
    },
    async push(repository, tag, platforms) {
      if (platforms.length === 1) return (await pushPlatform(repository, tag, platforms[0] as string)).digest;
      const manifests = [];
      for (const platform of platforms) {
        const pushed = await pushPlatform(repository, `${tag}-${platform.replaceAll('/', '-')}`, platform);
        manifests.push({
          mediaType: OCI_MANIFEST,
          digest: pushed.digest,
          size: pushed.size,
          platform: { os: pushed.os, architecture: pushed.architecture, ...(pushed.variant ? { variant: pushed.variant } : {}) },
        });
      }
      return (await putManifest(repository, tag, OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests })).digest;
    },
    async stop() {
      await proc.stop();
      await new Promise<void>((resolve) => tokens.close(() => resolve()));
    },
  };
  registerCleanup(() => registry.stop());
  return registry;
}

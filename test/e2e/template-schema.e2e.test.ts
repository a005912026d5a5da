// The committed template schema is what the real API server publishes: the generator, run on the
// OpenAPI document a real kube-apiserver serves (/openapi/v3/api/v1), gives byte for byte the
// committed schema and compiled validator. A Kubernetes upgrade (test/e2e/setup/kube-apiserver/
// go.mod) that changes a container or volume type fails here until `npm run schema:generate`,
// which runs this file with UPDATE_TEMPLATE_SCHEMA=1: it then writes the files instead. The
// schema's x-go-omitempty (the fields the API server drops when zero) comes from the Go types of
// the same build (go-omitempty.go, run with Go in the kube-apiserver module setup.sh tidied).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFiles, goJsonFields, pinnedKubernetesVersion, SCHEMA_FILE, VALIDATOR_FILE } from '../../functions/core/template/schema/generate.ts';
import { httpGet, repoRoot, requireParts, startCluster, stopAll, type Cluster } from './harness/index.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'openssl']);
const schemaDir = join(repoRoot, 'functions/core/template/schema');

describe.skipIf(gate.skip)(`template schema against the real API server${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  let document: unknown;

  beforeAll(async () => {
    cluster = await startCluster();
    const res = await httpGet(`${cluster.server}/openapi/v3/api/v1`, {
      ca: cluster.certs.ca.certPem,
      headers: { Authorization: `Bearer ${cluster.token}`, Accept: 'application/json' },
      timeoutMs: 30_000,
    });
    expect(res.status).toBe(200);
    document = JSON.parse(res.body);
  });
  afterAll(stopAll);

  it('the API server is the pinned release the schema names', async () => {
    const { VersionApi } = await import('@kubernetes/client-node');
    const info = await cluster.kubeConfig.makeApiClient(VersionApi).getCode();
    expect(info.gitVersion).toBe(pinnedKubernetesVersion(repoRoot));
  });

  it('the committed schema and compiled validator are what the generator makes of the served document', () => {
    const generated = generateFiles(document, pinnedKubernetesVersion(repoRoot), goJsonFields(repoRoot));
    if (process.env.UPDATE_TEMPLATE_SCHEMA === '1') {
      writeFileSync(join(schemaDir, SCHEMA_FILE), generated.schemaJson);
      writeFileSync(join(schemaDir, VALIDATOR_FILE), generated.validatorTs);
    }
    expect(readFileSync(join(schemaDir, SCHEMA_FILE), 'utf8')).toBe(generated.schemaJson);
    expect(readFileSync(join(schemaDir, VALIDATOR_FILE), 'utf8')).toBe(generated.validatorTs);
  }, 600_000); // go run compiles k8s.io/api the first time
});

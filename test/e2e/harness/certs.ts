// Self-signed test PKI made with the openssl CLI (OpenSSL 3): one CA, serving certificates signed
// by it (kube-apiserver; the local webhook server, whose certificate must carry 127.0.0.1 as an
// IP SAN because the API server calls https://127.0.0.1:<port>/... and Go checks SANs only),
// and the service-account signing key the API server insists on. Keys are P-256 except the
// service-account key (RSA, the most widely accepted for token signing). Valid for 2 days.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir } from './paths.ts';

export interface KeyPair {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

export interface ServingCertOptions {
  /** File name stem and subject CN, e.g. "webhook". */
  name: string;
  ipSans?: string[];
  dnsSans?: string[];
}

export interface TestCerts {
  ca: KeyPair;
  /** For kube-apiserver: 127.0.0.1, localhost and the in-cluster names. */
  apiserver: KeyPair;
  /** For the local webhook server: 127.0.0.1 and localhost. */
  webhook: KeyPair;
  /** RSA key for --service-account-key-file / --service-account-signing-key-file. */
  serviceAccountKeyFile: string;
  /** base64 of the CA PEM: the caBundle of a webhook configuration. */
  caBundle: string;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr || String(err)}`);
  }
}

function read(certFile: string, keyFile: string): KeyPair {
  return { certFile, keyFile, certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
}

/** A self-signed CA in `dir` (ca.crt, ca.key). */
export function makeCA(dir: string, commonName = 'sidecar-injector e2e test CA'): KeyPair {
  ensureDir(dir);
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  openssl([
    'req', '-x509', '-new', '-nodes',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', keyFile, '-out', certFile, '-days', '2',
    '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return read(certFile, keyFile);
}

/** A serving certificate signed by `ca`, in `dir` (<name>.crt, <name>.key). */
export function makeServingCert(ca: KeyPair, dir: string, opts: ServingCertOptions): KeyPair {
  ensureDir(dir);
  const certFile = join(dir, `${opts.name}.crt`);
  const keyFile = join(dir, `${opts.name}.key`);
  const sans = [...(opts.ipSans ?? []).map((ip) => `IP:${ip}`), ...(opts.dnsSans ?? []).map((d) => `DNS:${d}`)];
  if (sans.length === 0) throw new Error(`makeServingCert(${opts.name}): at least one SAN is needed`);
  openssl([
    'req', '-x509', '-new', '-nodes',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-CA', ca.certFile, '-CAkey', ca.keyFile,
    '-keyout', keyFile, '-out', certFile, '-days', '2',
    '-subj', `/CN=${opts.name}`,
    '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext', 'extendedKeyUsage=serverAuth',
    '-addext', `subjectAltName=${sans.join(',')}`,
  ]);
  return read(certFile, keyFile);
}

/** An RSA private key (PKCS#8 PEM) for service-account token signing, written to `dir`. */
export function makeServiceAccountKey(dir: string): string {
  ensureDir(dir);
  const file = join(dir, 'sa.key');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return file;
}

/** The whole test PKI in `dir`: CA, API server and webhook serving certs, SA key. */
export function makeCerts(dir: string): TestCerts {
  const ca = makeCA(dir);
  const apiserver = makeServingCert(ca, dir, {
    name: 'kube-apiserver',
    ipSans: ['127.0.0.1'],
    dnsSans: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
  });
  const webhook = makeServingCert(ca, dir, { name: 'webhook', ipSans: ['127.0.0.1'], dnsSans: ['localhost'] });
  return {
    ca,
    apiserver,
    webhook,
    serviceAccountKeyFile: makeServiceAccountKey(dir),
    caBundle: Buffer.from(ca.certPem).toString('base64'),
  };
}

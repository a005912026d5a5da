import { readFileSync } from 'node:fs';
import { createRuntime } from '../shell/runtime.ts';
import { yamlTemplateReader } from '../shell/yaml-template-reader.ts';
import { startServer } from './server.ts';

/**
 * `npm start`: the webhook on 127.0.0.1:8443 (HOST, PORT), plain HTTP unless TLS_CERT_FILE
 * and TLS_KEY_FILE are set (the API server only calls HTTPS). Metrics lines are off locally
 * unless POWERTOOLS_METRICS_DISABLED=false.
 */

process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

function fail(message: string): never {
  process.stderr.write(`sidecar-injector server: ${message}\n`);
  process.exit(2);
}

function readTls(): { cert: Buffer; key: Buffer } | undefined {
  const certFile = process.env.TLS_CERT_FILE?.trim();
  const keyFile = process.env.TLS_KEY_FILE?.trim();
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) fail('TLS_CERT_FILE and TLS_KEY_FILE go together: set both for HTTPS, or neither for HTTP');
  const read = (variable: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      return fail(`${variable}=${file} cannot be read: ${(error as Error).message}`);
    }
  };
  return { cert: read('TLS_CERT_FILE', certFile), key: read('TLS_KEY_FILE', keyFile) };
}

const host = process.env.HOST?.trim() || '127.0.0.1';
const portText = process.env.PORT?.trim() || '8443';
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) fail(`PORT="${portText}" must be a whole number from 0 to 65535`);

const runtime = createRuntime({ templateReader: yamlTemplateReader });
if (!runtime.settings) fail('the settings above were rejected; fix them and start again');

// Signals are handled before the server listens, so a SIGTERM right after start is a clean stop.
let running: Awaited<ReturnType<typeof startServer>> | undefined;
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    runtime.telemetry.logger.info(`${signal}: finishing in-flight requests, then exiting`);
    // In-flight requests finish; a connection that will not close is cut after 10 s.
    setTimeout(() => process.exit(1), 10_000).unref();
    if (!running) process.exit(0);
    running.close().then(() => process.exit(0));
  });
}

try {
  const tls = readTls();
  running = await startServer({ runtime, host, port, ...(tls ? { tls } : {}) });
} catch (error) {
  fail(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
}
const release = runtime.settings.release;
runtime.telemetry.logger.info(`listening on ${running!.url} (POST /mutate, GET /healthz)`, {
  release: release.source === 'environment' ? release.release : { ssm: [release.versionParameter, release.imageParameter] },
});


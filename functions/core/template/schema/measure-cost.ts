/**
 * What the template validator costs the Lambda (`npx tsx functions/core/template/schema/measure-cost.ts`):
 * - bundle: the handler bundled with the stack's own esbuild settings (HANDLER_BUNDLE), with and
 *   without the validator, and the difference;
 * - cold: fresh Node processes that load the validator's minified CommonJS bundle and validate
 *   the default template once (load = read + compile of the module, as in a Lambda cold start).
 * Prints one JSON object. Not a test: no thresholds, numbers for the README.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { HANDLER_BUNDLE } from '../../../../infra/stack/handler-bundle.ts';

const root = resolve(import.meta.dirname, '../../../..');
const RUNS = Number(process.env.RUNS ?? 15);

/** Bytes of the output, and the bytes the validator's own sources (template/validate*, schema/) put in it. */
async function bundle(entry: string, outfile: string): Promise<{ bytes: number; validatorBytes: number }> {
  const result = await build({
    metafile: true,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: HANDLER_BUNDLE.format,
    target: HANDLER_BUNDLE.target,
    minify: HANDLER_BUNDLE.minify,
    mainFields: [...HANDLER_BUNDLE.mainFields],
    logLevel: 'error',
  });
  let validatorBytes = 0;
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (/functions\/core\/template\/(validate[^/]*\.ts|schema\/)/.test(input)) validatorBytes += bytesInOutput;
    }
  }
  return { bytes: statSync(outfile).size, validatorBytes };
}

const dir = mkdtempSync(join(tmpdir(), 'template-cost-'));
try {
  const handler = join(root, 'functions/mutate/handler.ts');
  const validator = join(root, 'functions/core/template/validate.ts');
  const withValidator = join(dir, 'with-validator.ts');
  // Both exported, so nothing of either is tree-shaken away.
  writeFileSync(withValidator, `export * from ${JSON.stringify(handler)};\nexport { podFragmentProblems } from ${JSON.stringify(validator)};\n`);
  const handlerBundle = await bundle(handler, join(dir, 'handler.js'));
  const withBundle = await bundle(withValidator, join(dir, 'with.js'));
  const alone = await bundle(validator, join(dir, 'validator.cjs'));

  const probe = join(dir, 'probe.cjs');
  writeFileSync(probe, `
const t0 = performance.now();
const { podFragmentProblems } = require(${JSON.stringify(join(dir, 'validator.cjs'))});
const t1 = performance.now();
const problems = podFragmentProblems({ containers: [{ name: 'my-sidecar', ports: [{ name: 'http', containerPort: 8080 }],
  resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } }] },
  { sidecarName: 'my-sidecar' });
const t2 = performance.now();
if (problems.length > 0) throw new Error(problems.join('; '));
process.stdout.write(JSON.stringify({ load: t1 - t0, validate: t2 - t1 }));
`);
  const samples = Array.from({ length: RUNS }, () => JSON.parse(execFileSync(process.execPath, [probe], { encoding: 'utf8' })) as { load: number; validate: number });
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const totals = samples.map((s) => s.load + s.validate);
  process.stdout.write(`${JSON.stringify({
    node: process.version,
    bundle: {
      // The handler may already import the validator (through the settings); then the validator's
      // share of it is what it adds.
      handlerBytes: handlerBundle.bytes,
      handlerAlreadyHasValidator: handlerBundle.validatorBytes > 0,
      validatorSourcesInHandlerBundle: withBundle.validatorBytes,
      validatorAloneBundleBytes: alone.bytes,
    },
    coldMs: {
      runs: RUNS,
      loadMedian: +median(samples.map((s) => s.load)).toFixed(2),
      firstValidationMedian: +median(samples.map((s) => s.validate)).toFixed(2),
      totalMedian: +median(totals).toFixed(2),
      totalMax: +Math.max(...totals).toFixed(2),
    },
  }, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { BUNDLED_TEMPLATE_FILE } from '../settings/sidecar-template.ts';
import { HANDLER_BUNDLE } from './handler-bundle.ts';
import { localBundling } from './local-bundling.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BundledFunctionProps extends Omit<lambda.FunctionProps, 'code' | 'handler' | 'runtime' | 'architecture' | 'loggingFormat'> {
  /** The folder of the package's prebuilt bundle, under dist/ (`npm run build`). */
  prebuilt: 'handler' | 'drift';
  /** The TypeScript entry, bundled by NodejsFunction when there is no prebuilt bundle. */
  entry: string;
  /** The resolved sidecar template, shipped beside the bundle either way. */
  templateFile: string;
}

/**
 * A function of this stack: Node.js 24 (the bundles' target) on arm64, JSON logs, stack traces
 * through the bundled source map. The source map's cost was measured (npm run bench, part 3b,
 * and plain loads of the bundle): within the noise of a cold start, at most about 10 ms of CPU;
 * readable traces of an unexpected error are worth it.
 *
 * From the package's prebuilt bundle when there is one (`npm run
 * build` writes dist/<prebuilt>/ beside dist/index.js, the module this file is bundled into): an
 * app that installed the package then needs neither esbuild nor this repository's lock file.
 * In this repository's checkout, where this file runs as TypeScript, NodejsFunction bundles the
 * source with the same settings (HANDLER_BUNDLE).
 */
export function bundledFunction(scope: Construct, id: string, props: BundledFunctionProps): lambda.Function {
  const { prebuilt, entry, templateFile, ...given } = props;
  const common = {
    ...given,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    loggingFormat: lambda.LoggingFormat.JSON,
    environment: { ...given.environment, NODE_OPTIONS: '--enable-source-maps' },
  };
  const dir = fileURLToPath(new URL(`./${prebuilt}/`, import.meta.url));
  if (existsSync(join(dir, HANDLER_BUNDLE.outputFile))) {
    const assetDir = mkdtempSync(join(tmpdir(), `sidecar-injector-${prebuilt}-`));
    for (const file of [HANDLER_BUNDLE.outputFile, `${HANDLER_BUNDLE.outputFile}.map`]) copyFileSync(join(dir, file), join(assetDir, file));
    copyFileSync(templateFile, join(assetDir, BUNDLED_TEMPLATE_FILE));
    return new lambda.Function(scope, id, { ...common, code: lambda.Code.fromAsset(assetDir), handler: 'index.handler' });
  }
  return new NodejsFunction(scope, id, {
    ...common,
    entry,
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: `${REPO_ROOT}package-lock.json`,
    bundling: localBundling(templateFile),
  });
}

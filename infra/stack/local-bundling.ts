import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BUNDLED_TEMPLATE_FILE } from '../settings/sidecar-template.ts';
import { HANDLER_BUNDLE } from './handler-bundle.ts';

/**
 * NodejsFunction's bundling for the functions of this stack (the webhook, the drift check): a
 * local esbuild with HANDLER_BUNDLE's settings, the SDK inside, and the resolved sidecar
 * template copied beside the bundle (both functions read it; the asset hash covers it).
 */
export function localBundling(templateFile: string): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.CJS,
    target: HANDLER_BUNDLE.target,
    minify: HANDLER_BUNDLE.minify,
    sourceMap: HANDLER_BUNDLE.sourceMap,
    sourcesContent: HANDLER_BUNDLE.sourcesContent,
    mainFields: [...HANDLER_BUNDLE.mainFields],
    bundleAwsSDK: true,
    externalModules: [],
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [`cp "${templateFile}" "${outputDir}/${BUNDLED_TEMPLATE_FILE}"`],
    },
  };
}

/**
 * How the Lambda handler is bundled by esbuild: one source of truth for the stack and for the
 * benchmark that measures the bundle (test/bench/cold-start.ts).
 *
 * CommonJS output, not ESM: in an ESM bundle esbuild keeps the SDK's `import ... from "node:http"`
 * as ESM imports, and Node then builds ESM namespaces of those built-ins, loading all of undici
 * (its fetch): about 30 ms more cold start, measured by `npm run bench` (cold import plus first
 * answer 149/133 ms as ESM, 106/100 ms as CommonJS, same 426 KB). The handler has no top-level
 * await, so nothing needs ESM. Module-first main fields let esbuild tree-shake the SDK's and
 * Powertools' ES builds (426 KB instead of about 690 KB from their CommonJS builds).
 */
export const HANDLER_BUNDLE = {
  format: 'cjs',
  outputFile: 'index.js',
  target: 'node24',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
} as const;

/** esbuild's options for bundling a function entry with HANDLER_BUNDLE's settings (the package build, the benchmark). */
export function handlerBuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: HANDLER_BUNDLE.format,
    platform: 'node' as const,
    target: HANDLER_BUNDLE.target,
    minify: HANDLER_BUNDLE.minify,
    sourcemap: 'external' as const,
    sourcesContent: HANDLER_BUNDLE.sourcesContent,
    mainFields: [...HANDLER_BUNDLE.mainFields] as string[],
    external: [] as string[],
    logLevel: 'warning' as const,
  };
}

// `npm run build` (and `npm pack`, through prepack): the package as apps install it.
//   dist/index.js        the construct library (infra/index.ts and what it reaches), one ES module;
//                        node_modules imports stay imports (aws-cdk-lib and constructs are peers)
//   dist/handler/        the Lambda handler, bundled as the stack bundles it (HANDLER_BUNDLE), so
//                        an app needs neither esbuild nor this repository's lock file
//   dist/drift/          the drift check's function, the same way
//   dist/cli/main.js     the `sidecar-injector` command, one ES module (dependencies stay imports),
//                        at the sources' depth so that it finds package.json as they do
//   dist/types/          the declarations (tsc), relative imports ending in .js
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { HANDLER_BUNDLE, handlerBuildOptions } from './stack/handler-bundle.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

// The library and the command: one ES module each, their dependencies left as imports (the
// library's peers and the package's dependencies are installed beside it).
const moduleBuild = (entry: string, outfile: string) =>
  build({ entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node22', packages: 'external', sourcemap: true, logLevel: 'warning' });

await moduleBuild(join(root, 'infra', 'index.ts'), join(dist, 'index.js'));
await moduleBuild(join(root, 'functions', 'cli', 'main.ts'), join(dist, 'cli', 'main.js'));
for (const [entry, dir] of [[join('mutate', 'handler.ts'), 'handler'], [join('drift', 'handler.ts'), 'drift']] as const) {
  await build(handlerBuildOptions(join(root, 'functions', entry), join(dist, dir, HANDLER_BUNDLE.outputFile)));
}

const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) throw new Error(`tsc (declarations) failed with ${tsc.status}`);
// tsc keeps the sources' .ts specifiers in declarations; the files are .d.ts beside .js names.
const rewrite = (dir: string): void => {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) rewrite(file);
    else if (name.endsWith('.d.ts')) writeFileSync(file, readFileSync(file, 'utf8').replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2'));
  }
};
rewrite(join(dist, 'types'));
console.error(`built ${dist}`);

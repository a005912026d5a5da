#!/usr/bin/env node
// The package's `sidecar-injector` command (npx sidecar-injector ...). Installed from the
// package, it runs the built JavaScript (dist/cli/main.js, `npm run build`): the package ships
// no TypeScript. In a checkout of the repository, where the sources sit beside this file, it
// runs them through tsx, so the command is never older than the code. Only the CLI writes to
// stdout, so pipelines get the manifests and nothing else.
import { existsSync } from 'node:fs';

const sources = new URL('./main.ts', import.meta.url);
let cli;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(sources.href);
} else {
  cli = await import(new URL('../../dist/cli/main.js', import.meta.url).href);
}
process.exitCode = await cli.runCli(process.argv.slice(2), process.env, cli.processIo);

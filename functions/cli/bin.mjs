#!/usr/bin/env node
// The package's `sidecar-injector` command (npx sidecar-injector ...): loads the TypeScript CLI
// through tsx. Only the CLI writes to stdout, so pipelines get the manifests and nothing else.
import { register } from 'tsx/esm/api';

register();
const { runCli, processIo } = await import('./main.ts');
process.exitCode = await runCli(process.argv.slice(2), process.env, processIo);

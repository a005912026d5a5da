#!/usr/bin/env node
// The package's `sidecar-injector` command: loads the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
const { runCli, processIo } = await import('./main.ts');
process.exitCode = runCli(process.argv.slice(2), process.env, processIo);

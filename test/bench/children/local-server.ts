import { startServer } from '../../../functions/local/server.ts';
import { createRuntime } from '../../../functions/shell/runtime.ts';

/**
 * Child process for the load benchmark: the project's local server (startServer over the same
 * runtime as the Lambda), logger silenced and metrics disabled, on an ephemeral loopback port.
 * Prints one JSON line with its URL, then serves until the parent kills it.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const runtime = createRuntime({ env: { ...process.env, SSM_VERSION_PARAMETER: '', SSM_IMAGE_PARAMETER: '' } });
if (!runtime.settings) throw new Error('the default settings were rejected');
const running = await startServer({ runtime, host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: `${running.url}/mutate`, pid: process.pid })}\n`);

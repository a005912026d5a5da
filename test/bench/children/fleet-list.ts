// One measurement of the fleet bench in a fresh process (so peak memory is this mode's own):
//   floor:  one paged LIST of every pod with @kubernetes/client-node (the typed API, limit 500)
//   status: `sidecar-injector status`'s listing and classification (collectStatus), same pages
// Prints one JSON line: { mode, ms, maxRssMb, requests, pods }.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { collectStatus } from '../../../functions/cli/status-command.ts';
import { loadCliConfig } from '../../../functions/cli/release.ts';
import { clusterReader } from '../../../functions/shell/kube-cluster.ts';

const [mode, kubeconfigFile, pageSize = '500'] = process.argv.slice(2);
const kc = new KubeConfig();
kc.loadFromFile(kubeconfigFile as string);
const limit = Number(pageSize);
const baseline = process.resourceUsage().maxRSS;

let pods = 0;
let requests = 0;
let ms = 0;
if (mode === 'floor') {
  const core = kc.makeApiClient(CoreV1Api);
  const started = performance.now();
  let next: string | undefined;
  do {
    const page = await core.listPodForAllNamespaces({ limit, ...(next ? { _continue: next } : {}) });
    requests++;
    pods += page.items.length;
    next = page.metadata?._continue || undefined;
  } while (next);
  ms = performance.now() - started;
} else {
  // The release the fleet is one minor version behind: every pod classified as outdated, the
  // costliest path (the webhook's CREATE and UPDATE decisions and a patch per pod).
  const { config } = await loadCliConfig({ SIDECAR_VERSION: '1.3.0', SIDECAR_IMAGE: 'registry.example/my-sidecar', UPGRADE_ON_UPDATE: 'true' }, {});
  const reader = clusterReader(kc);
  const started = performance.now();
  const { report } = await collectStatus(reader, { chunkSize: limit, webhookConfiguration: 'sidecar-injector' }, config, { stderr: () => undefined });
  ms = performance.now() - started;
  requests = reader.requests;
  pods = report.totals.pods;
}
process.stdout.write(`${JSON.stringify({ mode, ms, maxRssMb: process.resourceUsage().maxRSS / 1024, baselineRssMb: baseline / 1024, requests, pods })}\n`);

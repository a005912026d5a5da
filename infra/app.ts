import { App } from 'aws-cdk-lib';
import { settingsFromContext, unknownContextKeys } from './settings/from-context.ts';
import { SettingsError } from './settings/settings.ts';
import { openEndpointWarning, SidecarInjectorStack } from './stack/sidecar-injector-stack.ts';

/**
 * The CDK app (cdk.json: "app"). Settings come from context: cdk.json, cdk.context.json, or
 * `-c key=value`. The stack is environment-agnostic, so synth needs no AWS credentials; the
 * deploy takes account and region from the CLI's profile.
 */
const app = new App();
try {
  const unknown = unknownContextKeys(app.node.getAllContext());
  if (unknown.length > 0) throw new SettingsError(unknown);
  const settings = settingsFromContext((key) => app.node.tryGetContext(key));
  const stack = new SidecarInjectorStack(app, 'SidecarInjector', { settings });
  if (stack.restriction === 'open' && !stack.settings.firewall) console.error(`\n[WARNING] ${openEndpointWarning(stack.stackName)}\n`);
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
app.synth();

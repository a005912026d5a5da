import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SidecarInjector, type SidecarInjectorResourceProps } from '../construct/sidecar-injector.ts';
import { resolveSettings } from '../settings/resolve.ts';
import type { SidecarInjectorSettings } from '../settings/settings.ts';
import type { ClusterRegistration } from './cluster-registration.ts';
import type { Monitoring } from './monitoring.ts';
import type { MutateFunction } from './mutate-function.ts';
import type { PathToken } from './path-token.ts';
import type { ReleaseParameters } from './release-parameters.ts';
import type { EndpointRestriction, WebhookApi } from './webhook-api.ts';
import type { WebhookFirewall } from './webhook-firewall.ts';

export { OPEN_ENDPOINT_WARNING_ID, openEndpointWarning, OUTPUTS } from '../construct/sidecar-injector.ts';

export interface SidecarInjectorStackProps extends StackProps, SidecarInjectorResourceProps {
  /** Any subset of the settings; the rest take their defaults. Validated here. */
  settings?: Partial<SidecarInjectorSettings>;
}

/**
 * This repository's app's stack: one SidecarInjector, with the stack name from the settings. The
 * construct's id is 'Default', which CDK leaves out of logical ids, so every resource keeps the
 * logical id it had when the stack built them itself: an existing stack updates in place.
 */
export class SidecarInjectorStack extends Stack {
  readonly injector: SidecarInjector;
  readonly settings: SidecarInjectorSettings;
  readonly restriction: EndpointRestriction;
  readonly parameters: ReleaseParameters;
  readonly webhookFunction: MutateFunction;
  readonly webhookApi: WebhookApi;
  readonly pathToken: PathToken;
  readonly firewall?: WebhookFirewall;
  readonly monitoring: Monitoring;
  readonly clusterRegistration?: ClusterRegistration;

  constructor(scope: Construct, id: string, props: SidecarInjectorStackProps = {}) {
    // Validate before anything is built (or bundled): a bad setting fails with the full list.
    const { settings: given = {}, alarmTopic, parameterKey, cluster, ...stackProps } = props;
    const injectorSettings = { ...given };
    delete injectorSettings.stackName;
    const stackName = stackProps.stackName ?? resolveSettings(given).stackName;
    super(scope, id, {
      description: 'Kubernetes sidecar injector: mutating admission webhook on Lambda behind API Gateway',
      ...stackProps,
      stackName,
    });
    this.injector = new SidecarInjector(this, 'Default', {
      ...injectorSettings,
      ...(alarmTopic ? { alarmTopic } : {}),
      ...(parameterKey ? { parameterKey } : {}),
      ...(cluster ? { cluster } : {}),
    });
    const injector = this.injector;
    this.settings = injector.settings;
    this.restriction = injector.restriction;
    this.parameters = injector.parameters;
    this.webhookFunction = injector.webhookFunction;
    this.webhookApi = injector.webhookApi;
    this.pathToken = injector.pathToken;
    if (injector.firewall) this.firewall = injector.firewall;
    this.monitoring = injector.monitoring;
    if (injector.clusterRegistration) this.clusterRegistration = injector.clusterRegistration;
  }
}

import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SidecarInjector, type SidecarInjectorResourceProps } from '../construct/sidecar-injector.ts';
import { resolveSettings } from '../settings/resolve.ts';
import type { SidecarInjectorSettings } from '../settings/settings.ts';
import type { EndpointRestriction } from './webhook-api.ts';

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
  /** Everything the stack holds; its parts (function, API, firewall, ...) are the injector's. */
  readonly injector: SidecarInjector;

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
  }

  get settings(): SidecarInjectorSettings {
    return this.injector.settings;
  }

  get restriction(): EndpointRestriction {
    return this.injector.restriction;
  }
}

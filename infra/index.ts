// The library's entry: what a CDK app imports to add the sidecar injector to its own stack.
export { OPEN_ENDPOINT_WARNING_ID, openEndpointWarning, OUTPUTS, SidecarInjector } from './construct/sidecar-injector.ts';
export type { SidecarInjectorProps, SidecarInjectorResourceProps } from './construct/sidecar-injector.ts';
export { SettingsError } from './settings/settings.ts';
export type { SidecarInjectorSettings } from './settings/settings.ts';
export { SidecarInjectorStack } from './stack/sidecar-injector-stack.ts';
export type { SidecarInjectorStackProps } from './stack/sidecar-injector-stack.ts';

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SidecarInjectorStack } from '../../../infra/stack/sidecar-injector-stack.ts';
import { SETTING_KEYS, type SidecarInjectorSettings } from '../../../infra/settings/settings.ts';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Synthesized {
  stack: SidecarInjectorStack;
  template: Template;
  /** The cloud assembly directory (bundled assets live here). */
  directory: string;
  nag: NagReport;
}

export interface NagViolation {
  ruleName: string;
  severity: string;
  violatingConstructs: Array<{ constructPath: string }>;
}
export interface NagSuppressed extends NagViolation {
  acknowledgedId: string;
  reason: string;
}
export interface NagReport {
  violations: NagViolation[];
  suppressedViolations: NagSuppressed[];
}

/**
 * One synthesis of the stack with cdk-nag's AwsSolutions pack registered, as `cdk synth`
 * would run it. Bundling (esbuild) runs only when asked: it is the slow part, and only the
 * function's own test needs the bundle. An unacknowledged AwsSolutions error makes the
 * synthesis throw with the report, which fails the describe that asked for it.
 */
export function synthesize(settings: Partial<SidecarInjectorSettings>, options: { bundle: boolean }): Synthesized {
  const app = new App({ context: { ...cdkJsonFeatureFlags(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new SidecarInjectorStack(app, 'Test', { settings });
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{ pluginName: string } & NagReport>;
  };
  const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
  if (!nag) throw new Error('the AwsSolutions pack did not report: is cdk-nag registered?');
  return { stack, template: Template.fromStack(stack), directory: assembly.directory, nag };
}

/**
 * The feature flags of cdk.json (its context keys that are not settings), so the tests build the
 * stack under the same flags as `cdk synth` of the app; the settings each test gives itself.
 */
export function cdkJsonFeatureFlags(): Record<string, unknown> {
  const context = (JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
  return Object.fromEntries(Object.entries(context).filter(([key]) => !(SETTING_KEYS as string[]).includes(key)));
}

/**
 * Resolves the intrinsics a stack output uses (Fn::Join, Ref) with made-up deploy-time values,
 * as CloudFormation would at deploy.
 */
export function resolveAtDeploy(value: unknown, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (typeof record.Ref === 'string') {
      const resolved = refs[record.Ref];
      if (resolved === undefined) throw new Error(`no deploy-time value for Ref ${record.Ref}`);
      return resolved;
    }
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) {
      const resolved = refs[getAtt.join('.')];
      if (resolved === undefined) throw new Error(`no deploy-time value for Fn::GetAtt ${getAtt.join('.')}`);
      return resolved;
    }
    const join = record['Fn::Join'];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown[]];
      return parts.map((part) => resolveAtDeploy(part, refs)).join(separator);
    }
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** The logical id of the only resource of a type. */
export function onlyLogicalId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0]!;
}

import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { synthesize, type Synthesized } from './support/synth.ts';

// The stack's optional drift check (issue 11, part 4): a scheduled function, started also by
// every change of a release parameter, with an EKS access entry whose group RBAC lets read pods
// only, its metrics on the dashboard and an alarm on missing sidecars.

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
const drift = { driftClusterName: 'prod', driftClusterEndpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', driftClusterCertificateAuthority: CA };

describe('a stack with the drift check', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({ ...drift, alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops' }, { bundle: false });
  });

  const driftFunction = () => Object.values(s.template.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment?.Variables?.DRIFT_CLUSTER_NAME)!;

  it('runs a function with the cluster, the webhook\'s own settings and its selectors', () => {
    const env = driftFunction().Properties.Environment.Variables;
    expect(env).toMatchObject({
      DRIFT_CLUSTER_NAME: 'prod',
      DRIFT_CLUSTER_ENDPOINT: drift.driftClusterEndpoint,
      DRIFT_CLUSTER_CA: CA,
      SSM_VERSION_PARAMETER: '/sidecar-injector/version',
      SSM_CANARY_PARAMETER: '/sidecar-injector/canary',
    });
    expect(JSON.parse(env.WEBHOOK_OBJECT_SELECTOR)).toEqual({ matchLabels: { 'sidecar-injection': 'enabled' } });
    expect(JSON.parse(env.WEBHOOK_NAMESPACE_SELECTOR).matchExpressions[0]).toMatchObject({ key: 'kubernetes.io/metadata.name', operator: 'NotIn' });
    expect(driftFunction().Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('on a schedule and on every change of a release parameter', () => {
    const rules = Object.values(s.template.findResources('AWS::Events::Rule')).map((r) => r.Properties);
    expect(rules.map((r) => r.ScheduleExpression).filter(Boolean)).toEqual(['rate(5 minutes)']);
    const change = rules.find((r) => r.EventPattern)!;
    expect(change.EventPattern).toEqual({
      source: ['aws.ssm'],
      'detail-type': ['Parameter Store Change'],
      detail: { name: [expect.anything(), expect.anything(), expect.anything()] },
    });
  });

  it('maps its role to the group RBAC lets read pods, and prints that RBAC', () => {
    s.template.hasResourceProperties('AWS::EKS::AccessEntry', { ClusterName: 'prod', KubernetesGroups: ['sidecar-injector-drift'], Type: 'STANDARD' });
    const output = Object.entries(s.template.toJSON().Outputs as Record<string, { Value: string }>).find(([k]) => k.includes('DriftRbacYaml'))![1];
    const [role, binding] = parseAllDocuments(output.Value).map((d) => d.toJS());
    expect(role).toMatchObject({ kind: 'ClusterRole', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] });
    expect(binding).toMatchObject({ kind: 'ClusterRoleBinding', subjects: [{ kind: 'Group', name: 'sidecar-injector-drift' }] });
    expect(parse(parseAllDocuments(output.Value)[0]!.toString()).rules).toHaveLength(1);
  });

  it('alarms on missing sidecars (to the topic) and shows the drift on the dashboard', () => {
    const alarm = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.MetricName === 'PodsMissingSidecar')!.Properties;
    expect(alarm).toMatchObject({ Threshold: 1, Statistic: 'Maximum', AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:ops'] });
    expect(alarm.Dimensions).toEqual(expect.arrayContaining([{ Name: 'cluster', Value: 'prod' }, { Name: 'service', Value: 'sidecar-injector' }]));
    const body = JSON.stringify(Object.values(s.template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    expect(body).toContain('Fleet drift (prod)');
    expect(body).toContain('PodsOutdated');
  });
});

describe('drift settings', () => {
  it('without the three drift settings, no drift function', () => {
    const s = synthesize({}, { bundle: false });
    expect(Object.keys(s.template.findResources('AWS::EKS::AccessEntry'))).toHaveLength(0);
  });
  it('refuses a partial or bad drift configuration', () => {
    expect(() => synthesize({ driftClusterName: 'prod' }, { bundle: false })).toThrow(/go together/);
    expect(() => synthesize({ ...drift, driftClusterEndpoint: 'http://x' }, { bundle: false })).toThrow(/must be the cluster's https endpoint/);
    expect(() => synthesize({ ...drift, driftClusterCertificateAuthority: 'bm9wZQ==' }, { bundle: false })).toThrow(/base64 PEM/);
  });
});

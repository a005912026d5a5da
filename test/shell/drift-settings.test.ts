import { describe, expect, it } from 'vitest';
import { driftSettingsFromEnv } from '../../functions/drift/drift.ts';

// The drift function's own settings: a bad value names its variable (the function then fails
// every run with that message, which the Lambda error metric shows).

const good = {
  DRIFT_CLUSTER_NAME: 'prod',
  DRIFT_CLUSTER_ENDPOINT: 'https://abc.eks.amazonaws.com',
  DRIFT_CLUSTER_CA: 'LS0t',
  AWS_REGION: 'eu-west-1',
  WEBHOOK_OBJECT_SELECTOR: '{"matchLabels":{"sidecar-injection":"enabled"}}',
};

describe('driftSettingsFromEnv', () => {
  it('reads the cluster and the webhook selectors', () => {
    expect(driftSettingsFromEnv(good)).toMatchObject({ clusterName: 'prod', region: 'eu-west-1', selection: { objectSelector: { matchLabels: { 'sidecar-injection': 'enabled' } }, namespaceSelector: {} } });
  });
  it.each([
    [{ DRIFT_CLUSTER_NAME: '' }, 'DRIFT_CLUSTER_NAME is required'],
    [{ DRIFT_CLUSTER_ENDPOINT: 'http://x' }, 'DRIFT_CLUSTER_ENDPOINT="http://x" must be an https URL'],
    [{ WEBHOOK_OBJECT_SELECTOR: '{' }, 'WEBHOOK_OBJECT_SELECTOR is not JSON'],
    [{ WEBHOOK_NAMESPACE_SELECTOR: '{"matchLabels":{"a b":"c"}}' }, 'WEBHOOK_NAMESPACE_SELECTOR.matchLabels: label key "a b"'],
  ])('refuses %j', (change, message) => {
    expect(() => driftSettingsFromEnv({ ...good, ...change })).toThrow(message);
  });
});

import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { SidecarInjectorSettings } from '../settings/settings.ts';

/** Requests per minute one source address may send with the token before WAF blocks it. */
export function perSourceLimitPerMinute(settings: SidecarInjectorSettings): number {
  // Half the stage's sustained rate: the stage is sized at twice the design peak (README,
  // capacity model), so one source never needs more, and one leaked-token source cannot take
  // the whole throttle from the cluster.
  return Math.max(10, Math.ceil((settings.throttleRateLimit * 60) / 2));
}

export const FIREWALL_RULES = { perSource: 'PerSourceRateLimit', allow: 'WebhookPathWithToken' } as const;

/**
 * A regional WAF web ACL in front of the stage: WAF is evaluated before API Gateway's throttling,
 * resource policy and integration, so a request without the token never uses the stage's
 * throttle and never invokes the function. Everything is blocked (404, as for an unknown path)
 * unless it is a POST whose URI path ends in /mutate/<token>; token-bearing requests above the
 * per-source limit are blocked with 429. Sampled requests are off: they would show the URI, and
 * the URI holds the token.
 */
export class WebhookFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly metricName: string;

  constructor(scope: Construct, id: string, settings: SidecarInjectorSettings, target: { stageArn: string; pathToken: string }) {
    super(scope, id);
    this.metricName = `${settings.stackName}-webhook`;
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: false,
    });
    const none = [{ priority: 0, type: 'NONE' }];
    const withToken: wafv2.CfnWebACL.StatementProperty = {
      andStatement: {
        statements: [
          { byteMatchStatement: { fieldToMatch: { method: {} }, positionalConstraint: 'EXACTLY', searchString: 'POST', textTransformations: none } },
          { byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'ENDS_WITH', searchString: `/mutate/${target.pathToken}`, textTransformations: none } },
        ],
      },
    };
    this.webAcl = new wafv2.CfnWebACL(this, 'Acl', {
      name: this.metricName,
      description: 'Sidecar injector webhook - only POST to the path with the token reaches the API, with a per-source rate limit',
      scope: 'REGIONAL',
      defaultAction: { block: { customResponse: { responseCode: 404 } } },
      visibilityConfig: visibility(this.metricName),
      rules: [
        {
          name: FIREWALL_RULES.perSource,
          priority: 0,
          action: { block: { customResponse: { responseCode: 429 } } },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              evaluationWindowSec: 60,
              limit: perSourceLimitPerMinute(settings),
              scopeDownStatement: withToken,
            },
          },
          visibilityConfig: visibility(FIREWALL_RULES.perSource),
        },
        { name: FIREWALL_RULES.allow, priority: 1, action: { allow: {} }, statement: withToken, visibilityConfig: visibility(FIREWALL_RULES.allow) },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', { resourceArn: target.stageArn, webAclArn: this.webAcl.attrArn });
  }
}

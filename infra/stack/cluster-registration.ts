import * as eks from 'aws-cdk-lib/aws-eks';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { ClusterDocument } from '../webhook-config/render.ts';
import { acknowledgeKubectlProviderFindings } from './nag-acknowledgements.ts';

/** The cluster: a construct with its kubectl role and layer, or the names and ARNs to import one. */
export type ClusterRegistrationProps = ({ cluster: eks.ICluster } | ClusterByName) & {
  /** The MutatingWebhookConfiguration, and in fail-open mode its ValidatingAdmissionPolicy and binding. */
  documents: ClusterDocument[];
};

interface ClusterByName {
  clusterName: string;
  kubectlRoleArn: string;
  /**
   * aws-cdk-lib ships no kubectl binary: the kubectl provider needs a layer with
   * /opt/kubectl/kubectl and /opt/helm/helm (such as one published from
   * @aws-cdk/lambda-layer-kubectl-v3x). Referring to a published layer keeps synth offline.
   */
  kubectlLayerArn: string;
}

/**
 * Applies the MutatingWebhookConfiguration to an existing EKS cluster in the same deploy,
 * through aws-cdk-lib's kubectl provider (a nested stack with a Lambda that runs kubectl as
 * the given role). Deleting the stack deletes the configuration first, before the endpoint.
 */
export class ClusterRegistration extends Construct {
  readonly manifest: eks.KubernetesManifest;

  constructor(scope: Construct, id: string, props: ClusterRegistrationProps) {
    super(scope, id);
    const cluster =
      'cluster' in props
        ? props.cluster
        : eks.Cluster.fromClusterAttributes(this, 'Cluster', {
            clusterName: props.clusterName,
            kubectlRoleArn: props.kubectlRoleArn,
            kubectlLayer: lambda.LayerVersion.fromLayerVersionArn(this, 'KubectlLayer', props.kubectlLayerArn),
          });
    this.manifest = new eks.KubernetesManifest(this, 'WebhookConfiguration', {
      cluster,
      manifest: props.documents.map((document) => document as unknown as Record<string, unknown>),
      overwrite: true,
      // Fixed names: nothing to prune, and no extra label on them.
      prune: false,
    });
    // The provider (a nested stack) is made once per cluster and stack; its findings are aws-cdk-lib's.
    acknowledgeKubectlProviderFindings(eks.KubectlProvider.getOrCreate(this, cluster));
  }
}

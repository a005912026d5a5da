/**
 * What the drift function may do in the cluster: get and list pods, nothing else. Bound to the
 * Kubernetes group its EKS access entry names. The stack prints it (DriftRbacYaml) for
 * `kubectl apply`; the end-to-end test applies the same objects.
 */
export const DRIFT_GROUP = 'sidecar-injector-drift';

export function driftRbac(group: string = DRIFT_GROUP) {
  const labels = { 'app.kubernetes.io/name': 'sidecar-injector', 'app.kubernetes.io/component': 'drift-check' };
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: group, labels },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: group, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: group },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
    },
  ] as const;
}

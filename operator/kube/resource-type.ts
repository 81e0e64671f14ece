/** What the plumbing needs to address a kind over REST (discovery is not needed for these). */
export interface ResourceType {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** The lowercase plural in URLs, e.g. `deployments`. */
  readonly plural: string;
  readonly namespaced: boolean;
}

export function apiVersionOf({ group, version }: ResourceType): string {
  return group ? `${group}/${version}` : version;
}

/** `/api/v1/namespaces/ns/configmaps`, `/apis/apps/v1/deployments` (all namespaces) … */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const root = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const scope = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${scope}/${type.plural}`;
}

export function objectPath(type: ResourceType, name: string, namespace?: string): string {
  if (type.namespaced && !namespace) throw new Error(`${type.kind} ${name} needs a namespace`);
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}`;
}

const core = (kind: string, plural: string): ResourceType => ({
  group: '',
  version: 'v1',
  kind,
  plural,
  namespaced: true,
});

/** The built-in kinds the operator reads or writes. */
export const builtInResources = {
  configMap: core('ConfigMap', 'configmaps'),
  secret: core('Secret', 'secrets'),
  service: core('Service', 'services'),
  serviceAccount: core('ServiceAccount', 'serviceaccounts'),
  pod: core('Pod', 'pods'),
  deployment: { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  job: { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true },
  horizontalPodAutoscaler: {
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
  },
  podDisruptionBudget: {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
  },
  lease: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
  event: { group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true },
  namespace: { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
} as const satisfies Record<string, ResourceType>;

import type {
  CustomResourceJson,
  DeploymentJson,
  JobJson,
  KubeJson,
  PodJson,
  SecretJson,
} from './kube-json.ts';

/** The read side of an informer: what a reconcile may look at. */
export interface CacheReader<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
}

/** Every cache the controllers read. Reconciles read only from here (and the rare live read of a key). */
export interface Caches {
  readonly gateways: CacheReader<CustomResourceJson>;
  readonly models: CacheReader<CustomResourceJson>;
  readonly virtualKeys: CacheReader<CustomResourceJson>;
  readonly secrets: CacheReader<SecretJson>;
  readonly configMaps: CacheReader<KubeJson>;
  readonly services: CacheReader<KubeJson>;
  readonly serviceAccounts: CacheReader<KubeJson>;
  readonly deployments: CacheReader<DeploymentJson>;
  readonly jobs: CacheReader<JobJson>;
  /** The migration Jobs' pods (never the gateway's serving pods), for their phase. */
  readonly migrationPods: CacheReader<PodJson>;
  readonly horizontalPodAutoscalers: CacheReader<KubeJson>;
  readonly podDisruptionBudgets: CacheReader<KubeJson>;
  /** The models and the keys whose gatewayRef names a gateway (an index over those two caches). */
  readonly modelsOf: (namespace: string, gateway: string) => readonly CustomResourceJson[];
  readonly virtualKeysOf: (namespace: string, gateway: string) => readonly CustomResourceJson[];
}

/** The cache holding children of `kind`, for the skip-if-unchanged check and for pruning. */
export function cacheForKind(caches: Caches, kind: string): CacheReader<KubeJson> | undefined {
  switch (kind) {
    case 'Secret':
      return caches.secrets;
    case 'ConfigMap':
      return caches.configMaps;
    case 'Service':
      return caches.services;
    case 'ServiceAccount':
      return caches.serviceAccounts;
    case 'Deployment':
      return caches.deployments;
    case 'Job':
      return caches.jobs;
    case 'HorizontalPodAutoscaler':
      return caches.horizontalPodAutoscalers;
    case 'PodDisruptionBudget':
      return caches.podDisruptionBudgets;
    default:
      // ServiceMonitor: optional CRD, not cached; read live when needed.
      return undefined;
  }
}

import type { KubeConnection } from '../kube/kube-connection.ts';
import { builtInResources } from '../kube/resource-type.ts';
import type { ResourceType } from '../kube/resource-type.ts';
import { SupervisedInformer } from '../kube/supervised-informer.ts';
import type { CachedObject, SupervisedInformerOptions } from '../kube/supervised-informer.ts';
import { managedBy } from '../render/labels.ts';
import { deploymentFields, jobFields, metadataOnly, podPhase } from './cache-transforms.ts';
import type { Caches } from '../controllers/caches.ts';
import type { CustomResourceJson } from '../controllers/kube-json.ts';
import { ByGatewayIndex } from './by-gateway-index.ts';
import { customResources } from '../controllers/resources.ts';

/** Children carry this label: their caches hold only the operator's objects, not the whole cluster's. */
const ownedSelector = `app.kubernetes.io/managed-by=${managedBy}`;
/** The migration Jobs' pods only: a cluster's other pods (the gateways' own included) are never cached. */
const migrationPodSelector = `${ownedSelector},app.kubernetes.io/component=migration`;

export interface InformerSet {
  readonly caches: Caches;
  readonly all: readonly SupervisedInformer<CachedObject>[];
}

export interface InformerSetOptions {
  readonly kubeConfig: KubeConnection;
  readonly namespaces: readonly string[];
  readonly onRestart: (resource: ResourceType) => void;
  readonly onError: (resource: ResourceType, error: unknown, restartInMs: number) => void;
}

/**
 * One supervised informer per kind the controllers read. Secrets are cached unfiltered because the
 * Secrets a gateway references are the user's (no label of ours); everything the operator makes is
 * selected by its managed-by label, and kept only in the part the controllers read (cache-transforms.ts).
 */
export function createInformers(options: InformerSetOptions): InformerSet {
  const all: SupervisedInformer<CachedObject>[] = [];
  const make = <T extends CachedObject>(
    resource: ResourceType,
    labelSelector?: string,
    transform?: (object: T) => T,
  ): SupervisedInformer<T> => {
    const informerOptions: SupervisedInformerOptions<T> = {
      kubeConfig: options.kubeConfig,
      resource,
      namespaces: options.namespaces,
      ...(labelSelector !== undefined ? { labelSelector } : {}),
      ...(transform !== undefined ? { transform } : {}),
      onRestart: () => {
        options.onRestart(resource);
      },
      onError: (error, restartInMs) => {
        options.onError(resource, error, restartInMs);
      },
    };
    const informer = new SupervisedInformer<T>(informerOptions);
    all.push(informer as unknown as SupervisedInformer<CachedObject>);
    return informer;
  };
  const models = make<CustomResourceJson>(customResources.model);
  const virtualKeys = make<CustomResourceJson>(customResources.virtualKey);
  const modelIndex = new ByGatewayIndex(models);
  const keyIndex = new ByGatewayIndex(virtualKeys);
  const caches: Caches = {
    gateways: make(customResources.gateway),
    models,
    virtualKeys,
    secrets: make(builtInResources.secret),
    configMaps: make(builtInResources.configMap, ownedSelector, metadataOnly),
    services: make(builtInResources.service, ownedSelector, metadataOnly),
    serviceAccounts: make(builtInResources.serviceAccount, ownedSelector, metadataOnly),
    deployments: make(builtInResources.deployment, ownedSelector, deploymentFields),
    jobs: make(builtInResources.job, ownedSelector, jobFields),
    migrationPods: make(builtInResources.pod, migrationPodSelector, podPhase),
    horizontalPodAutoscalers: make(builtInResources.horizontalPodAutoscaler, ownedSelector, metadataOnly),
    podDisruptionBudgets: make(builtInResources.podDisruptionBudget, ownedSelector, metadataOnly),
    modelsOf: (namespace, gateway) => modelIndex.of(namespace, gateway),
    virtualKeysOf: (namespace, gateway) => keyIndex.of(namespace, gateway),
  };
  return { caches, all };
}

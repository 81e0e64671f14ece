import type { Caches } from '../controllers/caches.ts';
import {
  keysForChild,
  keysForGateway,
  keysForModel,
  keysForSecret,
  keysForVirtualKey,
  modelKey,
  virtualKeyKey,
} from '../controllers/event-mapping.ts';
import type { Members } from '../controllers/event-mapping.ts';
import { nameOf, namespaceOf } from '../controllers/kube-json.ts';
import type { KubeJson } from '../controllers/kube-json.ts';
import { parseGateway, parseModel, parsedOnly, parseVirtualKey } from '../controllers/parse-resources.ts';
import type { SupervisedInformer, CachedObject } from '../kube/supervised-informer.ts';
import type { InformerSet } from './informers.ts';

/** The parsed custom resources of a namespace, for the mappings that need to know who references what. */
export function membersOf(caches: Caches, namespace: string): Members {
  return {
    gateways: parsedOnly(caches.gateways.list(namespace), parseGateway),
    models: parsedOnly(caches.models.list(namespace), parseModel),
    virtualKeys: parsedOnly(caches.virtualKeys.list(namespace), parseVirtualKey),
  };
}

/**
 * Sends every informer event to the queue keys it concerns (event-mapping.ts): the object's own key,
 * its gateway's, the owner of a child, whoever references a Secret. Deletes map through the last state
 * the cache had, so deleting a VirtualKey reaches its gateway, which then revokes the key.
 */
export function routeEvents(informers: InformerSet, enqueue: (key: string) => void): void {
  const { caches } = informers;
  const on = (informer: unknown, map: (object: KubeJson) => readonly string[]): void => {
    (informer as SupervisedInformer<CachedObject>).addHandler((_type, object) => {
      for (const key of map(object)) enqueue(key);
    });
  };
  on(caches.gateways, (object) => {
    const namespace = object.metadata?.namespace ?? '';
    return keysForGateway(namespace, object.metadata?.name ?? '', membersOf(caches, namespace));
  });
  on(caches.models, (object) => {
    const parsed = parseModel(object);
    return parsed.ok ? keysForModel(parsed.value) : [modelKey(namespaceOf(object), nameOf(object))];
  });
  on(caches.virtualKeys, (object) => {
    const parsed = parseVirtualKey(object);
    return parsed.ok ? keysForVirtualKey(parsed.value) : [virtualKeyKey(namespaceOf(object), nameOf(object))];
  });
  on(caches.secrets, (object) => keysForSecret(object, membersOf(caches, object.metadata?.namespace ?? '')));
  for (const cache of [
    caches.configMaps,
    caches.services,
    caches.serviceAccounts,
    caches.deployments,
    caches.jobs,
    caches.horizontalPodAutoscalers,
    caches.podDisruptionBudgets,
  ]) {
    on(cache, keysForChild);
  }
}

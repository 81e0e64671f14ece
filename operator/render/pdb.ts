import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { LLMGateway } from '../api/llm-gateway.ts';
import { gatewayLabels, selectorLabels } from './labels.ts';
import { childNames } from './names.ts';
import { ownerReference } from './owner.ts';
import type { Applied } from './kube-object.ts';

/**
 * A policy/v1 PDB (maxUnavailable 1 unless told otherwise), or undefined when disabled. Unhealthy pods may
 * always be evicted, so a crash-looping pod never blocks a node drain.
 */
export function podDisruptionBudget(gateway: LLMGateway): Applied<V1PodDisruptionBudget> | undefined {
  const budget = gateway.spec.podDisruptionBudget;
  if (!budget.enabled) return undefined;
  const limit =
    budget.minAvailable !== undefined
      ? { minAvailable: budget.minAvailable }
      : { maxUnavailable: budget.maxUnavailable ?? 1 };
  const name = gateway.metadata.name;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: childNames(name).pdb,
      namespace: gateway.metadata.namespace,
      labels: gatewayLabels(gateway),
      ownerReferences: [ownerReference('LLMGateway', gateway.metadata)],
    },
    spec: {
      selector: { matchLabels: selectorLabels(name) },
      ...limit,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}

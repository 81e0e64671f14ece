import type { V1ServiceAccount } from '@kubernetes/client-node';
import type { LLMGateway } from '../api/llm-gateway.ts';
import { gatewayLabels } from './labels.ts';
import { childNames } from './names.ts';
import { ownerReference } from './owner.ts';
import type { Applied } from './kube-object.ts';

/** The ServiceAccount the pods run as: the user's, or the one the operator creates. */
export function serviceAccountName(gateway: LLMGateway): string {
  return gateway.spec.pod?.serviceAccountName ?? childNames(gateway.metadata.name).serviceAccount;
}

/** Undefined when the user brings a ServiceAccount of their own. */
export function serviceAccount(gateway: LLMGateway): Applied<V1ServiceAccount> | undefined {
  if (gateway.spec.pod?.serviceAccountName !== undefined) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: childNames(gateway.metadata.name).serviceAccount,
      namespace: gateway.metadata.namespace,
      labels: gatewayLabels(gateway),
      ownerReferences: [ownerReference('LLMGateway', gateway.metadata)],
    },
    automountServiceAccountToken: false,
  };
}

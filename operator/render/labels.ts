import type { LLMGateway } from '../api/llm-gateway.ts';

export const managedBy = 'switchyard-operator';

const name = 'switchyard-gateway';

/**
 * Labels that select a gateway's serving pods (Deployment, Service, PDB, spread). They include the
 * component, so the migration Job's pods are never behind the Service. Never change them: a Deployment's
 * selector is immutable.
 */
export function selectorLabels(gatewayName: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': gatewayName,
    'app.kubernetes.io/component': 'gateway',
  };
}

/** Labels on every child of a gateway; `component` tells the serving pods from the migration. */
export function gatewayLabels(
  gateway: LLMGateway,
  component: 'gateway' | 'migration' = 'gateway',
): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': gateway.metadata.name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'switchyard',
    'app.kubernetes.io/managed-by': managedBy,
  };
}

import type { LLMGatewaySpec } from '../api/llm-gateway.ts';

/** Extra pods a rollout may add (the Deployment's maxSurge): they hold connections too. */
export const maxSurge = 1;
/** Replicas when neither replicas nor autoscaling is set. */
export const defaultReplicas = 2;

export interface PoolLimitInput {
  readonly maxConnections: number;
  readonly reservedConnections: number;
  readonly maxReplicas: number;
  readonly maxSurge: number;
}

export type PoolLimit =
  { readonly ok: true; readonly limit: number } | { readonly ok: false; readonly message: string };

/**
 * Connections per pod so that every pod that can exist at once (the most replicas plus the rollout surge)
 * stays within the server's budget: floor((maxConnections − reserved) / (maxReplicas + maxSurge)).
 */
export function poolLimit(input: PoolLimitInput): PoolLimit {
  const available = input.maxConnections - input.reservedConnections;
  const pods = input.maxReplicas + input.maxSurge;
  const limit = Math.floor(available / pods);
  if (limit >= 1) return { ok: true, limit };
  return {
    ok: false,
    message:
      `database pool per pod would be ${limit}: maxConnections ${input.maxConnections} - reservedConnections ` +
      `${input.reservedConnections} = ${available} connections for ${pods} pods (maxReplicas ` +
      `${input.maxReplicas} + maxSurge ${input.maxSurge}); raise maxConnections, lower reservedConnections ` +
      'or lower the replica count',
  };
}

/** The most pods the gateway may run outside a rollout. */
export function maxReplicasOf(spec: LLMGatewaySpec): number {
  return spec.autoscaling?.maxReplicas ?? spec.replicas ?? defaultReplicas;
}

/** The pool limit of a gateway, or undefined without a database (the embedded store is one session). */
export function gatewayPoolLimit(spec: LLMGatewaySpec): PoolLimit | undefined {
  if (spec.database === undefined) return undefined;
  return poolLimit({
    maxConnections: spec.database.maxConnections,
    reservedConnections: spec.database.reservedConnections,
    maxReplicas: maxReplicasOf(spec),
    maxSurge,
  });
}

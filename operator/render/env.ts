import type { V1EnvVar } from '@kubernetes/client-node';
import type { SecretKeyRef } from '../api/common.ts';
import type { LLMGatewaySpec } from '../api/llm-gateway.ts';
import { configFilePath, env, keysFilePath, ports } from './contract.ts';
import type { Plain } from './kube-object.ts';

const value = (name: string, text: string): Plain<V1EnvVar> => ({ name, value: text });
const fromSecret = (name: string, ref: SecretKeyRef): Plain<V1EnvVar> => ({
  name,
  valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } },
});

/** The database URL, shared by the gateway and the migration Job. */
export function databaseEnv(spec: LLMGatewaySpec): Plain<V1EnvVar>[] {
  return spec.database === undefined ? [] : [fromSecret(env.databaseUrl, spec.database.urlSecretRef)];
}

/**
 * The gateway container's environment. Settings the operator computes come as variables that override the
 * config file; secrets come as Secret refs, never values.
 */
export function gatewayEnv(spec: LLMGatewaySpec, poolLimit: number | undefined): Plain<V1EnvVar>[] {
  const vars: Plain<V1EnvVar>[] = [
    value(env.configFilePath, configFilePath),
    value(env.keysFile, keysFilePath),
    value(env.separateHealthApp, '1'),
    value(env.separateHealthPort, String(ports.health.port)),
    value(env.shutdownDelaySeconds, String(spec.shutdown.acceptDelaySeconds)),
    // Bounds the drain by the request timeout the grace period was sized with, whatever a model's timeout.
    value(env.drainTimeoutSeconds, String(spec.gateway.requestTimeoutSeconds)),
    // Production mode: refuses to start without a master key and never logs at debug level.
    value(env.mode, 'production'),
    // Migrations run in their own Job before a rollout, never in serving pods.
    value(env.disableSchemaUpdate, 'true'),
    ...databaseEnv(spec),
  ];
  if (poolLimit !== undefined) vars.push(value(env.databasePoolLimit, String(poolLimit)));
  vars.push(fromSecret(env.masterKey, spec.masterKeySecretRef));
  if (spec.saltKeySecretRef !== undefined) vars.push(fromSecret(env.saltKey, spec.saltKeySecretRef));
  if (spec.redis !== undefined) {
    vars.push(value(env.redisHost, spec.redis.host), value(env.redisPort, String(spec.redis.port)));
    if (spec.redis.passwordSecretRef !== undefined)
      vars.push(fromSecret(env.redisPassword, spec.redis.passwordSecretRef));
  }
  return vars;
}

/** The Secret keys the environment reads: a change to any of their values must restart the pods. */
export function envSecretRefs(spec: LLMGatewaySpec): SecretKeyRef[] {
  const refs = [
    spec.database?.urlSecretRef,
    spec.masterKeySecretRef,
    spec.saltKeySecretRef,
    spec.redis?.passwordSecretRef,
  ];
  return refs.filter((ref) => ref !== undefined);
}

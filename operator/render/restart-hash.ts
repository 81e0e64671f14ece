import type { V1EnvVar } from '@kubernetes/client-node';
import type { LLMGatewaySpec } from '../api/llm-gateway.ts';
import { envSecretRefs } from './env.ts';
import { stableHash } from './hash.ts';
import { lookup, type SecretStore } from './secret-refs.ts';
import type { Plain } from './kube-object.ts';

export const restartHashAnnotation = 'switchyard.dev/restart-hash';

/**
 * A hash of what a running gateway cannot pick up without a restart: the image, the environment and the
 * values of the Secret keys the environment reads. Models, credentials and keys are hot-reloaded from
 * mounted files, so they are left out on purpose: adding a model must not roll the pods.
 */
export function restartHash(
  spec: LLMGatewaySpec,
  image: string,
  env: readonly Plain<V1EnvVar>[],
  secrets: SecretStore,
): string {
  const secretValues = envSecretRefs(spec).map((ref) => [ref.name, ref.key, lookup(secrets, ref) ?? null]);
  return stableHash({ image, env, secretValues });
}

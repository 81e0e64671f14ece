import type { CallContext, Deployment } from './types.ts';

/** `drop_params` from `litellm_settings`, or from the deployment's own `litellm_params` as LiteLLM also reads it. */
export function dropParamsOf(context: CallContext, deployment: Deployment): boolean {
  const own = (deployment.params as Record<string, unknown>).drop_params;
  return context.dropParams || own === true || own === 'true' || own === 'True';
}

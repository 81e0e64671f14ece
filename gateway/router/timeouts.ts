import type { LitellmSettings, RouterSettings } from '../config/schema.ts';
import type { Deployment } from '../providers/types.ts';

export const defaultRequestTimeoutSeconds = 600;

export interface Timeouts {
  /** The whole call, or for a stream the longest silence between chunks. */
  readonly requestMs: number;
  /** Time allowed to a stream's first chunk. */
  readonly firstChunkMs: number;
}

/** A deployment's `timeout` beats `router_settings.timeout`, which beats `litellm_settings.request_timeout`. */
export function timeoutsOf(
  deployment: Deployment,
  router: RouterSettings,
  litellm: LitellmSettings,
): Timeouts {
  const seconds =
    deployment.params.timeout ?? router.timeout ?? litellm.request_timeout ?? defaultRequestTimeoutSeconds;
  const streamSeconds = deployment.params.stream_timeout ?? router.stream_timeout ?? seconds;
  return { requestMs: seconds * 1000, firstChunkMs: streamSeconds * 1000 };
}

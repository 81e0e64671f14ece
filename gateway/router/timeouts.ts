import type { LitellmSettings, RouterSettings } from '../config/schema.ts';
import type { Deployment } from '../providers/types.ts';

export const defaultRequestTimeoutSeconds = 600;

export interface Timeouts {
  /** The whole call. */
  readonly requestMs: number;
  /** Time allowed to a stream's first chunk. */
  readonly firstChunkMs: number;
  /** The longest silence allowed between two chunks of an upstream body (a stalled stream is cut then). */
  readonly idleMs: number;
}

/**
 * A deployment's `timeout` beats `router_settings.timeout`, which beats `litellm_settings.request_timeout`;
 * `stream_timeout` (first chunk) and `stream_idle_timeout` (between chunks) default to it, the same way.
 */
export function timeoutsOf(
  deployment: Deployment,
  router: RouterSettings,
  litellm: LitellmSettings,
): Timeouts {
  const seconds =
    deployment.params.timeout ?? router.timeout ?? litellm.request_timeout ?? defaultRequestTimeoutSeconds;
  const streamSeconds = deployment.params.stream_timeout ?? router.stream_timeout ?? seconds;
  const idleSeconds = deployment.params.stream_idle_timeout ?? router.stream_idle_timeout ?? seconds;
  return { requestMs: seconds * 1000, firstChunkMs: streamSeconds * 1000, idleMs: idleSeconds * 1000 };
}

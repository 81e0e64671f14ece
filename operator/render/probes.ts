import type { V1Lifecycle, V1Probe } from '@kubernetes/client-node';
import type { LLMGatewaySpec } from '../api/llm-gateway.ts';
import { supportsSleepAction, type ClusterCapabilities } from './capabilities.ts';
import { healthPaths, ports } from './contract.ts';
import type { Plain } from './kube-object.ts';

/**
 * Probes on the separate health port, so a deep API backlog never fails them. Timeouts are generous: LiteLLM
 * users saw healthy pods killed by 1 s probe timeouts under load.
 */
export function probes(): {
  startupProbe: Plain<V1Probe>;
  readinessProbe: Plain<V1Probe>;
  livenessProbe: Plain<V1Probe>;
} {
  const get = (path: string) => ({ httpGet: { path, port: ports.health.name, scheme: 'HTTP' } });
  return {
    // Up to two minutes to load the config and reach the database before liveness takes over.
    startupProbe: { ...get(healthPaths.liveness), periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 60 },
    readinessProbe: {
      ...get(healthPaths.readiness),
      periodSeconds: 5,
      timeoutSeconds: 5,
      successThreshold: 1,
      failureThreshold: 2,
    },
    // About a minute of silence before a restart: liveness is for a wedged process, not a busy one.
    livenessProbe: {
      ...get(healthPaths.liveness),
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    },
  };
}

/**
 * Waits before SIGTERM so the endpoint is gone from every proxy before the gateway starts draining. The
 * `sleep` action needs no shell in the image; older clusters get `sleep` run in the container.
 */
export function lifecycle(
  spec: LLMGatewaySpec,
  capabilities: ClusterCapabilities,
): Plain<V1Lifecycle> | undefined {
  const seconds = spec.shutdown.preStopDelaySeconds;
  if (seconds === 0) return undefined;
  if (supportsSleepAction(capabilities)) return { preStop: { sleep: { seconds } } };
  return { preStop: { exec: { command: ['sleep', String(seconds)] } } };
}

/**
 * preStop delay + post-SIGTERM accept delay + the longest request + the spend flush: a pod is never killed
 * while it may still be finishing a request it accepted.
 */
export function terminationGracePeriodSeconds(spec: LLMGatewaySpec): number {
  const { preStopDelaySeconds, acceptDelaySeconds, flushMarginSeconds } = spec.shutdown;
  return preStopDelaySeconds + acceptDelaySeconds + spec.gateway.requestTimeoutSeconds + flushMarginSeconds;
}

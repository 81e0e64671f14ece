import { randomUUID } from 'node:crypto';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Deployment, Operation, RequestBody } from '../providers/types.ts';
import type { Router } from '../router/router.ts';
import type { UpstreamHttp } from '../upstream/http.ts';
import { ProviderError } from '../upstream/errors.ts';
import { scrubSecrets } from '../errors.ts';

export interface EndpointReport {
  readonly model_group: string;
  readonly model: string;
  readonly deployment_id: string;
  readonly api_base: string | null;
  readonly error?: string;
}

export interface DeploymentHealth {
  readonly healthy_endpoints: EndpointReport[];
  readonly unhealthy_endpoints: EndpointReport[];
  readonly healthy_count: number;
  readonly unhealthy_count: number;
}

/**
 * LiteLLM's `GET /health`: one minimal call per deployment (a one-token chat, or a one-word embedding for
 * embedding models), all at once, each bounded. Costs real tokens, so it is behind the master key and never
 * part of a probe.
 */
export async function checkDeployments(
  router: Router,
  registry: ProviderRegistry,
  http: UpstreamHttp,
  timeoutMs: number,
): Promise<DeploymentHealth> {
  const deployments = router.modelGroups().flatMap((group) => router.deploymentsOf(group));
  const reports = await Promise.all(
    deployments.map(async (deployment) => {
      const base: EndpointReport = {
        model_group: deployment.modelName,
        model: `${deployment.provider}/${deployment.model}`,
        deployment_id: deployment.id,
        api_base: deployment.apiBase ?? null,
      };
      const error = await check(deployment, registry, http, timeoutMs);
      return error === undefined
        ? { healthy: true, report: base }
        : { healthy: false, report: { ...base, error } };
    }),
  );
  const healthy = reports.filter((entry) => entry.healthy).map((entry) => entry.report);
  const unhealthy = reports.filter((entry) => !entry.healthy).map((entry) => entry.report);
  return {
    healthy_endpoints: healthy,
    unhealthy_endpoints: unhealthy,
    healthy_count: healthy.length,
    unhealthy_count: unhealthy.length,
  };
}

/** Undefined when healthy, else a short secret-free reason. */
async function check(
  deployment: Deployment,
  registry: ProviderRegistry,
  http: UpstreamHttp,
  timeoutMs: number,
): Promise<string | undefined> {
  const provider = registry.get(deployment.provider);
  if (provider === undefined) return `provider ${deployment.provider} is not available`;
  const operation = operationOf(deployment, provider.operations);
  try {
    const result = await provider.call(operation, probeBody(operation, deployment.modelName), deployment, {
      http,
      signal: AbortSignal.timeout(timeoutMs),
      requestId: `health-${randomUUID()}`,
      dropParams: true,
      idleTimeoutMs: timeoutMs,
    });
    // Drain a stream (a provider may stream even when not asked) so its connection goes back to the pool.
    if (result.kind === 'stream') {
      const iterator = result.frames[Symbol.asyncIterator]();
      while ((await iterator.next()).done !== true);
    }
    return undefined;
  } catch (error) {
    if (error instanceof ProviderError) return error.message;
    if (error instanceof Error && error.name === 'TimeoutError') return `no answer in ${timeoutMs} ms`;
    return scrubSecrets(error instanceof Error ? error.message : String(error));
  }
}

function operationOf(deployment: Deployment, operations: ReadonlySet<Operation>): Operation {
  if (deployment.modelInfo.mode === 'embedding' && operations.has('embedding')) return 'embedding';
  if (operations.has('chat')) return 'chat';
  return operations.has('completion') ? 'completion' : 'embedding';
}

function probeBody(operation: Operation, model: string): RequestBody {
  switch (operation) {
    case 'embedding':
      return { model, input: 'ping' };
    case 'completion':
      return { model, prompt: 'ping', max_tokens: 1 };
    case 'chat':
      return { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 };
  }
}

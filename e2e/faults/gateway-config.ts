/** Gateway configs for the fault scenarios, in LiteLLM's format (written as JSON, which YAML reads). */

import { randomBytes } from 'node:crypto';

/** Fresh each run, so a secret found in a response cannot be a coincidence of fixed test data. */
export const masterKey = `sk-faults-master-${randomBytes(12).toString('hex')}`;
/** What the gateway sends upstream; it must never reach a client. */
export const upstreamApiKey = `sk-faults-upstream-${randomBytes(12).toString('hex')}`;

export interface DeploymentSpec {
  readonly group: string;
  /** The upstream's model id: the fake echoes it as the response's `model`, so it tells who answered. */
  readonly model: string;
  readonly apiBase: string;
  readonly timeoutSeconds?: number;
}

export function deployment(spec: DeploymentSpec): object {
  return {
    model_name: spec.group,
    litellm_params: {
      model: `openai/${spec.model}`,
      api_base: `${spec.apiBase}/v1`,
      api_key: upstreamApiKey,
      ...(spec.timeoutSeconds === undefined ? {} : { timeout: spec.timeoutSeconds }),
    },
  };
}

export interface ConfigSpec {
  readonly deployments: readonly DeploymentSpec[];
  readonly databaseUrl: string;
  readonly redisPort?: number;
  readonly litellmSettings?: Record<string, unknown>;
  readonly routerSettings?: Record<string, unknown>;
  readonly generalSettings?: Record<string, unknown>;
}

/** Master key, spend to PostgreSQL written every second, and Redis when a port is given. */
export function gatewayConfig(spec: ConfigSpec): object {
  return {
    model_list: spec.deployments.map(deployment),
    litellm_settings: { request_timeout: 60, ...spec.litellmSettings },
    router_settings: {
      ...(spec.redisPort === undefined ? {} : { redis_host: '127.0.0.1', redis_port: spec.redisPort }),
      ...spec.routerSettings,
    },
    general_settings: {
      master_key: masterKey,
      database_url: spec.databaseUrl,
      proxy_batch_write_at: 1,
      ...spec.generalSettings,
    },
  };
}

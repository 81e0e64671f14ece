import { z } from 'zod';

type Env = Readonly<Record<string, string | undefined>>;

const seconds = (fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'must be a number of seconds')
    .transform((value) => Math.round(Number(value) * 1000))
    .optional()
    .transform((value) => value ?? fallback * 1000);
const count = (fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .optional()
    .transform((value) => value ?? fallback);
const flag = (fallback: boolean) =>
  z
    .string()
    .trim()
    .transform((value) => ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()))
    .optional()
    .transform((value) => value ?? fallback);

/**
 * How the process behaves under Kubernetes: environment variables, because the operator computes them per
 * pod and they must not depend on the (hot-reloaded) config file. Every value has a safe default.
 */
const operationsSchema = z.object({
  /** Time after SIGTERM during which new requests are still served while endpoints are removed. */
  SWITCHYARD_SHUTDOWN_DELAY_SECONDS: seconds(5),
  /** Longest wait for in-flight requests after the delay; default: the longest request timeout. */
  SWITCHYARD_DRAIN_TIMEOUT_SECONDS: seconds(0),
  MAX_REQUESTS_BEFORE_RESTART: count(0),
  /** Requests in flight per pod beyond which new ones are refused at once (0: no cap). */
  SWITCHYARD_MAX_IN_FLIGHT: count(1000),
  /** Readiness fails after shedding without pause for this long (0: never). */
  SWITCHYARD_SHED_UNREADY_SECONDS: seconds(60),
  /** Open connections per pod beyond which new ones are refused (0: no cap). */
  SWITCHYARD_MAX_CONNECTIONS: count(0),
  SWITCHYARD_HEADERS_TIMEOUT_SECONDS: seconds(30),
  /** Time allowed to receive a whole request body. */
  SWITCHYARD_BODY_TIMEOUT_SECONDS: seconds(120),
  /** Longer than the idle timeout of common load balancers (AWS ALB 60 s, GCP 600 s), so they close first. */
  SWITCHYARD_KEEP_ALIVE_TIMEOUT_SECONDS: seconds(620),
  SEPARATE_HEALTH_APP: flag(false),
  SEPARATE_HEALTH_PORT: count(4001),
  SWITCHYARD_METRICS_KEY_ALIAS: flag(true),
  /** Distinct key aliases given their own label value; the rest are counted as `other`. */
  SWITCHYARD_METRICS_MAX_KEY_ALIASES: count(500),
  /** Prompts and completions in the request log (off unless switched on). */
  SWITCHYARD_LOG_CONTENT: flag(false),
  SWITCHYARD_CONFIG_POLL_SECONDS: seconds(5),
});

export interface OperationsSettings {
  readonly shutdownDelayMs: number;
  /** 0: derive from the config's request timeouts. */
  readonly drainTimeoutMs: number;
  readonly maxRequestsBeforeRestart: number;
  readonly maxInFlight: number;
  readonly shedUnreadyAfterMs: number;
  readonly maxConnections: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly separateHealthApp: boolean;
  readonly separateHealthPort: number;
  readonly keyAliasLabel: boolean;
  readonly maxKeyAliases: number;
  readonly logContent: boolean;
  readonly configPollMs: number;
  /** `SWITCHYARD_MODE=production` or LiteLLM's `LITELLM_MODE=PRODUCTION`. */
  readonly production: boolean;
}

/** Reads the operational settings; a malformed value is an error that names the variable. */
export function operationsFromEnv(env: Env = process.env): OperationsSettings {
  const present = Object.fromEntries(
    Object.keys(operationsSchema.shape).flatMap((name) => {
      const value = env[name];
      return value === undefined || value.trim() === '' ? [] : [[name, value]];
    }),
  );
  const parsed = operationsSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${String(issue?.path[0] ?? 'environment')}: ${issue?.message ?? 'invalid'}`);
  }
  const values = parsed.data;
  return {
    shutdownDelayMs: values.SWITCHYARD_SHUTDOWN_DELAY_SECONDS,
    drainTimeoutMs: values.SWITCHYARD_DRAIN_TIMEOUT_SECONDS,
    maxRequestsBeforeRestart: values.MAX_REQUESTS_BEFORE_RESTART,
    maxInFlight: values.SWITCHYARD_MAX_IN_FLIGHT,
    shedUnreadyAfterMs: values.SWITCHYARD_SHED_UNREADY_SECONDS,
    maxConnections: values.SWITCHYARD_MAX_CONNECTIONS,
    headersTimeoutMs: values.SWITCHYARD_HEADERS_TIMEOUT_SECONDS,
    bodyTimeoutMs: values.SWITCHYARD_BODY_TIMEOUT_SECONDS,
    keepAliveTimeoutMs: values.SWITCHYARD_KEEP_ALIVE_TIMEOUT_SECONDS,
    separateHealthApp: values.SEPARATE_HEALTH_APP,
    separateHealthPort: values.SEPARATE_HEALTH_PORT,
    keyAliasLabel: values.SWITCHYARD_METRICS_KEY_ALIAS,
    maxKeyAliases: values.SWITCHYARD_METRICS_MAX_KEY_ALIASES,
    logContent: values.SWITCHYARD_LOG_CONTENT,
    configPollMs: values.SWITCHYARD_CONFIG_POLL_SECONDS,
    production: isProduction(env),
  };
}

export function isProduction(env: Env): boolean {
  return (
    env.SWITCHYARD_MODE?.toLowerCase() === 'production' ||
    env.LITELLM_MODE?.toUpperCase() === 'PRODUCTION' ||
    env.NODE_ENV === 'production'
  );
}

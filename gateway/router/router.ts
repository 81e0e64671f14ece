import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayConfig } from '../config/load.ts';
import { modelGroupAliases, type ModelGroupAlias } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import { usageOf } from '../providers/json-result.ts';
import { perDeployment } from '../providers/per-deployment.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Deployment, Operation, ProviderResult, RequestBody } from '../providers/types.ts';
import type { UpstreamHttp } from '../upstream/http.ts';
import { networkFailure } from '../upstream/http.ts';
import { ClientAbortError, ProviderError, toClientError, type FailureClass } from '../upstream/errors.ts';
import type { DeploymentAdmission } from './admission.ts';
import type { ClientLink } from './client-link.ts';
import { Cooldowns, type CooldownSharing } from './cooldowns.ts';
import { DeploymentStats } from './deployment-stats.ts';
import { Fallbacks } from './fallbacks.ts';
import {
  backoffMs,
  defaultBackoff,
  retryBudget,
  type BackoffSettings,
  type RetryBudget,
} from './retry-policy.ts';
import type { Random } from './random.ts';
import { createStrategy, type RoutingStrategy, type UsageSource } from './strategies.ts';
import { timeoutsOf } from './timeouts.ts';

export interface RouteRequest {
  readonly operation: Operation;
  readonly modelGroup: string;
  readonly body: RequestBody;
  /** Aborts the call in progress with a ClientAbortError when the client goes away. */
  readonly client: ClientLink;
  readonly requestId: string;
  /** A per-request `fallbacks` list, replacing the configured one. */
  readonly fallbacks?: readonly string[];
  readonly estimatedTokens: number;
  /** Shared rate limits, asked once the deployment is chosen (gateway/limits). */
  readonly admission?: DeploymentAdmission | undefined;
}

export interface RouteResult {
  readonly result: ProviderResult;
  readonly deployment: Deployment;
  /** How many upstream calls it took, across retries and fallbacks. */
  readonly attempts: number;
}

export interface RouterOptions {
  readonly http: UpstreamHttp;
  readonly registry: ProviderRegistry;
  readonly random?: Random;
  readonly backoff?: Partial<BackoffSettings>;
  readonly now?: () => number;
  /** Cooldowns shared with other pods (Redis). */
  readonly cooldownSharing?: CooldownSharing;
  /** What all pods sent to each deployment, over this router's own counts (usage-based routing). */
  readonly usage?: (local: UsageSource) => UsageSource;
}

/** A failure that ends a whole model group: its last error and why. */
interface GroupFailure {
  readonly error: GatewayError | ProviderError;
  readonly failure: FailureClass | 'unavailable';
}

/** Picks a deployment per model group, retries per failure class, cools down failing deployments, falls back. */
export class Router {
  readonly stats: DeploymentStats;
  readonly cooldowns: Cooldowns;
  readonly #groups: ReadonlyMap<string, readonly Deployment[]>;
  readonly #aliases: ReadonlyMap<string, ModelGroupAlias>;
  readonly #config: GatewayConfig;
  readonly #options: RouterOptions;
  readonly #strategy: RoutingStrategy;
  readonly #retries: RetryBudget;
  readonly #fallbacks: Fallbacks;
  readonly #backoff: BackoffSettings;
  readonly #random: Random;
  readonly #servingByOperation: Partial<Record<Operation, Map<string, readonly Deployment[]>>> = {};
  readonly #timeoutsOf = perDeployment((deployment) =>
    timeoutsOf(deployment, this.#config.routerSettings, this.#config.litellmSettings),
  );

  constructor(config: GatewayConfig, options: RouterOptions) {
    const now = options.now ?? Date.now;
    this.#config = config;
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#groups = groupByModelName(config.deployments);
    this.#aliases = aliasesOf(modelGroupAliases(config.routerSettings), this.#groups);
    this.stats = new DeploymentStats(now);
    this.cooldowns = new Cooldowns(
      {
        allowedFails: config.routerSettings.allowed_fails ?? 3,
        cooldownMs: (config.routerSettings.cooldown_time ?? 5) * 1000,
        disabled: config.routerSettings.disable_cooldowns ?? false,
      },
      now,
      options.cooldownSharing,
    );
    this.#strategy = createStrategy(
      config.routerSettings,
      this.stats,
      this.#random,
      options.usage?.(this.stats),
    );
    this.#retries = retryBudget(config.routerSettings, config.litellmSettings);
    this.#fallbacks = new Fallbacks(config.routerSettings, config.litellmSettings);
    this.#backoff = {
      ...defaultBackoff,
      ...(config.routerSettings.retry_after === undefined
        ? {}
        : { minimumMs: config.routerSettings.retry_after * 1000 }),
      ...options.backoff,
    };
  }

  modelGroups(): readonly string[] {
    return [...this.#groups.keys()];
  }

  deploymentsOf(group: string): readonly Deployment[] {
    return this.#groups.get(group) ?? [];
  }

  hasGroup(name: string): boolean {
    return this.#groups.has(name);
  }

  /** The model group a client's model name stands for: the group of that name, else the group it is an alias of. */
  resolveGroup(name: string): string | undefined {
    if (this.#groups.has(name)) return name;
    return this.#aliases.get(name)?.group;
  }

  /** `model_group_alias` entries that name a served group and are not hidden, for /v1/models. */
  listedAliases(): readonly ModelGroupAlias[] {
    return [...this.#aliases.values()].filter((alias) => !alias.hidden);
  }

  /** Runs the request on its model group, then on the fallback groups, until one answers. */
  async route(request: RouteRequest): Promise<RouteResult> {
    const attempts = { count: 0 };
    let outcome = await this.#tryGroup(request.modelGroup, request, attempts);
    if (!('failure' in outcome)) return outcome;
    const tried = new Set([request.modelGroup]);
    for (const group of this.#fallbacks.after(request.modelGroup, outcome.failure, request.fallbacks)) {
      if (tried.has(group) || !this.#groups.has(group)) continue;
      tried.add(group);
      outcome = await this.#tryGroup(group, request, attempts);
      if (!('failure' in outcome)) return outcome;
    }
    throw clientErrorOf(outcome.error);
  }

  /** The group's deployments whose provider serves the operation, computed once per group and operation. */
  #serving(group: string, operation: Operation): readonly Deployment[] {
    const byGroup = (this.#servingByOperation[operation] ??= new Map());
    let serving = byGroup.get(group);
    if (serving === undefined) {
      serving = (this.#groups.get(group) ?? []).filter((deployment) =>
        this.#options.registry.get(deployment.provider)?.operations.has(operation),
      );
      byGroup.set(group, serving);
    }
    return serving;
  }

  async #tryGroup(
    group: string,
    request: RouteRequest,
    attempts: { count: number },
  ): Promise<RouteResult | GroupFailure> {
    const deployments = this.#serving(group, request.operation);
    if (deployments.length === 0) {
      const error = new GatewayError(
        'unsupported_operation',
        `model group "${group}" has no deployment that serves ${request.operation}`,
      );
      return { error, failure: 'unavailable' };
    }
    let failed: Set<string> | undefined;
    let full: Set<string> | undefined;
    let retries = 0;
    for (;;) {
      const open = full === undefined ? deployments : deployments.filter((each) => !full?.has(each.id));
      const deployment = this.#choose(open, failed, request.estimatedTokens);
      if (deployment instanceof GatewayError) return { error: deployment, failure: 'unavailable' };
      // Admitted in process (a claim) is a plain true: no await, no turn of the microtask queue.
      const admitted = request.admission?.admit(deployment) ?? true;
      if (admitted !== true && !(await admitted)) {
        // At its shared rpm/tpm limit: another deployment may have room.
        (full ??= new Set()).add(deployment.id);
        if (full.size < deployments.length) continue;
        return { error: allAtLimit(group), failure: 'unavailable' };
      }
      attempts.count++;
      try {
        const result = await this.#call(deployment, request);
        return { result, deployment, attempts: attempts.count };
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        (failed ??= new Set()).add(deployment.id);
        this.cooldowns.recordFailure(deployment.id, error.failure);
        if (retries >= this.#retries[error.failure]) return { error, failure: error.failure };
        retries++;
        const anotherReady = deployments.some(
          (other) => !failed?.has(other.id) && !this.cooldowns.isCoolingDown(other.id),
        );
        await this.#pause(
          backoffMs(this.#backoff, retries, error.retryAfterMs, anotherReady, this.#random),
          request.client,
        );
      }
    }
  }

  /** A healthy deployment not yet tried for this request if there is one; a cooled-down one only when alone. */
  #choose(
    deployments: readonly Deployment[],
    failed: ReadonlySet<string> | undefined,
    estimatedTokens: number,
  ): Deployment | GatewayError {
    // A lone deployment is tried whatever its state, so it needs no filtering (the common case).
    const candidates = deployments.length === 1 ? deployments : this.#candidates(deployments, failed);
    if (candidates.length === 0) {
      const seconds = Math.ceil(
        this.cooldowns.msUntilAvailable(deployments.map((deployment) => deployment.id)) / 1000,
      );
      return new GatewayError(
        'no_deployment_available',
        `every deployment of "${deployments[0]?.modelName ?? ''}" is cooling down after failures`,
        {
          headers: { 'retry-after': String(Math.max(1, seconds)) },
        },
      );
    }
    const picked = this.#strategy.pick(candidates, estimatedTokens);
    if (picked === undefined) {
      return new GatewayError(
        'rate_limited',
        `every deployment of "${deployments[0]?.modelName ?? ''}" is at its rpm/tpm limit`,
        {
          headers: { 'retry-after': '60' },
        },
      );
    }
    return picked;
  }

  #candidates(
    deployments: readonly Deployment[],
    failed: ReadonlySet<string> | undefined,
  ): readonly Deployment[] {
    const healthy = deployments.filter((deployment) => !this.cooldowns.isCoolingDown(deployment.id));
    const fresh = failed === undefined ? healthy : healthy.filter((deployment) => !failed.has(deployment.id));
    return fresh.length > 0 ? fresh : healthy;
  }

  /** One upstream call with its deadline. For a stream, the deadline covers the first chunk only. */
  async #call(deployment: Deployment, request: RouteRequest): Promise<ProviderResult> {
    const provider = this.#options.registry.get(deployment.provider);
    if (provider === undefined)
      throw new ProviderError('internal', `provider ${deployment.provider} is not available`);
    const timeouts = this.#timeoutsOf(deployment);
    const streaming = request.body.stream === true;
    // One controller per attempt, aborted by the client going away or by the deadline (cheaper than AbortSignal.any).
    const attempt = new AbortController();
    request.client.hold(attempt);
    const unlink = () => {
      request.client.release(attempt);
    };
    const timer = setTimeout(
      () => {
        attempt.abort(new ProviderError('timeout', 'deadline passed'));
      },
      streaming ? timeouts.firstChunkMs : timeouts.requestMs,
    );
    const { signal } = attempt;
    const started = performance.now();
    this.stats.started(deployment, request.estimatedTokens);
    let streamStarted = false;
    try {
      const result = await provider.call(request.operation, request.body, deployment, {
        http: this.#options.http,
        signal,
        requestId: request.requestId,
        dropParams: this.#config.litellmSettings.drop_params ?? false,
        idleTimeoutMs: timeouts.idleMs,
      });
      if (result.kind === 'json') {
        this.stats.recordLatency(deployment, performance.now() - started);
        const used = totalTokensOf(usageOf(result));
        if (used !== undefined) this.stats.settleTokens(deployment, request.estimatedTokens, used);
        return result;
      }
      const frames = await startStream(result.frames, signal, deployment);
      this.stats.recordLatency(deployment, performance.now() - started);
      streamStarted = true;
      return { kind: 'stream', frames: this.#untilEnd(frames, deployment, signal, unlink) };
    } catch (error) {
      if (error instanceof ProviderError || error instanceof ClientAbortError) throw error;
      throw networkFailure(error, signal, deployment.provider);
    } finally {
      clearTimeout(timer);
      if (!streamStarted) {
        unlink();
        this.stats.finished(deployment);
      }
    }
  }

  /** Passes a started stream on; a failure mid-stream (a stall past stream_idle_timeout, a reset) is classified. */
  async *#untilEnd(
    frames: AsyncIterable<Uint8Array | string>,
    deployment: Deployment,
    signal: AbortSignal,
    unlink: () => void,
  ): AsyncGenerator<Uint8Array | string> {
    try {
      yield* frames;
    } catch (error) {
      if (error instanceof ProviderError || error instanceof ClientAbortError) throw error;
      throw networkFailure(error, signal, deployment.provider);
    } finally {
      unlink();
      this.stats.finished(deployment);
    }
  }

  async #pause(ms: number, client: ClientLink): Promise<void> {
    if (ms <= 0) return;
    const pause = new AbortController();
    client.hold(pause);
    try {
      await sleep(ms, undefined, { signal: pause.signal });
    } catch {
      throw client.reason ?? new ClientAbortError();
    } finally {
      client.release(pause);
    }
  }
}

/** Waits for a stream's first chunk (the deadline still armed) and gives back the whole stream. */
async function startStream(
  frames: AsyncIterable<Uint8Array | string>,
  signal: AbortSignal,
  deployment: Deployment,
): Promise<AsyncIterable<Uint8Array | string>> {
  const iterator = frames[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array | string>;
  try {
    first = await iterator.next();
  } catch (error) {
    await iterator.return?.();
    if (error instanceof ProviderError) throw error;
    throw networkFailure(error, signal, deployment.provider);
  }
  return (async function* () {
    if (first.done === true) return;
    yield first.value;
    yield* { [Symbol.asyncIterator]: () => iterator };
  })();
}

/** `usage.total_tokens` of an OpenAI response, when it reports one. */
function totalTokensOf(usage: unknown): number | undefined {
  const total = (usage as { total_tokens?: unknown } | null | undefined)?.total_tokens;
  return typeof total === 'number' ? total : undefined;
}

function allAtLimit(group: string): GatewayError {
  return new GatewayError('rate_limited', `every deployment of "${group}" is at its rpm/tpm limit`, {
    headers: { 'retry-after': '1' },
  });
}

function clientErrorOf(error: GatewayError | ProviderError): GatewayError {
  return error instanceof GatewayError ? error : toClientError(error);
}

/**
 * `router_settings.model_group_alias`, keeping the aliases that name a served group. A group of the alias's own
 * name wins over the alias (the config check warns of both cases).
 */
function aliasesOf(
  aliases: readonly ModelGroupAlias[],
  groups: ReadonlyMap<string, readonly Deployment[]>,
): ReadonlyMap<string, ModelGroupAlias> {
  return new Map(
    aliases
      .filter(({ alias, group }) => groups.has(group) && !groups.has(alias))
      .map((entry) => [entry.alias, entry]),
  );
}

function groupByModelName(deployments: readonly Deployment[]): ReadonlyMap<string, readonly Deployment[]> {
  const groups = new Map<string, Deployment[]>();
  for (const deployment of deployments) {
    const group = groups.get(deployment.modelName) ?? [];
    group.push(deployment);
    groups.set(deployment.modelName, group);
  }
  return groups;
}

import { Counter, Gauge, Registry } from 'prom-client';
import type { Router } from '../router/router.ts';
import { gatewayVersion } from '../version.ts';
import { ComponentMetrics } from './component-metrics.ts';
import { CellCounter } from './counter-cells.ts';
import { CellHistogram, type HistogramCell } from './histogram-cells.ts';
import type { Dependencies, DependencyName } from './dependencies.ts';
import { KeyAliasLabel } from './key-alias-label.ts';
import type { Lifecycle } from './lifecycle.ts';
import { RuntimeMetrics } from './runtime-metrics.ts';

export const metricPrefix = 'switchyard_';

const requestLabels = ['model_group', 'deployment', 'status_class', 'key_alias'] as const;
const groupLabels = ['model_group'] as const;
const tokenLabels = ['model_group', 'key_alias'] as const;
const fallbackLabels = ['model_group', 'fallback_group'] as const;
const deploymentLabels = ['model_group', 'deployment'] as const;
const shedLabels = ['reason'] as const;
const reloadLabels = ['result'] as const;
const versionLabels = ['version'] as const;
const dependencyLabels = ['dependency'] as const;

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const overheadBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const firstTokenBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120];
const statusClasses = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];
const dependencyNames: readonly DependencyName[] = ['db', 'redis', 'cache'];

/** What the gauges read at scrape time, never on the request path. */
export interface GatewayState {
  readonly lifecycle: Lifecycle;
  readonly dependencies: Dependencies;
  readonly router: () => Router;
  readonly ready: () => boolean;
  readonly configVersion: () => string;
}

/** What one finished API request tells the metrics; `routed` is null when no deployment answered. */
export interface RoutedSample {
  readonly deployment: string;
  readonly attempts: number;
  /** The group that answered: differs from the requested one after a fallback. */
  readonly group?: string | undefined;
  readonly upstreamMs?: number | undefined;
  readonly firstChunkMs?: number | undefined;
  readonly promptTokens?: number | undefined;
  readonly completionTokens?: number | undefined;
  /** USD, set by spend tracking. */
  readonly cost?: number | undefined;
}

interface GroupChildren {
  readonly duration: HistogramCell<'model_group'>;
  readonly overhead: HistogramCell<'model_group'>;
  readonly firstToken: HistogramCell<'model_group'>;
  readonly retries: Counter.Internal;
}

/**
 * One prom-client Registry per gateway (tests build many in one process), prefix `switchyard_`. Request
 * counters and histograms add to cells kept per label set (CellCounter, CellHistogram); gauges about state
 * are computed at scrape time.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly keyAliases: KeyAliasLabel;
  /** Hooks for the database, spend, Redis and cache components. */
  readonly components: ComponentMetrics;
  readonly #requests: CellCounter<(typeof requestLabels)[number]>;
  readonly #duration: CellHistogram<'model_group'>;
  readonly #overhead: CellHistogram<'model_group'>;
  readonly #firstToken: CellHistogram<'model_group'>;
  readonly #inputTokens: CellCounter<(typeof tokenLabels)[number]>;
  readonly #outputTokens: CellCounter<(typeof tokenLabels)[number]>;
  readonly #retries: Counter<'model_group'>;
  readonly #fallbacks: Counter<(typeof fallbackLabels)[number]>;
  readonly #shed: Counter<'reason'>;
  readonly #reloads: Counter<'result'>;
  readonly #lastReloadOk: Gauge;
  readonly #runtime: RuntimeMetrics;
  readonly #groupChildren = new Map<string, GroupChildren>();

  constructor(state: GatewayState, options: { keyAliasLabel: boolean; maxKeyAliases: number }) {
    const registers = [this.registry];
    this.keyAliases = new KeyAliasLabel({ enabled: options.keyAliasLabel, max: options.maxKeyAliases });
    this.components = new ComponentMetrics(this.registry, metricPrefix, this.keyAliases);
    this.#runtime = new RuntimeMetrics(this.registry, metricPrefix);
    const name = (suffix: string) => metricPrefix + suffix;

    this.#requests = new CellCounter({
      name: name('requests_total'),
      help: 'API requests answered, by model group, deployment, status class and key alias',
      labelNames: requestLabels,
      registers,
    });
    this.#duration = new CellHistogram({
      name: name('request_duration_seconds'),
      help: 'Time from request arrival to the last byte of the answer (streams included)',
      labelNames: groupLabels,
      buckets: latencyBuckets,
      registers,
    });
    this.#overhead = new CellHistogram({
      name: name('gateway_overhead_seconds'),
      help: 'Time of a request not spent waiting on the upstream (before the call and after the answer)',
      labelNames: groupLabels,
      buckets: overheadBuckets,
      registers,
    });
    this.#firstToken = new CellHistogram({
      name: name('time_to_first_token_seconds'),
      help: 'Time from request arrival to the first streamed chunk from the upstream',
      labelNames: groupLabels,
      buckets: firstTokenBuckets,
      registers,
    });
    this.#inputTokens = new CellCounter({
      name: name('input_tokens_total'),
      help: 'Prompt tokens the upstream reported',
      labelNames: tokenLabels,
      registers,
    });
    this.#outputTokens = new CellCounter({
      name: name('output_tokens_total'),
      help: 'Completion tokens the upstream reported',
      labelNames: tokenLabels,
      registers,
    });
    this.#retries = new Counter({
      name: name('retries_total'),
      help: 'Upstream calls beyond the first for requests that were answered (retries and fallbacks)',
      labelNames: groupLabels,
      registers,
    });
    this.#fallbacks = new Counter({
      name: name('fallbacks_total'),
      help: 'Requests answered by a fallback model group',
      labelNames: fallbackLabels,
      registers,
    });
    this.#shed = new Counter({
      name: name('requests_shed_total'),
      help: 'Requests refused at once: in-flight cap reached, or no valid config loaded',
      labelNames: shedLabels,
      registers,
    });
    this.#reloads = new Counter({
      name: name('config_reloads_total'),
      help: 'Config file changes seen, by whether the new file was applied or rejected',
      labelNames: reloadLabels,
      registers,
    });
    this.#lastReloadOk = new Gauge({
      name: name('config_last_reload_successful'),
      help: '1 when the last config file seen was applied, 0 when it was rejected and the old one kept',
      registers,
    });
    this.#lastReloadOk.set(1);
    new Gauge({
      name: name('config_info'),
      help: 'The config version (hash of the file) this pod serves',
      labelNames: versionLabels,
      registers,
      collect() {
        this.reset();
        this.set({ version: state.configVersion() }, 1);
      },
    });
    new Gauge({
      name: name('build_info'),
      help: 'The gateway version',
      labelNames: versionLabels,
      registers,
    }).set({ version: gatewayVersion }, 1);
    new Gauge({
      name: name('requests_in_flight'),
      help: 'API requests being answered now (streams included)',
      registers,
      collect() {
        this.set(state.lifecycle.inFlight);
      },
    });
    new Gauge({
      name: name('ready'),
      help: '1 when readiness answers 200',
      registers,
      collect() {
        this.set(state.ready() ? 1 : 0);
      },
    });
    new Gauge({
      name: name('draining'),
      help: '1 after SIGTERM or the restart-after-N rule, until exit',
      registers,
      collect() {
        this.set(state.lifecycle.phase === 'draining' ? 1 : 0);
      },
    });
    new Gauge({
      name: name('dependency_up'),
      help: '1 when a configured shared dependency (db, redis, cache) answers, 0 when it is down',
      labelNames: dependencyLabels,
      registers,
      collect() {
        this.reset();
        for (const dependency of dependencyNames) {
          const { status } = state.dependencies.report(dependency);
          if (status !== 'not_configured') this.set({ dependency }, status === 'up' ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: name('deployment_state'),
      help: 'Per deployment: 0 healthy, 1 cooling down after failures (LiteLLM: litellm_deployment_state)',
      labelNames: deploymentLabels,
      registers,
      collect() {
        this.reset();
        const router = state.router();
        for (const group of router.modelGroups()) {
          for (const deployment of router.deploymentsOf(group)) {
            const cooling = router.cooldowns.isCoolingDown(deployment.id);
            this.set({ model_group: group, deployment: deployment.id }, cooling ? 1 : 0);
          }
        }
      },
    });
    new Gauge({
      name: name('deployment_requests_in_flight'),
      help: 'Upstream calls in flight per deployment',
      labelNames: deploymentLabels,
      registers,
      collect() {
        this.reset();
        const router = state.router();
        for (const group of router.modelGroups()) {
          for (const deployment of router.deploymentsOf(group)) {
            this.set({ model_group: group, deployment: deployment.id }, router.stats.inFlight(deployment));
          }
        }
      },
    });
  }

  /** Called once per finished API request. */
  recordRequest(
    status: number,
    elapsedMs: number,
    modelGroup: string,
    routed: RoutedSample | null,
    keyAlias: string,
  ): void {
    const alias = this.keyAliases.of(keyAlias);
    const deployment = routed?.deployment ?? '';
    const statusClass = statusClasses[Math.floor(status / 100)] ?? '5xx';
    this.#requests.cell([modelGroup, deployment, statusClass, alias]).inc();
    if (modelGroup === '') return;
    const group = this.#group(modelGroup);
    const seconds = elapsedMs / 1000;
    group.duration.observe(seconds);
    if (routed === null) return;
    const upstreamMs = routed.upstreamMs ?? 0;
    if (routed.firstChunkMs === undefined) {
      group.overhead.observe(Math.max(0, elapsedMs - upstreamMs) / 1000);
    } else {
      // A stream's tail is paced by the upstream: the overhead is what came before the upstream call.
      group.overhead.observe(Math.max(0, routed.firstChunkMs - upstreamMs) / 1000);
      group.firstToken.observe(routed.firstChunkMs / 1000);
    }
    if (routed.attempts > 1) group.retries.inc(routed.attempts - 1);
    if (routed.group !== undefined && routed.group !== modelGroup) {
      this.#fallbacks.labels(modelGroup, routed.group).inc();
    }
    if (routed.cost !== undefined) this.components.spendRecorded(modelGroup, keyAlias, routed.cost);
    if (routed.promptTokens !== undefined || routed.completionTokens !== undefined) {
      if (routed.promptTokens !== undefined)
        this.#inputTokens.cell([modelGroup, alias]).inc(routed.promptTokens);
      if (routed.completionTokens !== undefined)
        this.#outputTokens.cell([modelGroup, alias]).inc(routed.completionTokens);
    }
  }

  recordShed(reason: 'in_flight_cap' | 'no_config'): void {
    this.#shed.labels(reason).inc();
  }

  recordReload(applied: boolean): void {
    this.#reloads.labels(applied ? 'applied' : 'rejected').inc();
    this.#lastReloadOk.set(applied ? 1 : 0);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  close(): void {
    this.#runtime.close();
  }

  #group(modelGroup: string): GroupChildren {
    let children = this.#groupChildren.get(modelGroup);
    if (children === undefined) {
      children = {
        duration: this.#duration.cell([modelGroup]),
        overhead: this.#overhead.cell([modelGroup]),
        firstToken: this.#firstToken.cell([modelGroup]),
        retries: this.#retries.labels(modelGroup),
      };
      this.#groupChildren.set(modelGroup, children);
    }
    return children;
  }
}

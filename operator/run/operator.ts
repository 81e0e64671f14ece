import type { KubeConnection } from '../kube/kube-connection.ts';
import type { Logger } from 'pino';
import type { ControllerContext } from '../controllers/context.ts';
import { gatewayKey } from '../controllers/event-mapping.ts';
import type { KubeJson } from '../controllers/kube-json.ts';
import { describeKubeError, isNotFound } from '../kube/api-error.ts';
import { Applier } from '../kube/apply.ts';
import { sleep, systemClock } from '../kube/clock.ts';
import { EventRecorder, kubeEventSink } from '../kube/events.ts';
import { getJson } from '../kube/kube-request.ts';
import { parseKey } from '../kube/object-key.ts';
import { objectPath } from '../kube/resource-type.ts';
import { WorkQueue } from '../kube/work-queue.ts';
import type { ClusterCapabilities } from '../render/capabilities.ts';
import { discoverCapabilities, sameCapabilities } from './capabilities.ts';
import { countingEventSink } from './counting.ts';
import { dispatch } from './dispatch.ts';
import { startHealthServer, startMetricsServer } from './health-server.ts';
import type { HttpEndpoint } from './health-server.ts';
import { createInformers } from './informers.ts';
import { startLeadership } from './leadership.ts';
import { OperatorMetrics } from './metrics.ts';
import type { RunOptions } from './options.ts';
import { routeEvents } from './routing.ts';

/**
 * Reconciles in flight at once. A reconcile spends most of its time waiting on the apiserver (a key's is
 * three requests one after another), so the queue's throughput is this many over a request's latency.
 */
const reconcileConcurrency = 16;

/** Capabilities change rarely (a ServiceMonitor CRD installed later): looked at again this often. */
const capabilitiesRefreshMs = 5 * 60_000;

export interface Operator {
  /** Resolves with the exit code: 0 after stop(), 1 when leadership was lost or start-up failed. */
  readonly done: Promise<number>;
  stop(): Promise<void>;
}

/**
 * The running operator: informers fill caches (on every replica, so a standby takes over warm), events
 * go to one work queue, and only the leader's queue runs. Stopping is staged: not ready, no new keys,
 * in-flight reconciles finish, the Lease is released, then caches and servers close.
 */
export async function startOperator(
  options: RunOptions,
  kubeConfig: KubeConnection,
  log: Logger,
): Promise<Operator> {
  const metrics = new OperatorMetrics();
  const applier = new Applier(kubeConfig, {
    onWrite: (write) => {
      metrics.apiWrites.inc({ kind: write.kind, verb: write.verb, subresource: write.subresource ?? '' });
      log.debug({ write }, 'api write');
    },
  });
  const recorder = new EventRecorder({
    sink: countingEventSink(kubeEventSink(kubeConfig), (verb) => {
      metrics.apiWrites.inc({ kind: 'Event', verb, subresource: '' });
    }),
    reportingInstance: options.identity,
    onError: (error) => {
      log.warn({ err: describeKubeError(error) }, 'event not recorded');
    },
  });
  const informers = createInformers({
    kubeConfig,
    namespaces: options.namespaces,
    onRestart: (resource) => {
      metrics.watchRestarts.inc({ resource: resource.plural });
    },
    onError: (resource, error, restartInMs) => {
      log.warn(
        { resource: resource.plural, err: describeKubeError(error), restartInMs },
        'watch stopped; restarting',
      );
    },
  });

  let capabilities: ClusterCapabilities = await discoverWithRetry(kubeConfig, log);
  log.info({ capabilities }, 'cluster capabilities');
  const stopping = new AbortController();
  let ready = false;
  let live = true;

  const queue = new WorkQueue<string>({
    process: (key) => dispatch(ctx, key),
    concurrency: reconcileConcurrency,
    observer: {
      onDepth: (depth) => {
        metrics.queueDepth.set(depth);
      },
      onProcessed: (key, durationMs, error) => {
        const kind = parseKey(key).kind ?? '';
        metrics.reconciles.inc({ kind, result: error === undefined ? 'success' : 'error' });
        metrics.reconcileDuration.observe({ kind }, durationMs / 1000);
      },
      onRetry: (key, failures, delayMs, error) => {
        metrics.reconcileErrors.inc({ kind: parseKey(key).kind ?? '' });
        log.warn({ key, failures, retryInMs: delayMs, err: describeKubeError(error) }, 'reconcile failed');
      },
    },
  });
  const ctx: ControllerContext = {
    caches: informers.caches,
    applier,
    recordEvent: (event) => {
      recorder.record(event);
    },
    capabilities: () => capabilities,
    defaultImage: options.gatewayImage,
    now: () => Date.now(),
    enqueue: (key) => {
      queue.add(key);
    },
    readLive: async (resource, name, namespace) => {
      try {
        return await getJson<KubeJson>(kubeConfig, objectPath(resource, name, namespace));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    log,
  };
  routeEvents(informers, (key, urgent) => {
    queue.add(key, urgent);
  });

  const servers: HttpEndpoint[] = [
    await startHealthServer(options.healthPort, { live: () => live, ready: () => ready }),
    await startMetricsServer(
      options.metricsPort,
      async () => {
        for (const informer of informers.all)
          metrics.watchConnects.set({ resource: informer.resource.plural }, informer.connects);
        return metrics.registry.metrics();
      },
      metrics.registry.contentType,
    ),
  ];

  await Promise.all(informers.all.map((informer) => informer.start()));
  const synced = Promise.all(informers.all.map((informer) => informer.synced)).then(() => {
    ready = true;
    log.info('caches synced');
  });
  void refreshCapabilities();

  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  const leadership = startLeadership({
    elect: options.leaderElect,
    kubeConfig,
    leaseNamespace: options.leaseNamespace,
    identity: options.identity,
    metrics,
    log,
    onLead: () => {
      void synced.then(() => {
        if (!stopping.signal.aborted) queue.start();
      });
    },
    onStop: () => queue.shutdown({ abortInFlight: options.leaderElect }),
  });
  void leadership.lost.then(async () => {
    // Another replica may be reconciling already: stop everything and let the pod restart.
    log.error('leadership lost; exiting');
    live = false;
    await shutdown();
    resolveDone(1);
  });

  async function shutdown(): Promise<void> {
    if (stopping.signal.aborted) return;
    stopping.abort();
    ready = false;
    await leadership.stop();
    await recorder.flush();
    await Promise.all(informers.all.map((informer) => informer.stop()));
    await Promise.all(servers.map((server) => server.close()));
  }

  async function refreshCapabilities(): Promise<void> {
    // A call, not a property read, so that TypeScript does not narrow it across the await.
    const stopped = (): boolean => stopping.signal.aborted;
    while (!stopped()) {
      await sleep(systemClock, capabilitiesRefreshMs, stopping.signal);
      if (stopped()) return;
      try {
        const next = await discoverCapabilities(kubeConfig);
        if (sameCapabilities(next, capabilities)) continue;
        log.info({ capabilities: next }, 'cluster capabilities changed');
        capabilities = next;
        for (const gateway of informers.caches.gateways.list())
          queue.add(gatewayKey(gateway.metadata?.namespace ?? '', gateway.metadata?.name ?? ''));
      } catch (error) {
        log.warn({ err: describeKubeError(error) }, 'capability discovery failed');
      }
    }
  }

  return {
    done,
    async stop() {
      await shutdown();
      resolveDone(0);
    },
  };
}

/** The apiserver may not answer yet when the pod starts: try until it does. */
async function discoverWithRetry(kubeConfig: KubeConnection, log: Logger): Promise<ClusterCapabilities> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await discoverCapabilities(kubeConfig);
    } catch (error) {
      const delayMs = Math.min(1_000 * 2 ** (attempt - 1), 15_000);
      log.warn({ err: describeKubeError(error), retryInMs: delayMs }, 'cannot reach the apiserver yet');
      await sleep(systemClock, delayMs);
    }
  }
}

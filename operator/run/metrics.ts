import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const kindLabels = ['kind'] as const;
const resultLabels = ['kind', 'result'] as const;
const writeLabels = ['kind', 'verb', 'subresource'] as const;
const resourceLabels = ['resource'] as const;

/** The operator's metrics, in a Registry of its own (nothing global, nothing shared with a library). */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: 'switchyard_operator_reconciles_total',
    help: 'Reconciles by kind and result (success, error).',
    labelNames: resultLabels,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'switchyard_operator_reconcile_errors_total',
    help: 'Reconciles that failed and were retried with backoff.',
    labelNames: kindLabels,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'switchyard_operator_reconcile_duration_seconds',
    help: 'Time of one reconcile.',
    labelNames: kindLabels,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'switchyard_operator_queue_depth',
    help: 'Keys waiting in the work queue.',
    registers: [this.registry],
  });
  readonly watchRestarts = new Counter({
    name: 'switchyard_operator_watch_restarts_total',
    help: 'Informers restarted after their watch stopped on an error.',
    labelNames: resourceLabels,
    registers: [this.registry],
  });
  readonly watchConnects = new Gauge({
    name: 'switchyard_operator_watch_connects',
    help: 'Watch (re)connections made so far, per resource (grows only when a watch is re-established).',
    labelNames: resourceLabels,
    registers: [this.registry],
  });
  readonly apiWrites = new Counter({
    name: 'switchyard_operator_api_writes_total',
    help: 'Writes sent to the apiserver by the controllers (applies, status applies, deletes, events).',
    labelNames: writeLabels,
    registers: [this.registry],
  });
  readonly leaseWrites = new Counter({
    name: 'switchyard_operator_lease_writes_total',
    help: 'Writes of the leader-election Lease (acquire, renew, release): the only writes of an idle leader.',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'switchyard_operator_leader',
    help: '1 while this replica leads (always 1 without leader election).',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_operator_' });
  }
}

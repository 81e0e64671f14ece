// Counters read at the edges of each window (convergence, idle): the apiserver's, per FlowSchema of the
// operator's identity and for all clients, and the operator's own.
import { sumSamples } from '../operator/operator-process.ts';
import { controllerCounts } from './controller-flows.ts';
import type { OperatorProcess } from '../operator/operator-process.ts';
import type { KubeHttp } from './kube-http.ts';
import { grouped, total } from './metrics-text.ts';
import { flowCounts } from './operator-identity.ts';
import type { OperatorIdentity } from './operator-identity.ts';
import { procStats } from './proc-stats.ts';
import type { ProcStats } from './proc-stats.ts';

const writeVerbs = new Set([
  'POST',
  'CREATE',
  'PUT',
  'UPDATE',
  'PATCH',
  'APPLY',
  'DELETE',
  'DELETECOLLECTION',
]);

export interface ApiserverSnapshot {
  /** The operator's requests by "verb group/resource" ("read *" for everything that is not a write). */
  readonly flows: Map<string, number>;
  /** Writes of every client. */
  readonly allWrites: number;
  /** Time spent in requests by "verb resource subresource", every client, watches left out. */
  readonly requestSeconds: Map<string, number>;
  /** Requests of the controllers that pace a rollout, by ServiceAccount (controller-flows.ts). */
  readonly controllers: Map<string, number>;
}

export interface OperatorSnapshot {
  /** switchyard_operator_api_writes_total by "kind verb subresource". */
  readonly writes: Map<string, number>;
  readonly reconciles: Map<string, number>;
  readonly proc: ProcStats;
}

export async function apiserverSnapshot(
  admin: KubeHttp,
  identity: OperatorIdentity,
): Promise<ApiserverSnapshot> {
  const text = await admin.text('/metrics');
  const flows = new Map<string, number>();
  for (const [name, count] of flowCounts(text, identity.flows)) {
    const flow = identity.flows.get(name);
    if (flow === undefined) continue;
    const key = `${flow.verb} ${flow.resource}`;
    flows.set(key, (flows.get(key) ?? 0) + count);
  }
  return {
    flows,
    controllers: controllerCounts(text),
    allWrites: total(
      grouped(text, 'apiserver_request_total', ['verb'], (labels) =>
        writeVerbs.has(labels.get('verb') ?? ''),
      ),
    ),
    requestSeconds: grouped(
      text,
      'apiserver_request_duration_seconds_sum',
      ['verb', 'resource', 'subresource'],
      (labels) => labels.get('verb') !== 'WATCH',
    ),
  };
}

export async function operatorSnapshot(operator: OperatorProcess): Promise<OperatorSnapshot> {
  const text = await operator.metrics();
  return {
    writes: grouped(text, 'switchyard_operator_api_writes_total', ['kind', 'verb', 'subresource']),
    reconciles: grouped(text, 'switchyard_operator_reconciles_total', ['kind']),
    proc: procStats(operator.pid),
  };
}

/** A process not started yet: its counters start at zero. */
export const unstartedOperator: OperatorSnapshot = {
  writes: new Map(),
  reconciles: new Map(),
  proc: { rssMb: 0, hwmMb: 0, cpuSeconds: 0 },
};

/** Drops the operator's reads (the catch-all FlowSchema). */
export function writesOnly(flows: ReadonlyMap<string, number>): Map<string, number> {
  return new Map([...flows].filter(([key]) => !key.startsWith('read ')));
}

/** When the operator's queue is empty and it made no write for `quietMs` (its own counters, cheap to read). */
export async function waitForQuiet(
  operator: OperatorProcess,
  quietMs: number,
  deadline: number,
): Promise<number> {
  let lastWrites = -1;
  let lastChange = Date.now();
  for (;;) {
    const text = await operator.metrics();
    const writes = sumSamples(text, 'switchyard_operator_api_writes_total', {});
    const depth = sumSamples(text, 'switchyard_operator_queue_depth', {});
    if (writes !== lastWrites || depth > 0) {
      lastWrites = writes;
      lastChange = Date.now();
    } else if (Date.now() - lastChange >= quietMs) {
      return lastChange;
    }
    if (Date.now() > deadline) throw new Error('the operator never went quiet');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

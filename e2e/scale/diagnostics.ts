// What the bench can tell about where time and memory go, beyond its result table: the operator's heap and
// mappings, its events, a kube-apiserver CPU profile, the logs.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sumSamples } from '../operator/operator-process.ts';
import type { OperatorProcess } from '../operator/operator-process.ts';
import type { KubeHttp } from './kube-http.ts';
import { procStats, rssByMapping } from './proc-stats.ts';

/** The operator's V8 heap, from its own default metrics. */
export async function heapLine(operator: OperatorProcess): Promise<string> {
  const text = await operator.metrics();
  const mb = (name: string) =>
    (sumSamples(text, `switchyard_operator_nodejs_${name}`, {}) / 2 ** 20).toFixed(0);
  return `heap ${mb('heap_size_used_bytes')}/${mb('heap_size_total_bytes')} MB used/committed, external ${mb('external_memory_bytes')} MB`;
}

/** Resident MB by mapping: the node binary's pages, anonymous memory (V8's heap, malloc arenas), brk. */
export function mappingLine(pid: number): string {
  return [...rssByMapping(pid)]
    .filter(([, mb]) => mb >= 1)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, mb]) => `${kind} ${mb.toFixed(0)}`)
    .join(', ');
}

/**
 * Signals the operator (started with --heapsnapshot-signal=SIGUSR2) to write a heap snapshot, which
 * collects garbage first, and waits until its event loop answers again. Resolves to a line on the heap after.
 */
export async function heapSnapshot(operator: OperatorProcess, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  process.kill(operator.pid, 'SIGUSR2');
  const deadline = Date.now() + 300_000;
  for (;;) {
    const written = readdirSync(dir).some((name) => !before.has(name) && name.endsWith('.heapsnapshot'));
    if (
      written &&
      (await operator.metrics().then(
        () => true,
        () => false,
      ))
    )
      break;
    if (Date.now() > deadline) throw new Error('no heap snapshot after 300 s');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return `heap snapshot in ${dir}; after its full GC: RSS ${procStats(operator.pid).rssMb.toFixed(0)} MB, ${await heapLine(operator)}`;
}

/** The operator's Event objects, by "regarding-kind reason" (a repeat folds into a series, not a new object). */
export async function operatorEventsByReason(admin: KubeHttp): Promise<Map<string, number>> {
  const list = await admin.get<{
    items: { reason?: string; reportingController?: string; regarding?: { kind?: string } }[];
  }>('/apis/events.k8s.io/v1/events?resourceVersion=0');
  const counts = new Map<string, number>();
  for (const event of list.items) {
    if (event.reportingController !== 'switchyard.dev/operator') continue;
    const key = `${event.regarding?.kind ?? '?'} ${event.reason ?? '?'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** A kube-apiserver CPU profile over the next `seconds` (pprof format), written to `file`. */
export async function apiserverProfile(admin: KubeHttp, seconds: number, file: string): Promise<void> {
  writeFileSync(file, await admin.bytes(`/debug/pprof/profile?seconds=${seconds}`));
}

/** Copies the operator's and the control plane's logs out of the temp dir that stop() removes. */
export function keepLogs(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from).filter((file) => file.endsWith('.log')))
    copyFileSync(join(from, name), join(to, name));
}

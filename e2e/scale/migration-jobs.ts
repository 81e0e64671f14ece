// Plays the kubelet for migration Jobs: pods never run under kwok, so each Job the operator makes must be
// ended by the test, once kwok reports its pod Running. `kubectl` mode uses the control plane's own helper
// (completeJobPods: kubectl get until the pods run, then a kubectl patch per pod); at 200 Jobs its forks
// cost ~30 s of CPU on a 2-core box, which the operator then waits for. `http` mode (the default) sends the
// same status patch (a kubelet's report of exited containers, as control-plane.ts writes it) over the
// bench's keep-alive connection.
import type { ControlPlane } from '../cluster/control-plane.ts';
import type { FleetWatch, PodJson } from './fleet-watch.ts';
import type { KubeHttp } from './kube-http.ts';

export type JobCompleterMode = 'http' | 'kubectl';

export class MigrationJobCompleter {
  private readonly handled = new Set<string>();
  private readonly waiting: { namespace: string; job: string; pod: PodJson }[] = [];
  private readonly cp: ControlPlane;
  private readonly kube: KubeHttp;
  private readonly mode: JobCompleterMode;
  private readonly concurrency: number;
  private running = 0;
  private failure: Error | undefined;
  /** Jobs whose pod ran (and so was handed to this completer). */
  found = 0;
  completed = 0;
  /** ms since the epoch of the first Job pod seen, and of the last completion. */
  firstSeenAt: number | undefined;
  lastCompletedAt: number | undefined;

  constructor(cp: ControlPlane, kube: KubeHttp, mode: JobCompleterMode, concurrency: number) {
    this.cp = cp;
    this.kube = kube;
    this.mode = mode;
    this.concurrency = mode === 'http' ? Math.max(concurrency, 16) : concurrency;
  }

  /** Ends the migration pods the watch reports Running, from now on. */
  attach(watch: FleetWatch): void {
    watch.pods.addHandler((type, pod) => {
      if (type === 'delete') return;
      const labels = pod.metadata?.labels ?? {};
      const job = labels['batch.kubernetes.io/job-name'];
      const namespace = pod.metadata?.namespace;
      if (
        labels['app.kubernetes.io/component'] !== 'migration' ||
        job === undefined ||
        namespace === undefined
      )
        return;
      this.firstSeenAt ??= Date.now();
      const key = `${namespace}/${job}`;
      if (
        pod.status?.phase !== 'Running' ||
        pod.metadata?.deletionTimestamp !== undefined ||
        this.handled.has(key)
      )
        return;
      this.handled.add(key);
      this.found += 1;
      this.waiting.push({ namespace, job, pod });
      this.pump();
    });
  }

  /** Throws the first completion failure. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift();
      if (next === undefined) return;
      this.running += 1;
      this.complete(next)
        .then(() => {
          this.completed += 1;
          this.lastCompletedAt = Date.now();
        })
        .catch((error: unknown) => {
          this.failure ??= error instanceof Error ? error : new Error(String(error));
        })
        .finally(() => {
          this.running -= 1;
          this.pump();
        });
    }
  }

  private async complete({
    namespace,
    job,
    pod,
  }: {
    namespace: string;
    job: string;
    pod: PodJson;
  }): Promise<void> {
    if (this.mode === 'kubectl') {
      await this.cp.completeJobPods(namespace, job, 'Succeeded');
      return;
    }
    await this.kube.request(
      'PATCH',
      `/api/v1/namespaces/${namespace}/pods/${pod.metadata?.name ?? ''}/status`,
      succeededStatus(pod.spec?.containers ?? []),
      'application/strategic-merge-patch+json',
    );
  }
}

/** What control-plane.ts's completeJobPods patches for 'Succeeded': a kubelet's report of exited containers. */
function succeededStatus(containers: readonly { name: string; image: string }[]): object {
  const now = new Date().toISOString();
  const notReady = { status: 'False', reason: 'PodCompleted', lastTransitionTime: now };
  return {
    status: {
      phase: 'Succeeded',
      conditions: [
        { type: 'Ready', ...notReady },
        { type: 'ContainersReady', ...notReady },
      ],
      containerStatuses: containers.map(({ name, image }) => ({
        name,
        image,
        ready: false,
        started: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
      })),
    },
  };
}

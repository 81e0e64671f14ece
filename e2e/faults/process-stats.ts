import { readdirSync, readFileSync } from 'node:fs';

/** Resident memory of a process, in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  const kb = Number(/(\d+)/.exec(line ?? '')?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for process ${pid}`);
  return kb * 1024;
}

/** Open file descriptors of a process (sockets, files, pipes): the entries of /proc/<pid>/fd. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export interface Sample {
  /** Seconds since sampling started. */
  readonly at: number;
  readonly rss: number;
  readonly fds: number;
}

/** Samples RSS and open fds every `everyMs` until stopped. */
export function sampleProcess(pid: number, everyMs = 1000): { stop(): Sample[] } {
  const startedAt = performance.now();
  const samples: Sample[] = [];
  const take = () => {
    samples.push({ at: (performance.now() - startedAt) / 1000, rss: rssBytes(pid), fds: openFds(pid) });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

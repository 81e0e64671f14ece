import { readFileSync } from 'node:fs';

export interface ProcStats {
  /** Resident set now, MB. */
  readonly rssMb: number;
  /** Peak resident set so far (VmHWM), MB. */
  readonly hwmMb: number;
  /** User + system CPU time so far, seconds. */
  readonly cpuSeconds: number;
}

const ticksPerSecond = 100;

/** From /proc/<pid>/status and /proc/<pid>/stat. */
export function procStats(pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024, cpuSeconds: ticks / ticksPerSecond };
}

/** CPU seconds of this process's children that exited so far (the bench's kubectl runs). */
export function reapedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
}

/** Resident MB by kind of mapping (/proc/<pid>/smaps): where RSS beyond the JS heap sits. */
export function rssByMapping(pid: number): Map<string, number> {
  const sums = new Map<string, number>();
  let kind = 'anonymous';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      const path = header[1] ?? '';
      kind = path === '' ? 'anonymous' : path.startsWith('[') ? path : (path.split('/').at(-1) ?? path);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) sums.set(kind, (sums.get(kind) ?? 0) + Number(rss[1]) / 1024);
    // Freed with MADV_FREE (V8 does so): still counted in RSS until the kernel needs the pages.
    const lazyFree = /^LazyFree:\s+(\d+) kB/.exec(line);
    if (lazyFree)
      sums.set(
        'of which lazily freed',
        (sums.get('of which lazily freed') ?? 0) + Number(lazyFree[1]) / 1024,
      );
  }
  return sums;
}

import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/**
 * Event-loop lag and process memory, written here rather than with prom-client's default metrics: those
 * include gauges named `_total`, which `promtool check metrics` rejects, and many series nobody alerts on.
 */
export class RuntimeMetrics {
  readonly #delay: ELDHistogram;

  constructor(registry: Registry, prefix: string) {
    const registers = [registry];
    const resolutionMs = 20;
    const delay = monitorEventLoopDelay({ resolution: resolutionMs });
    // Samples are timer intervals: the lag is what exceeds the sampling interval.
    const lagSeconds = (nanoseconds: number) => Math.max(0, nanoseconds / 1e9 - resolutionMs / 1000);
    delay.enable();
    this.#delay = delay;
    new Gauge({
      name: `${prefix}event_loop_lag_seconds`,
      help: 'Event-loop delay since the previous scrape: 99th percentile',
      registers,
      collect() {
        this.set(delay.count === 0 ? 0 : lagSeconds(delay.percentile(99)));
      },
    });
    new Gauge({
      name: `${prefix}event_loop_lag_max_seconds`,
      help: 'Event-loop delay since the previous scrape: maximum',
      registers,
      collect() {
        this.set(delay.count === 0 ? 0 : lagSeconds(delay.max));
        // Reset here, the last of the two event-loop collectors in registration order.
        delay.reset();
      },
    });
    new Gauge({
      name: `${prefix}process_resident_memory_bytes`,
      help: 'Resident set size of the gateway process',
      registers,
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
    new Gauge({
      name: `${prefix}process_heap_used_bytes`,
      help: 'V8 heap in use',
      registers,
      collect() {
        this.set(process.memoryUsage().heapUsed);
      },
    });
  }

  close(): void {
    this.#delay.disable();
  }
}

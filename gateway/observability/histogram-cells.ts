import type { LabelValues, Registry } from 'prom-client';
import { CellsByLabels } from './cells-by-labels.ts';

/** The buckets, sum and count of one label set of a CellHistogram. */
export class HistogramCell<T extends string> {
  readonly labels: LabelValues<T>;
  /** Observations per bucket (not cumulative); the last counts those above the highest bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];

  constructor(labels: LabelValues<T>, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** A value that is not a finite number is ignored (prom-client throws, which no request should pay for). */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    let index = 0;
    for (const bound of this.#bounds) {
      if (value <= bound) break;
      index++;
    }
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

export interface CellHistogramConfiguration<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly T[];
  /** Upper bounds, ascending. */
  readonly buckets: readonly number[];
  readonly registers: readonly Registry[];
}

/** A line of the exposition as prom-client's Registry reads it: the cell's labels come as `sharedLabels`. */
interface ExpositionValue {
  readonly metricName: string;
  readonly labels: LabelValues<string>;
  readonly sharedLabels: LabelValues<string>;
  readonly value: number;
}

interface HistogramObject<V> {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly aggregator: 'sum';
  readonly values: V[];
}

/**
 * A histogram for the request path. prom-client's `observe`, on a child from `labels()` too, makes a closure,
 * checks the labels and hashes them into a key on every call; a cell here is found once by the caller and an
 * observation is a bucket search and three additions. Registered in prom-client's registries as a metric of
 * its own, whose exposition is prom-client's histogram's, line for line (histogram-cells.test.ts holds it to
 * that).
 */
export class CellHistogram<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly #bounds: readonly number[];
  readonly #cells: CellsByLabels<T, HistogramCell<T>>;

  constructor(configuration: CellHistogramConfiguration<T>) {
    this.name = configuration.name;
    this.help = configuration.help;
    const bounds = [...configuration.buckets];
    this.#bounds = bounds;
    this.#cells = new CellsByLabels(configuration.labelNames, (labels) => new HistogramCell(labels, bounds));
    // prom-client's Registry takes any metric with a name, `get` and `reset`; its types name only its own classes.
    for (const registry of configuration.registers) registry.registerMetric(this as never);
  }

  /** The cell of these label values, in the order of the label names; made on first use. */
  cell(values: readonly string[]): HistogramCell<T> {
    return this.#cells.get(values);
  }

  /** Zeroes every cell: callers keep the cells they found, so they stay in place. */
  reset(): void {
    for (const cell of this.#cells.all()) cell.reset();
  }

  /** What prom-client's Registry renders: for each cell its cumulative buckets, `+Inf`, sum and count. */
  getForPromString(): HistogramObject<ExpositionValue> {
    const values: ExpositionValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const cell of this.#cells.all()) {
      const sharedLabels = cell.labels as LabelValues<string>;
      let cumulative = 0;
      this.#bounds.forEach((bound, index) => {
        cumulative += cell.counts[index] ?? 0;
        values.push({ metricName: bucketName, labels: { le: bound }, sharedLabels, value: cumulative });
      });
      values.push(
        { metricName: bucketName, labels: { le: '+Inf' }, sharedLabels, value: cell.count },
        { metricName: `${this.name}_sum`, labels: {}, sharedLabels, value: cell.sum },
        { metricName: `${this.name}_count`, labels: {}, sharedLabels, value: cell.count },
      );
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }

  /** The same values with each cell's labels merged in (prom-client's JSON form). */
  get(): HistogramObject<Omit<ExpositionValue, 'sharedLabels'>> {
    const metric = this.getForPromString();
    return {
      ...metric,
      values: metric.values.map(({ sharedLabels, labels, ...value }) => ({
        ...value,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }
}

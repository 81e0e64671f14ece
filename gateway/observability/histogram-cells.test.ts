import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CellHistogram } from './histogram-cells.ts';

const buckets = [0.0001, 0.001, 0.01, 0.1, 1, 10];
const groups = ['gpt-4o', 'claude "sonnet"', 'a\\b\nc'];

function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const configuration = {
    name: 'latency_seconds',
    help: 'Latency',
    labelNames: ['model_group'] as const,
    buckets,
  };
  return {
    ours,
    theirs,
    cells: new CellHistogram({ ...configuration, registers: [ours] }),
    reference: new Histogram({ ...configuration, registers: [theirs] }),
  };
}

describe('CellHistogram', () => {
  it("renders what prom-client's Histogram renders for the same observations", async () => {
    const observation = fc.record({
      group: fc.constantFrom(...groups),
      // Bucket bounds themselves, values around them and far outside them.
      value: fc.oneof(fc.constantFrom(0, ...buckets, 100, 1e9), fc.double({ min: 0, max: 20, noNaN: true })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 200 }), async (observations) => {
        const { ours, theirs, cells, reference } = pair();
        for (const { group, value } of observations) {
          cells.cell([group]).observe(value);
          reference.labels(group).observe(value);
        }
        expect(await ours.metrics()).toBe(await theirs.metrics());
        // The same values as JSON, where prom-client adds an empty `exemplar` to each.
        const withoutExemplars = (await theirs.getMetricsAsJSON()).map((metric) => ({
          ...metric,
          values: metric.values.map((value) => {
            const { exemplar: _, ...rest } = value as typeof value & { exemplar?: unknown };
            return rest;
          }),
        }));
        expect(await ours.getMetricsAsJSON()).toEqual(withoutExemplars);
      }),
      { numRuns: 300 },
    );
  });

  it('ignores a value that is not a finite number', async () => {
    const { ours, cells } = pair();
    const cell = cells.cell(['g']);
    cell.observe(Number.NaN);
    cell.observe(Number.POSITIVE_INFINITY);
    cell.observe(0.5);
    expect(cell.count).toBe(1);
    expect(await ours.metrics()).toContain('latency_seconds_sum{model_group="g"} 0.5');
  });

  it('keeps one cell per label set, and zeroes it on reset for whoever holds it', async () => {
    const { ours, cells } = pair();
    const cell = cells.cell(['g']);
    expect(cells.cell(['g'])).toBe(cell);
    expect(cells.cell(['h'])).not.toBe(cell);
    cell.observe(1);
    ours.resetMetrics();
    expect(await ours.metrics()).toContain('latency_seconds_count{model_group="g"} 0');
    cell.observe(2);
    expect(await ours.metrics()).toContain('latency_seconds_sum{model_group="g"} 2');
  });
});

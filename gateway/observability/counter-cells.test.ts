import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CellCounter } from './counter-cells.ts';

describe('CellCounter', () => {
  it('shows every label set with its running total at each scrape', async () => {
    const registry = new Registry();
    const counter = new CellCounter({
      name: 'things_total',
      help: 'things',
      labelNames: ['group', 'alias'],
      registers: [registry],
    });
    const cell = (group: string, alias: string) => counter.cell([group, alias]);

    cell('a', 'x').inc();
    cell('a', 'x').inc(2.5);
    cell('b', 'x').inc();
    expect(cell('a', 'x')).toBe(cell('a', 'x'));
    const first = await registry.metrics();
    expect(first).toContain('things_total{group="a",alias="x"} 3.5');
    expect(first).toContain('things_total{group="b",alias="x"} 1');

    cell('a', 'x').inc();
    const second = await registry.metrics();
    expect(second).toContain('things_total{group="a",alias="x"} 4.5');
    expect(second).toContain('things_total{group="b",alias="x"} 1');
    expect(await registry.metrics()).toBe(second);
  });

  it('keeps label sets apart that a joined key could confuse', async () => {
    const registry = new Registry();
    const counter = new CellCounter({
      name: 'pairs_total',
      help: 'pairs',
      labelNames: ['a', 'b'],
      registers: [registry],
    });
    counter.cell(['x', 'y z']).inc();
    counter.cell(['x y', 'z']).inc(2);
    const text = await registry.metrics();
    expect(text).toContain('pairs_total{a="x",b="y z"} 1');
    expect(text).toContain('pairs_total{a="x y",b="z"} 2');
  });
});

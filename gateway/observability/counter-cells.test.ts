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
    const cell = (group: string, alias: string) =>
      counter.find(`${group}\u0000${alias}`) ?? counter.add(`${group}\u0000${alias}`, { group, alias });

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
});

import { describe, expect, it } from 'vitest';
import { addDuration, parseDuration, toInterval } from './duration.ts';

describe('LiteLLM durations', () => {
  it('reads 30s, 30m, 30h, 30d and 1mo', () => {
    const at = new Date('2026-01-31T00:00:00Z');
    const after = (text: string) =>
      addDuration(at, parseDuration(text) ?? { amount: 0, unit: 's' }).toISOString();
    expect(after('30s')).toBe('2026-01-31T00:00:30.000Z');
    expect(after('30m')).toBe('2026-01-31T00:30:00.000Z');
    expect(after('30h')).toBe('2026-02-01T06:00:00.000Z');
    expect(after('30d')).toBe('2026-03-02T00:00:00.000Z');
    expect(after('1mo')).toBe('2026-03-03T00:00:00.000Z'); // calendar month, as JavaScript and PostgreSQL roll it
    expect(toInterval({ amount: 1, unit: 'mo' })).toBe('1 months');
  });

  it('refuses anything else', () => {
    for (const text of ['', '30', '1w', '0d', '-1d', '1.5h', 'd'])
      expect(parseDuration(text)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { isoTimeEachSecond } from './log-time.ts';

describe('isoTimeEachSecond', () => {
  it('writes what pino isoTime writes, across milliseconds, seconds, days and years', () => {
    let ms = 0;
    const time = isoTimeEachSecond(() => ms);
    const starts = [
      Date.UTC(2026, 11, 2, 0, 24, 7),
      Date.UTC(2026, 11, 31, 23, 59, 58),
      0,
      1_000_000_000_123,
    ];
    for (const start of starts) {
      for (let offset = 0; offset < 2_500; offset += 7) {
        ms = start + offset;
        expect(time()).toBe(`,"time":"${new Date(ms).toISOString()}"`);
      }
    }
  });

  it('notices a clock that steps back', () => {
    let ms = Date.UTC(2026, 11, 2, 0, 0, 5, 10);
    const time = isoTimeEachSecond(() => ms);
    time();
    ms = Date.UTC(2026, 11, 2, 0, 0, 4, 999);
    expect(time()).toBe(',"time":"2026-12-02T00:00:04.999Z"');
  });
});

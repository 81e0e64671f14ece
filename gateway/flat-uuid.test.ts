import { describe, expect, it } from 'vitest';
import { flatUuid } from './flat-uuid.ts';

describe('flatUuid', () => {
  it('gives a fresh version 4 UUID each call', () => {
    const ids = Array.from({ length: 1000 }, flatUuid);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(1000);
  });

  it('puts random digits everywhere but the version and the variant', () => {
    const ids = Array.from({ length: 1000 }, flatUuid);
    for (let at = 0; at < 36; at++) {
      const seen = new Set(ids.map((id) => id[at]));
      if ([8, 13, 18, 23].includes(at)) expect(seen).toEqual(new Set(['-']));
      else if (at === 14) expect(seen).toEqual(new Set(['4']));
      else if (at === 19) expect(seen).toEqual(new Set(['8', '9', 'a', 'b']));
      else expect(seen.size).toBe(16);
    }
  });
});

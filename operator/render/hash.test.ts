import { describe, expect, it } from 'vitest';
import { sha256, stableHash } from './hash.ts';

describe('stableHash', () => {
  it('ignores key order and undefined members', () => {
    expect(stableHash({ a: 1, b: [1, { c: 'x', d: undefined }] })).toBe(
      stableHash({ b: [1, { c: 'x' }], a: 1 }),
    );
  });

  it('tells different values apart, including array order', () => {
    expect(stableHash({ a: [1, 2] })).not.toBe(stableHash({ a: [2, 1] }));
    expect(stableHash({ a: '1' })).not.toBe(stableHash({ a: 1 }));
  });

  it('has the requested length', () => {
    expect(stableHash({}, 10)).toMatch(/^[0-9a-f]{10}$/);
    expect(sha256('sk-a')).toMatch(/^[0-9a-f]{64}$/);
  });
});

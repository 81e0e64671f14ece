import { describe, expect, it } from 'vitest';
import { lastOf } from './per-deployment.ts';

describe('lastOf', () => {
  it('computes again only when the argument changes, and then gives the new value', () => {
    let computed = 0;
    const headersFor = lastOf((key: string | undefined) => {
      computed++;
      return key === undefined ? {} : { authorization: `Bearer ${key}` };
    });
    const first = headersFor('sk-old');
    expect(headersFor('sk-old')).toBe(first);
    expect(computed).toBe(1);
    expect(headersFor('sk-new')).toEqual({ authorization: 'Bearer sk-new' });
    expect(headersFor(undefined)).toEqual({});
    expect(headersFor('sk-old')).toEqual({ authorization: 'Bearer sk-old' });
    expect(computed).toBe(4);
  });
});

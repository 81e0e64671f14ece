import { describe, expect, it } from 'vitest';
import { sameApartFromVersion as same } from './list-watch.ts';

/** Objects as the watch delivers them: any JSON beside the metadata. */
const sameApartFromVersion = (held: object, next: object): boolean => same(held, next);

const job = (resourceVersion: string, status: object) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'gw-migrate', namespace: 'llm', resourceVersion, labels: { app: 'gw' } },
  status,
});

describe('sameApartFromVersion', () => {
  it('finds no change in a write whose changes the cache transform dropped', () => {
    expect(sameApartFromVersion(job('1', {}), job('2', {}))).toBe(true);
    // Key order and absent members are no difference either.
    expect(
      sameApartFromVersion(
        { metadata: { name: 'a', resourceVersion: '1' }, status: { a: 1, b: undefined } },
        { status: { a: 1 }, metadata: { resourceVersion: '2', name: 'a' } },
      ),
    ).toBe(true);
  });

  it('finds a change anywhere else, however deep', () => {
    const done = { conditions: [{ type: 'Complete', status: 'True' }] };
    expect(sameApartFromVersion(job('1', {}), job('2', done))).toBe(false);
    expect(
      sameApartFromVersion(job('1', { conditions: [{ type: 'Complete', status: 'False' }] }), job('2', done)),
    ).toBe(false);
    expect(
      sameApartFromVersion(job('1', { conditions: [done.conditions[0]] }), job('2', { conditions: [] })),
    ).toBe(false);
    const relabelled = { ...job('2', {}), metadata: { ...job('2', {}).metadata, labels: { app: 'other' } } };
    expect(sameApartFromVersion(job('1', {}), relabelled)).toBe(false);
    expect(sameApartFromVersion({ spec: [1] }, { spec: { 0: 1 } })).toBe(false);
  });
});

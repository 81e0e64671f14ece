import { describe, expect, it } from 'vitest';
import { computeConditions, findCondition, formatTime, isConditionTrue, setCondition } from './conditions.ts';

const at = (iso: string) => ({ now: () => Date.parse(iso) });
const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:05:00.750Z';

describe('conditions', () => {
  it('stamps a new condition with the clock, in whole seconds', () => {
    const [ready] = computeConditions(
      undefined,
      [{ type: 'Ready', status: 'True', reason: 'Available', message: 'ok', observedGeneration: 3 }],
      at(T0),
    );
    expect(ready).toEqual({
      type: 'Ready',
      status: 'True',
      observedGeneration: 3,
      lastTransitionTime: T0,
      reason: 'Available',
      message: 'ok',
    });
    expect(formatTime(Date.parse(T1))).toBe('2026-01-01T00:05:00Z');
  });

  it('keeps lastTransitionTime when the status did not change, even if reason or message did', () => {
    const first = computeConditions(
      undefined,
      [{ type: 'Ready', status: 'False', reason: 'Pending' }],
      at(T0),
    );
    const second = computeConditions(
      first,
      [{ type: 'Ready', status: 'False', reason: 'Waiting', message: 'still', observedGeneration: 2 }],
      at(T1),
    );
    expect(second[0]?.lastTransitionTime).toBe(T0);
    expect(second[0]?.reason).toBe('Waiting');
    expect(second[0]?.observedGeneration).toBe(2);
  });

  it('moves lastTransitionTime when the status changes', () => {
    const first = computeConditions(
      undefined,
      [{ type: 'Ready', status: 'False', reason: 'Pending' }],
      at(T0),
    );
    const second = computeConditions(first, [{ type: 'Ready', status: 'True', reason: 'Available' }], at(T1));
    expect(second[0]?.lastTransitionTime).toBe('2026-01-01T00:05:00Z');
  });

  it('gives equal output for equal input (so the status apply is skipped)', () => {
    const inputs = [
      { type: 'Ready', status: 'True', reason: 'Available', observedGeneration: 1 },
      { type: 'Degraded', status: 'False', reason: 'AsExpected' },
    ] as const;
    const first = computeConditions(undefined, inputs, at(T0));
    expect(computeConditions(first, inputs, at(T1))).toEqual(first);
  });

  it('accepts live times that a typed client turned into Date objects, and exact server strings', () => {
    const live = [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(T0) }];
    expect(
      computeConditions(live, [{ type: 'Ready', status: 'True', reason: 'Available' }], at(T1))[0]
        ?.lastTransitionTime,
    ).toBe(T0);
    const odd = [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T01:00:00+01:00' }];
    expect(
      computeConditions(odd, [{ type: 'Ready', status: 'True', reason: 'Available' }], at(T1))[0]
        ?.lastTransitionTime,
    ).toBe('2026-01-01T01:00:00+01:00');
  });

  it('drops types the controller no longer states; setCondition keeps the others', () => {
    const first = computeConditions(
      undefined,
      [
        { type: 'Ready', status: 'True', reason: 'Available' },
        { type: 'Degraded', status: 'True', reason: 'JobFailed' },
      ],
      at(T0),
    );
    expect(
      computeConditions(first, [{ type: 'Ready', status: 'True', reason: 'Available' }], at(T1)).map(
        (c) => c.type,
      ),
    ).toEqual(['Ready']);
    const set = setCondition(first, { type: 'Progressing', status: 'True', reason: 'Rolling' }, at(T1));
    expect(set.map((c) => c.type)).toEqual(['Ready', 'Degraded', 'Progressing']);
    expect(isConditionTrue(set, 'Degraded')).toBe(true);
    expect(findCondition(set, 'Missing')).toBeUndefined();
  });

  it('rejects reasons the apiserver would reject, and duplicate types', () => {
    expect(() =>
      computeConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'not ok' }], at(T0)),
    ).toThrow(/CamelCase/);
    expect(() =>
      computeConditions(
        undefined,
        [
          { type: 'Ready', status: 'True', reason: 'A' },
          { type: 'Ready', status: 'False', reason: 'B' },
        ],
        at(T0),
      ),
    ).toThrow(/twice/);
  });
});

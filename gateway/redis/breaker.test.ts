import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerState } from './breaker.ts';

describe('circuit breaker', () => {
  it('opens after consecutive failures, at once on a trip, and tells each change once', () => {
    const changes: BreakerState[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 3 }, (state) => changes.push(state));
    breaker.failure('timeout');
    breaker.failure('timeout');
    breaker.success();
    breaker.failure('timeout');
    breaker.failure('timeout');
    expect(breaker.closed).toBe(true);
    breaker.failure('timeout');
    breaker.failure('timeout');
    expect(breaker.state).toBe('open');
    breaker.success();
    breaker.trip('connection closed');
    breaker.trip('connection closed');
    expect(changes).toEqual(['open', 'closed', 'open']);
  });
});

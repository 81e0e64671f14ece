import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from './backoff.ts';
import { TokenBucket } from './token-bucket.ts';
import { WorkQueue } from './work-queue.ts';
import type { ProcessKey, WorkQueueOptions } from './work-queue.ts';

/** A controllable reconcile: each call waits until the test resolves or rejects it. */
function gate() {
  const calls: { key: string; at: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  const process: ProcessKey<string> = (key) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ key, at: Date.now(), resolve, reject });
    });
  return { calls, process };
}

function queue(process: ProcessKey<string>, options: Partial<WorkQueueOptions<string>> = {}) {
  const q = new WorkQueue<string>({ process, rateLimit: false, ...options });
  q.start();
  return q;
}

describe('WorkQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('processes a key queued many times once', async () => {
    const seen: string[] = [];
    const q = new WorkQueue<string>({
      process: (key) => {
        seen.push(key);
        return Promise.resolve();
      },
      rateLimit: false,
    });
    for (let i = 0; i < 5; i++) q.add('ns/a');
    q.add('ns/b');
    expect(q.depth).toBe(2);
    q.start();
    await q.whenIdle();
    expect(seen).toEqual(['ns/a', 'ns/b']);
  });

  it('processes a key added while it is processed again afterwards, never concurrently', async () => {
    const { calls, process } = gate();
    const q = queue(process, { concurrency: 4 });
    q.add('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    q.add('a');
    q.add('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1); // not twice at once
    calls[0]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2); // once more, not twice more
    calls[1]?.resolve();
    await q.whenIdle();
    expect(calls).toHaveLength(2);
  });

  it('retries a failing key with exponential backoff, capped, and resets it on success', async () => {
    let failing = true;
    const attempts: number[] = [];
    const retries: number[] = [];
    const q = queue(
      () => {
        attempts.push(Date.now());
        return failing ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
      {
        backoff: { baseMs: 200, maxMs: 1_600 },
        observer: { onRetry: (_key, _failures, delayMs) => retries.push(delayMs) },
      },
    );
    q.add('a');
    await vi.advanceTimersByTimeAsync(200 + 400 + 800 + 1_600 + 1_600);
    expect(retries).toEqual([200, 400, 800, 1_600, 1_600, 1_600]);
    expect(attempts).toEqual([0, 200, 600, 1_400, 3_000, 4_600]);
    expect(q.failures('a')).toBe(6);
    expect(q.retries).toBe(6);

    failing = false;
    await vi.advanceTimersByTimeAsync(1_600);
    expect(q.failures('a')).toBe(0);
    expect(q.delayedCount).toBe(0);

    // After a success the next failure starts over at the base delay.
    failing = true;
    q.add('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(retries.at(-1)).toBe(200);
    await q.shutdown();
  });

  it('keeps backoff per key', async () => {
    const q = queue((key) => (key === 'bad' ? Promise.reject(new Error('boom')) : Promise.resolve()));
    q.add('bad');
    q.add('good');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(q.failures('bad')).toBeGreaterThan(1);
    expect(q.failures('good')).toBe(0);
    await q.shutdown();
  });

  it('requeues after the delay a reconcile asks for; the earliest of several delays wins', async () => {
    const at: number[] = [];
    const q = queue(() => {
      at.push(Date.now());
      return Promise.resolve(at.length === 1 ? { requeueAfterMs: 10_000 } : undefined);
    });
    q.add('a');
    await vi.advanceTimersByTimeAsync(0);
    q.addAfter('a', 3_000);
    q.addAfter('a', 5_000); // later than the pending 3 s: ignored
    await vi.advanceTimersByTimeAsync(20_000);
    expect(at).toEqual([0, 3_000]);
  });

  it('holds concurrency to its bound', async () => {
    const { calls, process } = gate();
    const q = queue(process, { concurrency: 3 });
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(3);
    expect(q.inFlight).toBe(3);
    expect(q.depth).toBe(7);
    calls[0]?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(4);
    expect(q.inFlight).toBe(3);
    for (const call of calls) call.resolve();
    await vi.advanceTimersByTimeAsync(0);
    for (const call of calls) call.resolve();
    await vi.advanceTimersByTimeAsync(0);
    for (const call of calls) call.resolve();
    await q.whenIdle();
    expect(new Set(calls.map((c) => c.key)).size).toBe(10);
  });

  it('limits the overall rate with a token bucket: a burst, then the steady rate', async () => {
    const at: number[] = [];
    const q = queue(() => Promise.resolve(at.push(Date.now())).then(() => undefined), {
      rateLimit: { perSecond: 10, burst: 5 },
      concurrency: 100,
    });
    for (let i = 0; i < 25; i++) q.add(`k${i}`);
    await vi.advanceTimersByTimeAsync(0);
    expect(at).toHaveLength(5); // the burst
    await vi.advanceTimersByTimeAsync(1_000);
    expect(at).toHaveLength(15); // + 10/s
    await vi.advanceTimersByTimeAsync(1_000);
    expect(at).toHaveLength(25);
    // Never more than burst + rate × elapsed.
    for (const [i, t] of at.entries()) expect(i + 1).toBeLessThanOrEqual(5 + Math.floor(t / 100));
  });

  it('takes 10000 keys in under a minute at the default rate', async () => {
    let done = 0;
    const q = new WorkQueue<string>({
      process: () => {
        done++;
        return Promise.resolve();
      },
    });
    q.start();
    for (let i = 0; i < 10_000; i++) q.add(`ns/o${i}`);
    await vi.advanceTimersByTimeAsync(44_000);
    expect(done).toBeLessThan(10_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(done).toBe(10_000); // 1000 at once + 200/s × 45 s
  });

  it('takes urgent keys first, and an urgent add moves a queued key ahead', async () => {
    const { calls, process } = gate();
    const q = queue(process, { concurrency: 1 });
    q.add('busy');
    await vi.advanceTimersByTimeAsync(0);
    for (const key of ['a', 'b', 'c']) q.add(key);
    q.add('u1', true);
    q.add('c', true);
    q.add('u1'); // already urgent: stays so
    q.add('busy', true); // in flight: again afterwards, urgently
    expect(q.depth).toBe(4);
    for (let i = 0; i < 6; i++) {
      calls[i]?.resolve();
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(calls.map((c) => c.key)).toEqual(['busy', 'u1', 'c', 'busy', 'a', 'b']);
  });

  it('reports depth to its observer', async () => {
    const depths: number[] = [];
    const q = new WorkQueue<string>({
      process: () => Promise.resolve(),
      rateLimit: false,
      observer: { onDepth: (d) => depths.push(d) },
    });
    q.add('a');
    q.add('b');
    q.start();
    await q.whenIdle();
    expect(depths).toEqual([1, 2, 1, 0]);
  });

  it('shuts down gracefully: stops taking keys, waits for the ones in flight', async () => {
    const { calls, process } = gate();
    const q = queue(process, { concurrency: 1 });
    q.add('a');
    q.add('b');
    q.addAfter('c', 1_000);
    await vi.advanceTimersByTimeAsync(0);
    let finished = false;
    const stopped = q.shutdown().then(() => (finished = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(finished).toBe(false); // 'a' still in flight
    calls[0]?.resolve();
    await stopped;
    q.add('d');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls.map((c) => c.key)).toEqual(['a']);
    expect(q.depth).toBe(0);
    expect(q.delayedCount).toBe(0);
  });

  it('aborts the signal of keys in flight on a hard shutdown', async () => {
    let aborted = false;
    const q = queue(
      (_key, signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
    );
    q.add('a');
    await vi.advanceTimersByTimeAsync(0);
    await q.shutdown({ abortInFlight: true });
    expect(aborted).toBe(true);
  });

  it('treats a synchronous throw as a failure', async () => {
    const q = queue(() => {
      throw new Error('sync');
    });
    q.add('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(q.failures('a')).toBe(1);
    await q.shutdown();
  });
});

describe('backoffDelay', () => {
  it('doubles from the base to the cap', () => {
    const options = { baseMs: 200, maxMs: 300_000 };
    expect([1, 2, 3, 4, 11, 12, 100].map((n) => backoffDelay(n, options))).toEqual([
      200, 400, 800, 1_600, 204_800, 300_000, 300_000,
    ]);
  });
});

describe('TokenBucket', () => {
  it('says how long until the next token', () => {
    const bucket = new TokenBucket({ perSecond: 4, burst: 2 }, 0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(250);
    expect(bucket.take(250)).toBe(0);
    expect(bucket.available(10_000)).toBe(2); // never above the burst
  });
});

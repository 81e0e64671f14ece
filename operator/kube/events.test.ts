import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventRecorder, redactNote } from './events.ts';
import type { EventBody, EventInput, EventSink } from './events.ts';

function memorySink() {
  const created: EventBody[] = [];
  const series: { name: string; count: number }[] = [];
  const sink: EventSink = {
    create: (_ns, event) => {
      created.push(event);
      return Promise.resolve();
    },
    updateSeries: (_ns, name, { count }) => {
      series.push({ name, count });
      return Promise.resolve();
    },
  };
  return { sink, created, series };
}

const failed: EventInput = {
  regarding: {
    apiVersion: 'switchyard.dev/v1alpha1',
    kind: 'LLMGateway',
    metadata: { name: 'gw', namespace: 'ns', uid: 'u1' },
  },
  type: 'Warning',
  reason: 'MigrationFailed',
  action: 'Migrate',
  note: 'job gw-migrate failed',
};

describe('EventRecorder', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes an events.k8s.io event about the object', async () => {
    const { sink, created } = memorySink();
    const recorder = new EventRecorder({ sink, reportingInstance: 'op-0' });
    recorder.record(failed);
    await recorder.flush();
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      metadata: { namespace: 'ns' },
      type: 'Warning',
      reason: 'MigrationFailed',
      reportingController: 'switchyard.dev/operator',
      reportingInstance: 'op-0',
      regarding: { kind: 'LLMGateway', name: 'gw', namespace: 'ns', uid: 'u1' },
      eventTime: '2026-01-01T00:00:00.000000Z',
    });
    expect(created[0]?.metadata.name).toMatch(/^gw\.[0-9a-f]+$/);
  });

  it('names two events about one object in the same millisecond apart', async () => {
    const { sink, created } = memorySink();
    const recorder = new EventRecorder({ sink, reportingInstance: 'op-0' });
    recorder.record(failed);
    recorder.record({ ...failed, type: 'Normal', reason: 'Reconciled', note: 'children applied' });
    await recorder.flush();
    expect(created).toHaveLength(2);
    expect(new Set(created.map((event) => event.metadata.name)).size).toBe(2);
  });

  it('counts repeats instead of writing them, and writes the series back at most every interval', async () => {
    const { sink, created, series } = memorySink();
    const recorder = new EventRecorder({ sink, reportingInstance: 'op-0', seriesUpdateMs: 30 * 60_000 });
    // The same failure every 5 minutes for an hour: one event, two series updates.
    for (let minute = 0; minute <= 60; minute += 5) {
      recorder.record(failed);
      await recorder.flush();
      await vi.advanceTimersByTimeAsync(5 * 60_000);
    }
    expect(created).toHaveLength(1);
    expect(series).toEqual([
      { name: created[0]?.metadata.name, count: 7 },
      { name: created[0]?.metadata.name, count: 13 },
    ]);
  });

  it('makes a new event for a different note or after a quiet window', async () => {
    const { sink, created } = memorySink();
    const recorder = new EventRecorder({ sink, reportingInstance: 'op-0', dedupeWindowMs: 60_000 });
    recorder.record(failed);
    recorder.record({ ...failed, note: 'another reason' });
    await recorder.flush();
    await vi.advanceTimersByTimeAsync(61_000);
    recorder.record(failed);
    await recorder.flush();
    expect(created).toHaveLength(3);
  });

  it('reports sink failures without throwing', async () => {
    const errors: unknown[] = [];
    const recorder = new EventRecorder({
      sink: { create: () => Promise.reject(new Error('down')), updateSeries: () => Promise.resolve() },
      reportingInstance: 'op-0',
      onError: (e) => errors.push(e),
    });
    recorder.record(failed);
    await recorder.flush();
    expect(errors).toHaveLength(1);
  });

  it('masks key-shaped strings and bounds the note', () => {
    expect(redactNote('key sk-abcdef123456 rejected; Authorization: Bearer abc.def.ghi123')).toBe(
      'key [redacted] rejected; Authorization: [redacted]',
    );
    expect(redactNote('x'.repeat(5_000))).toHaveLength(1_024);
  });
});

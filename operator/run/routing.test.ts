import { describe, expect, it } from 'vitest';
import { GenerationTracker } from './routing.ts';

const object = (generation: number | undefined) => ({
  metadata: { namespace: 'ns', name: 'a', ...(generation !== undefined ? { generation } : {}) },
});

describe('GenerationTracker', () => {
  it('tells spec changes (adds, new generations, deletes) from status writes', () => {
    const tracker = new GenerationTracker();
    expect(tracker.changed('LLMGateway', object(1), 'add')).toBe(true);
    expect(tracker.changed('LLMGateway', object(1), 'update')).toBe(false); // its status
    expect(tracker.changed('LLMGateway', object(1), 'resync')).toBe(false);
    expect(tracker.changed('LLMGateway', object(2), 'update')).toBe(true); // its spec
    expect(tracker.changed('LLMGateway', object(2), 'update')).toBe(false);
    expect(tracker.changed('LLMGateway', object(2), 'delete')).toBe(true);
    // Seen first through an update or a resync (e.g. after a restart of the watch): others are told.
    expect(tracker.changed('LLMGateway', object(2), 'update')).toBe(true);
    expect(tracker.changed('ModelDeployment', object(2), 'resync')).toBe(true);
  });

  it('treats an object without a generation as always changed', () => {
    const tracker = new GenerationTracker();
    expect(tracker.changed('VirtualKey', object(undefined), 'add')).toBe(true);
    expect(tracker.changed('VirtualKey', object(undefined), 'update')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { toBase64 } from '../render/base64.ts';
import { sha256 } from '../render/hash.ts';
import { generateKey } from './generate-key.ts';
import { decideKey, keyAnnotations, keyStateAnnotations, readStoredKey, stillValid } from './key-state.ts';
import type { SecretJson } from './kube-json.ts';

const now = Date.parse('2026-12-01T10:00:00Z');
const owner = {
  apiVersion: 'switchyard.dev/v1alpha1',
  kind: 'VirtualKey',
  name: 'k',
  uid: 'uid-k',
  controller: true,
};

function secret(annotations: Record<string, string> = {}, key = 'sk-current'): SecretJson {
  return {
    metadata: { name: 'k', namespace: 'llm', annotations, ownerReferences: [owner] },
    data: { OPENAI_API_KEY: toBase64(key) },
  };
}

describe('readStoredKey', () => {
  it('reads the key and its rotation state from a Secret the VirtualKey controls', () => {
    const stored = readStoredKey(
      secret({
        [keyAnnotations.rotationTrigger]: 'a',
        [keyAnnotations.previousHash]: 'f'.repeat(64),
        [keyAnnotations.previousExpiresAt]: '2026-12-02T10:00:00Z',
      }),
      'uid-k',
    );
    expect(stored).toEqual({
      key: 'sk-current',
      trigger: 'a',
      previous: { hash: 'f'.repeat(64), expiresAt: '2026-12-02T10:00:00Z' },
    });
  });

  it('ignores a Secret someone else controls, or none', () => {
    expect(readStoredKey(secret(), 'uid-other')).toEqual({});
    expect(readStoredKey(undefined, 'uid-k')).toEqual({});
  });
});

describe('decideKey', () => {
  it('generates the first key, recording the trigger', () => {
    expect(decideKey({ stored: {}, trigger: 't1', overlapSeconds: 60, now })).toEqual({
      action: 'generate',
      trigger: 't1',
      previous: undefined,
      recheckInMs: undefined,
    });
  });

  it('keeps the key while the trigger is unchanged (or rotation was removed)', () => {
    const stored = { key: 'sk-a', trigger: 't1' };
    expect(decideKey({ stored, trigger: 't1', overlapSeconds: 60, now }).action).toBe('keep');
    expect(decideKey({ stored, trigger: undefined, overlapSeconds: 0, now })).toMatchObject({
      action: 'keep',
      trigger: 't1',
    });
  });

  it('rotates on a new trigger, keeping the old hash for the overlap and asking to look again after it', () => {
    const decision = decideKey({
      stored: { key: 'sk-a', trigger: 't1' },
      trigger: 't2',
      overlapSeconds: 3600,
      now,
    });
    expect(decision).toEqual({
      action: 'rotate',
      trigger: 't2',
      previous: { hash: sha256('sk-a'), expiresAt: '2026-12-01T11:00:00Z' },
      recheckInMs: 3_601_000,
    });
    expect(JSON.stringify(keyStateAnnotations(decision))).not.toContain('sk-a');
  });

  it('rotates with no overlap when overlapSeconds is 0', () => {
    const decision = decideKey({
      stored: { key: 'sk-a', trigger: 't1' },
      trigger: 't2',
      overlapSeconds: 0,
      now,
    });
    expect(decision).toMatchObject({ action: 'rotate', previous: undefined, recheckInMs: undefined });
  });

  it('drops the previous key once its overlap ended', () => {
    const previous = { hash: 'f'.repeat(64), expiresAt: '2026-12-01T09:59:59Z' };
    const decision = decideKey({
      stored: { key: 'sk-a', trigger: 't1', previous },
      trigger: 't1',
      overlapSeconds: 60,
      now,
    });
    expect(decision).toMatchObject({ action: 'keep', previous: undefined });
    expect(keyStateAnnotations(decision)).toEqual({ [keyAnnotations.rotationTrigger]: 't1' });
    expect(stillValid({ ...previous, expiresAt: '2026-12-01T10:00:01Z' }, now)).toBeDefined();
    expect(stillValid({ ...previous, expiresAt: 'not a time' }, now)).toBeUndefined();
  });
});

describe('generateKey', () => {
  it('makes sk- keys of 192 random bits, different every time', () => {
    const keys = new Set(Array.from({ length: 100 }, () => generateKey()));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(/^sk-[A-Za-z0-9_-]{32}$/);
  });
});

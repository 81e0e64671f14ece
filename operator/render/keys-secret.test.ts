import { describe, expect, it } from 'vitest';
import { keysFileSchema } from '../../gateway/auth/keys-file-schema.ts';
import { postgresGateway, virtualKey } from '../test-support/fixtures.ts';
import { fromBase64 } from './base64.ts';
import { sha256 } from './hash.ts';
import type { IssuedKey } from './keys-file.ts';
import { keysSecret } from './keys-secret.ts';

const target = postgresGateway();
const hashA = sha256('sk-a');
const hashB = sha256('sk-b');
const hashOld = sha256('sk-old');

function fileOf(keys: readonly IssuedKey[]) {
  const data = keysSecret(target, keys).data?.['keys.json'];
  if (data === undefined) throw new Error('no keys.json');
  return keysFileSchema.parse(JSON.parse(fromBase64(data)));
}

describe('keysSecret', () => {
  it('writes a keys file the gateway schema accepts, with the policy in LiteLLM names', () => {
    const file = fileOf([
      {
        virtualKey: virtualKey('search', {
          keyAlias: 'search-team',
          models: ['gpt-4o'],
          maxBudget: '12.5',
          budgetDuration: '30d',
          rpmLimit: 60,
          tpmLimit: 1000,
          maxParallelRequests: 4,
          expires: '2027-01-01T00:00:00Z',
          metadata: { team: 'search' },
        }),
        hash: hashA,
      },
    ]);
    expect(file).toEqual({
      version: 1,
      keys: [
        {
          hash: hashA,
          key_alias: 'search-team',
          models: ['gpt-4o'],
          max_budget: 12.5,
          budget_duration: '30d',
          rpm_limit: 60,
          tpm_limit: 1000,
          max_parallel_requests: 4,
          expires: '2027-01-01T00:00:00Z',
          metadata: { team: 'search' },
          source: 'llm/search',
        },
      ],
    });
  });

  it('orders keys by source, whatever order the VirtualKeys come in', () => {
    const keys = [
      { virtualKey: virtualKey('zeta'), hash: hashA },
      { virtualKey: virtualKey('alpha'), hash: hashB },
    ];
    expect(fileOf(keys).keys.map((key) => key.source)).toEqual(['llm/alpha', 'llm/zeta']);
    expect(keysSecret(target, keys)).toEqual(keysSecret(target, [...keys].reverse()));
  });

  it('keeps the previous key of a rotation until the overlap ends, never past the key expiry', () => {
    const rotated = { hash: hashOld, expiresAt: '2026-12-02T00:00:00Z' };
    const file = fileOf([{ virtualKey: virtualKey('a'), hash: hashA, previous: rotated }]);
    expect(file.keys).toEqual([
      { hash: hashA, source: 'llm/a' },
      {
        hash: hashOld,
        source: 'llm/a',
        expires: '2026-12-02T00:00:00Z',
        metadata: { 'switchyard.dev/rotation': 'previous' },
      },
    ]);
    const expiring = fileOf([
      {
        virtualKey: virtualKey('a', { expires: '2026-12-01T12:00:00+01:00' }),
        hash: hashA,
        previous: rotated,
      },
    ]);
    expect(expiring.keys[1]?.expires).toBe('2026-12-01T12:00:00+01:00');
  });

  it('revokes deleted VirtualKeys and ignores other gateways', () => {
    const deleting = virtualKey('gone');
    const file = fileOf([
      {
        virtualKey: {
          ...deleting,
          metadata: { ...deleting.metadata, deletionTimestamp: '2026-12-01T00:00:00Z' },
        },
        hash: hashA,
      },
      { virtualKey: virtualKey('other', { gatewayRef: { name: 'other' } }), hash: hashB },
    ]);
    expect(file.keys).toEqual([]);
  });

  it('refuses a hash that is not a SHA-256, before it reaches a pod', () => {
    expect(() => keysSecret(target, [{ virtualKey: virtualKey('a'), hash: 'sk-plain-key' }])).toThrow();
  });
});

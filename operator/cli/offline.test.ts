import { describe, expect, it } from 'vitest';
import { postgresGateway, model, virtualKey } from '../test-support/fixtures.ts';
import { fromBase64, toBase64 } from '../render/base64.ts';
import { sha256 } from '../render/hash.ts';
import {
  offlineIssuedKey,
  offlineSecrets,
  placeholderUid,
  referencedSecretKeys,
  withUid,
} from './offline.ts';

describe('offline inputs', () => {
  it('makes up stable, UUID-shaped uids and keeps real ones', () => {
    expect(placeholderUid('LLMGateway', 'llm', 'main')).toBe(placeholderUid('LLMGateway', 'llm', 'main'));
    expect(placeholderUid('LLMGateway', 'llm', 'main')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(withUid(postgresGateway()).metadata.uid).toBe('uid-main');
  });

  it('fills placeholders only for referenced keys that were not given', () => {
    const refs = referencedSecretKeys(postgresGateway(), [model('a')], []);
    expect(refs.map((ref) => `${ref.name}/${ref.key}`)).toEqual([
      'postgres/url',
      'master/key',
      'redis/password',
      'openai/api-key',
    ]);
    const given = new Map([
      ['llm/master', { key: toBase64('real'), other: toBase64('kept') }],
      ['prod/master', {}],
    ]);
    const store = offlineSecrets('llm', given, refs);
    expect(fromBase64(store.get('master')?.key ?? '')).toBe('real');
    expect(fromBase64(store.get('master')?.other ?? '')).toBe('kept');
    expect(fromBase64(store.get('openai')?.['api-key'] ?? '')).toBe(
      'placeholder for Secret openai key api-key',
    );
  });

  it('hashes a placeholder per VirtualKey, or the given key', () => {
    const store = new Map([['given', { key: toBase64('sk-given') }]]);
    expect(
      offlineIssuedKey(virtualKey('a', { existingSecretRef: { name: 'given', key: 'key' } }), store).hash,
    ).toBe(sha256('sk-given'));
    expect(offlineIssuedKey(virtualKey('a'), store).hash).not.toBe(
      offlineIssuedKey(virtualKey('b'), store).hash,
    );
  });
});

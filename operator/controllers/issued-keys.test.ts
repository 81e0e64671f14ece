import { describe, expect, it } from 'vitest';
import { toBase64 } from '../render/base64.ts';
import { sha256 } from '../render/hash.ts';
import { virtualKey } from '../test-support/fixtures.ts';
import type { CacheReader } from './caches.ts';
import { issuedKey } from './issued-keys.ts';
import { keyAnnotations } from './key-state.ts';
import type { SecretJson } from './kube-json.ts';

const now = Date.parse('2026-12-01T10:00:00Z');

function cache(...secrets: SecretJson[]): CacheReader<SecretJson> {
  return {
    get: (name, namespace) =>
      secrets.find((s) => s.metadata?.name === name && s.metadata.namespace === namespace),
    list: () => secrets,
  };
}

const owned = (name: string, key: string, annotations: Record<string, string> = {}): SecretJson => ({
  metadata: {
    name,
    namespace: 'llm',
    annotations,
    ownerReferences: [
      {
        apiVersion: 'switchyard.dev/v1alpha1',
        kind: 'VirtualKey',
        name,
        uid: `uid-${name}`,
        controller: true,
      },
    ],
  },
  data: { OPENAI_API_KEY: toBase64(key) },
});

describe('issuedKey', () => {
  it('hashes the key of an existing Secret, without the trailing newline a file leaves', () => {
    const key = virtualKey('legacy', { existingSecretRef: { name: 'legacy-secret', key: 'api-key' } });
    const secrets = cache({
      metadata: { name: 'legacy-secret', namespace: 'llm' },
      data: { 'api-key': toBase64('sk-legacy\n') },
    });
    expect(issuedKey(key, secrets, now)).toEqual({ virtualKey: key, hash: sha256('sk-legacy') });
    expect(issuedKey(key, cache(), now)).toBeUndefined();
  });

  it('hashes a generated key, with the previous one while its overlap lasts', () => {
    const key = virtualKey('team');
    const previous = { hash: 'a'.repeat(64), expiresAt: '2026-12-01T11:00:00Z' };
    const secret = owned('team', 'sk-new', {
      [keyAnnotations.previousHash]: previous.hash,
      [keyAnnotations.previousExpiresAt]: previous.expiresAt,
    });
    expect(issuedKey(key, cache(secret), now)).toEqual({ virtualKey: key, hash: sha256('sk-new'), previous });
    expect(issuedKey(key, cache(secret), Date.parse('2026-12-01T11:00:00Z'))).toEqual({
      virtualKey: key,
      hash: sha256('sk-new'),
    });
  });

  it('takes nothing from a same-named Secret the VirtualKey does not control', () => {
    const key = virtualKey('team');
    const foreign: SecretJson = {
      metadata: { name: 'team', namespace: 'llm' },
      data: { OPENAI_API_KEY: toBase64('sk-x') },
    };
    expect(issuedKey(key, cache(foreign), now)).toBeUndefined();
  });
});

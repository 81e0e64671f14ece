import { describe, expect, it } from 'vitest';
import { masterKeyAuthenticator } from './authenticator.ts';
import { hashKey, sameHash } from './key-hash.ts';
import { MasterKeys } from './master-keys.ts';

describe('sameHash', () => {
  it('is true for equal hashes only', () => {
    const hash = hashKey('sk-one');
    expect(sameHash(hash, hashKey('sk-one'))).toBe(true);
    expect(sameHash(hash, hashKey('sk-two'))).toBe(false);
    // One character apart, first and last: every position counts.
    expect(sameHash(hash, `${hash.startsWith('a') ? 'b' : 'a'}${hash.slice(1)}`)).toBe(false);
    expect(sameHash(hash, `${hash.slice(0, -1)}${hash.endsWith('a') ? 'b' : 'a'}`)).toBe(false);
    expect(sameHash(hash, hash.slice(1))).toBe(false);
  });
});

describe('MasterKeys', () => {
  it('accepts the current and the previous key, nothing else', () => {
    const keys = new MasterKeys('sk-current-master', 'sk-previous-master');
    expect(keys.matches(hashKey('sk-current-master'))).toBe(true);
    expect(keys.matches(hashKey('sk-previous-master'))).toBe(true);
    expect(keys.matches(hashKey('sk-other'))).toBe(false);
    expect(new MasterKeys('sk-current-master', undefined).matches(hashKey('sk-previous-master'))).toBe(false);
  });

  it('never accepts an empty previous key', () => {
    expect(new MasterKeys('sk-current-master', '').matches(hashKey(''))).toBe(false);
  });
});

describe('masterKeyAuthenticator', () => {
  const authenticator = masterKeyAuthenticator('sk-current-master');

  it('lets the master key in and refuses any other with 401', () => {
    expect(authenticator.authenticate('sk-current-master')).toEqual({ kind: 'master' });
    expect(() => authenticator.authenticate('sk-current-mastex')).toThrow(
      expect.objectContaining({ status: 401, code: 'invalid_api_key' }),
    );
    expect(() => authenticator.authenticate(undefined)).toThrow(expect.objectContaining({ status: 401 }));
  });
});

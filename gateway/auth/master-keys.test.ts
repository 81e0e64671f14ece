import { describe, expect, it } from 'vitest';
import { masterKeyAuthenticator } from './authenticator.ts';
import { MasterKeys } from './master-keys.ts';

describe('MasterKeys', () => {
  it('accepts the current and the previous key, nothing else', () => {
    const keys = new MasterKeys('sk-current-master', 'sk-previous-master');
    expect(keys.matches('sk-current-master')).toBe(true);
    expect(keys.matches('sk-previous-master')).toBe(true);
    expect(keys.matches('sk-other')).toBe(false);
    expect(new MasterKeys('sk-current-master', undefined).matches('sk-previous-master')).toBe(false);
  });

  it('refuses a key one character apart, shorter or longer, at any position', () => {
    const keys = new MasterKeys('sk-current-master', undefined);
    for (const near of [
      'tk-current-master',
      'sk-current-mastes',
      'sk-current-maste',
      'sk-current-master0',
      '',
    ])
      expect(keys.matches(near), near).toBe(false);
  });

  it('never accepts an empty previous key', () => {
    expect(new MasterKeys('sk-current-master', '').matches('')).toBe(false);
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

import { describe, expect, it } from 'vitest';
import { SecretBox, SecretKeyError } from './secret-box.ts';

describe('SecretBox', () => {
  it('round-trips, with a fresh IV each time', () => {
    const box = SecretBox.fromSaltKey('salt-one');
    const sealed = box.seal('{"api_key":"sk-upstream"}');
    expect(sealed).not.toContain('sk-upstream');
    expect(box.seal('{"api_key":"sk-upstream"}')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('{"api_key":"sk-upstream"}');
  });

  it('refuses a wrong key or a tampered value with a clear error', () => {
    const sealed = SecretBox.fromSaltKey('salt-one').seal('secret');
    expect(() => SecretBox.fromSaltKey('salt-two').open(sealed)).toThrow(SecretKeyError);
    expect(() => SecretBox.fromSaltKey('salt-two').open(sealed)).toThrow(
      /SWITCHYARD_SALT_KEY is not the key/,
    );
    const tampered = `${sealed.slice(0, -4)}AAAA`;
    expect(() => SecretBox.fromSaltKey('salt-one').open(tampered)).toThrow(SecretKeyError);
  });

  it("reads SWITCHYARD_SALT_KEY, or LiteLLM's LITELLM_SALT_KEY", () => {
    expect(SecretBox.fromEnv({})).toBeUndefined();
    const sealed = SecretBox.fromEnv({ LITELLM_SALT_KEY: 'k' })?.seal('x') ?? '';
    expect(SecretBox.fromEnv({ SWITCHYARD_SALT_KEY: 'k' })?.open(sealed)).toBe('x');
  });
});

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** The salt key is missing, or is not the one the stored credentials were encrypted with. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

const version = 'v1';
const info = 'switchyard stored credentials v1';

/**
 * Credentials at rest: AES-256-GCM under a key derived with HKDF-SHA256 from SWITCHYARD_SALT_KEY (LiteLLM's
 * LITELLM_SALT_KEY also read). The tag makes a wrong key an error, never garbage.
 */
export class SecretBox {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  static fromEnv(env: Readonly<Record<string, string | undefined>>): SecretBox | undefined {
    const salt = env.SWITCHYARD_SALT_KEY ?? env.LITELLM_SALT_KEY;
    return salt === undefined || salt === '' ? undefined : SecretBox.fromSaltKey(salt);
  }

  static fromSaltKey(saltKey: string): SecretBox {
    return new SecretBox(Buffer.from(hkdfSync('sha256', saltKey, 'switchyard', info, 32)));
  }

  /** `v1:` + base64(iv ‖ tag ‖ ciphertext). */
  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${version}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string): string {
    if (!sealed.startsWith(`${version}:`))
      throw new SecretKeyError('stored credentials are in an unknown format');
    const bytes = Buffer.from(sealed.slice(version.length + 1), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(
        'stored credentials cannot be decrypted: SWITCHYARD_SALT_KEY is not the key they were stored with',
      );
    }
  }
}

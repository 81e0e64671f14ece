import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors.ts';
import { MasterKeys } from './master-keys.ts';
import type { VirtualKeyPolicy } from './virtual-key-policy.ts';

/** Who is calling: the master key, anyone (no master key set: development), or a virtual key with its policy. */
export type Principal =
  | { readonly kind: 'master' }
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'virtual'; readonly keyAlias: string; readonly policy: VirtualKeyPolicy };

/** Checks a caller's key. Returning a promise is allowed for stores that must look the key up. */
export interface Authenticator {
  authenticate(token: string | undefined): Principal | Promise<Principal>;
}

/** The key from `Authorization: Bearer`, `x-api-key` (Anthropic clients) or `api-key` (Azure clients). */
export function tokenOf(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    return authorization.startsWith('Bearer ') ? authorization.slice(7).trim() : authorization.trim();
  }
  const key = headers['x-api-key'] ?? headers['api-key'];
  return Array.isArray(key) ? key[0] : key;
}

/** Accepts the master key only; with none configured every caller is let in (development only). */
export function masterKeyAuthenticator(masterKey: string | undefined): Authenticator {
  if (masterKey === undefined) return { authenticate: () => ({ kind: 'anonymous' }) };
  const masterKeys = new MasterKeys(masterKey, undefined);
  return {
    authenticate(token) {
      if (token === undefined || token === '') {
        throw new GatewayError('invalid_api_key', 'no API key: send Authorization: Bearer <key>');
      }
      if (!masterKeys.matches(token)) throw new GatewayError('invalid_api_key', 'invalid API key');
      return { kind: 'master' };
    },
  };
}

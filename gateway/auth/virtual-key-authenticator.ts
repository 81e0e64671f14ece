import { DatabaseUnavailableError } from '../db/database.ts';
import { GatewayError } from '../errors.ts';
import type { Authenticator, Principal } from './authenticator.ts';
import type { KeyCache } from './key-cache.ts';
import { hashKey } from './key-hash.ts';
import type { MasterKeys } from './master-keys.ts';
import { VirtualKeyPolicy } from './virtual-key-policy.ts';

export interface VirtualKeyAuthenticatorOptions {
  readonly masterKeys: MasterKeys;
  readonly cache: KeyCache;
  /** `allow_requests_on_db_unavailable`: let keys that cannot be checked through (private networks only). */
  readonly allowOnUnavailable: boolean;
  /** Whether the last database call succeeded: while it is down, one lookup a second probes it. */
  readonly databaseUp: () => boolean;
  readonly now: () => number;
}

const probeEveryMs = 1000;

const master: Principal = { kind: 'master' };

/**
 * The master keys, else a virtual key by its hash: from the cache without a database round trip, or read once.
 * Checks what needs no model: exists, not blocked, not expired. The hash is all the lookup sees of the key.
 */
export function virtualKeyAuthenticator(options: VirtualKeyAuthenticatorOptions): Authenticator {
  const { masterKeys, cache } = options;
  let nextProbeAt = 0;
  const unavailable = (hash: string, now: number): Principal => {
    const stale = cache.stale(hash, now);
    if (stale !== undefined) return principalOf(stale, now);
    if (options.allowOnUnavailable) return virtualPrincipal(VirtualKeyPolicy.unverified(hash, now));
    throw new GatewayError(
      'database_unavailable',
      'the key database is unavailable and this key is not cached; retry shortly',
      { headers: { 'retry-after': '5' } },
    );
  };
  return {
    authenticate(token) {
      if (token === undefined || token === '')
        throw new GatewayError('invalid_api_key', 'no API key: send Authorization: Bearer <key>');
      if (masterKeys.matches(token)) return master;
      const hash = hashKey(token);
      const now = options.now();
      const cached = cache.peek(hash, now);
      if (cached !== undefined) return principalOf(cached, now);
      // While the database is down, fail fast rather than queue every request behind connect timeouts.
      if (!options.databaseUp()) {
        if (now < nextProbeAt) return unavailable(hash, now);
        nextProbeAt = now + probeEveryMs;
      }
      return cache.load(hash, now).then(
        (policy) => principalOf(policy, now),
        (error: unknown) => {
          if (!(error instanceof DatabaseUnavailableError)) throw error;
          return unavailable(hash, now);
        },
      );
    },
  };
}

function principalOf(policy: VirtualKeyPolicy | null, now: number): Principal {
  if (policy === null) throw new GatewayError('invalid_api_key', 'invalid API key');
  if (policy.key.blocked)
    throw new GatewayError('key_blocked', 'this key is blocked; ask an admin to unblock it');
  if (policy.key.expires !== null && policy.key.expires.getTime() <= now)
    throw new GatewayError('key_expired', `this key expired at ${policy.key.expires.toISOString()}`);
  return virtualPrincipal(policy);
}

/** `keyAlias` names the key in logs and metrics: its alias, else its masked name, else a hash prefix. */
function virtualPrincipal(policy: VirtualKeyPolicy): Principal {
  const { alias, keyName, hash } = policy.key;
  return { kind: 'virtual', keyAlias: alias ?? keyName ?? `key-${hash.slice(0, 8)}`, policy };
}

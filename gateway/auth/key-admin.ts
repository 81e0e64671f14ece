import { GatewayError } from '../errors.ts';
import type { KeyFields } from './database-keys.ts';
import { addDuration, parseDuration } from './duration.ts';
import type { KeyCache } from './key-cache.ts';
import { generateKey, hashKey, keyNameOf } from './key-hash.ts';
import { fromFileKey, type KeyStore } from './key-store.ts';
import type { StoredKey } from './stored-key.ts';

/** What the key API may set, in LiteLLM's names (`undefined`: leave as is; `null`: clear). */
export interface KeyRequest {
  readonly key_alias?: string | null | undefined;
  readonly duration?: string | null | undefined;
  readonly models?: string[] | undefined;
  readonly max_budget?: number | null | undefined;
  readonly budget_duration?: string | null | undefined;
  readonly rpm_limit?: number | null | undefined;
  readonly tpm_limit?: number | null | undefined;
  readonly max_parallel_requests?: number | null | undefined;
  readonly metadata?: Record<string, unknown> | undefined;
  readonly blocked?: boolean | undefined;
}

/** The key API's logic: every change goes to the database and drops the key from this pod's cache at once. */
export class KeyAdmin {
  readonly #store: KeyStore;
  readonly #cache: KeyCache;
  readonly #now: () => number;
  readonly #unflushedSpend: (hash: string) => number;

  constructor(store: KeyStore, cache: KeyCache, now: () => number, unflushedSpend: (hash: string) => number) {
    this.#store = store;
    this.#cache = cache;
    this.#now = now;
    this.#unflushedSpend = unflushedSpend;
  }

  async generate(
    request: KeyRequest & { key?: string | undefined },
  ): Promise<{ key: string; stored: StoredKey }> {
    const key = request.key ?? generateKey();
    if (!key.startsWith('sk-') || key.length < 20)
      throw new GatewayError('invalid_request', 'key must start with "sk-" and be at least 20 characters', {
        param: 'key',
      });
    const hash = hashKey(key);
    this.#refuseFileKey(hash);
    const now = new Date(this.#now());
    try {
      const stored = await this.#store.database.insert(hash, keyNameOf(key), fieldsOf(request, now));
      this.#cache.invalidate([hash]); // a "no such key" remembered a moment ago must not linger
      return { key, stored };
    } catch (error) {
      throw conflictOf(error);
    }
  }

  /** A key by hash: a file key (with its database spend) or an API key; spend includes what is not written yet. */
  async info(hash: string): Promise<StoredKey> {
    const found = await this.#store.find(hash, new Date(this.#now()));
    if (found === undefined) throw notFound();
    return { ...found, spend: found.spend + this.#unflushedSpend(found.hash) };
  }

  async update(hash: string, request: KeyRequest): Promise<StoredKey> {
    this.#refuseFileKey(hash);
    try {
      const updated = await this.#store.database.update(hash, fieldsOf(request, new Date(this.#now())));
      if (updated === undefined) throw notFound();
      this.#cache.invalidate([hash]);
      return updated;
    } catch (error) {
      throw conflictOf(error);
    }
  }

  async delete(by: { hashes?: readonly string[]; aliases?: readonly string[] }): Promise<string[]> {
    for (const hash of by.hashes ?? []) this.#refuseFileKey(hash);
    for (const alias of by.aliases ?? []) {
      const fileKey = this.#store.fileKeys().find((key) => key.key_alias === alias);
      if (fileKey !== undefined) this.#refuseFileKey(fileKey.hash);
    }
    const deleted = await this.#store.database.delete(by);
    if (deleted.length === 0) throw notFound();
    this.#cache.invalidate(deleted);
    return deleted;
  }

  async regenerate(
    hash: string,
    options: { gracePeriod?: string | undefined; newKey?: string | undefined },
  ): Promise<{ key: string; stored: StoredKey }> {
    this.#refuseFileKey(hash);
    const key = options.newKey ?? generateKey();
    const newHash = hashKey(key);
    this.#refuseFileKey(newHash);
    let graceUntil: Date | null = null;
    if (options.gracePeriod !== undefined) {
      const grace = parseDuration(options.gracePeriod);
      if (grace === undefined) throw badDuration('grace_period');
      graceUntil = addDuration(new Date(this.#now()), grace);
    }
    const stored = await this.#store.database.regenerate(hash, newHash, keyNameOf(key), graceUntil);
    if (stored === undefined) throw notFound();
    this.#cache.invalidate([hash, newHash]);
    return { key, stored };
  }

  async setBlocked(hash: string, blocked: boolean): Promise<StoredKey> {
    return this.update(hash, { blocked });
  }

  /** API keys first (oldest first), then file keys. */
  async list(page: number, size: number): Promise<{ keys: StoredKey[]; total: number }> {
    const offset = (page - 1) * size;
    const fromDb = await this.#store.database.list(offset, size);
    const fileKeys = this.#store.fileKeys();
    const fileOffset = Math.max(0, offset - fromDb.total);
    const room = size - fromDb.keys.length;
    const fromFile =
      room > 0 ? fileKeys.slice(fileOffset, fileOffset + room).map((key) => fromFileKey(key, 0, null)) : [];
    return { keys: [...fromDb.keys, ...fromFile], total: fromDb.total + fileKeys.length };
  }

  #refuseFileKey(hash: string): void {
    const fileKey = this.#store.fileKey(hash);
    if (fileKey !== undefined) {
      throw new GatewayError(
        'key_read_only',
        `this key comes from the keys file (source ${fileKey.source}); change it there, not through the API`,
      );
    }
  }
}

function fieldsOf(request: KeyRequest, now: Date): KeyFields {
  const fields: Record<string, unknown> = {
    alias: request.key_alias,
    models: request.models,
    maxBudget: request.max_budget,
    rpmLimit: request.rpm_limit,
    tpmLimit: request.tpm_limit,
    maxParallelRequests: request.max_parallel_requests,
    metadata: request.metadata,
    blocked: request.blocked,
  };
  if (request.duration !== undefined)
    fields.expires = request.duration === null ? null : afterDuration(request.duration, now, 'duration');
  if (request.budget_duration !== undefined) {
    fields.budgetDuration = request.budget_duration;
    // A budget period starts when it is set and resets every budget_duration from then.
    fields.budgetResetAt =
      request.budget_duration === null
        ? null
        : afterDuration(request.budget_duration, now, 'budget_duration');
  }
  return fields;
}

function afterDuration(text: string, now: Date, param: string): Date {
  const duration = parseDuration(text);
  if (duration === undefined) throw badDuration(param);
  return addDuration(now, duration);
}

function badDuration(param: string): GatewayError {
  return new GatewayError(
    'invalid_request',
    `${param} must be a duration such as 30s, 30m, 30h, 30d or 1mo`,
    {
      param,
    },
  );
}

function notFound(): GatewayError {
  return new GatewayError('key_not_found', 'no such key');
}

/** A unique violation: the alias (or caller-chosen key) is taken. */
function conflictOf(error: unknown): unknown {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  if (code !== '23505') return error;
  return constraint?.includes('alias') === true
    ? new GatewayError('invalid_request', 'key_alias is already used by another key', { param: 'key_alias' })
    : new GatewayError('invalid_request', 'this key already exists', { param: 'key' });
}

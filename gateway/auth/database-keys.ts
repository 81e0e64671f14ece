import type { Database } from '../db/database.ts';
import type { StoredKey } from './stored-key.ts';

/** A row of switchyard_keys as pg returns it. */
interface KeyRow {
  hash: string;
  key_alias: string | null;
  key_name: string | null;
  source: 'api' | 'file';
  models: string[];
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: Date | null;
  spend: number;
  rpm_limit: number | null;
  tpm_limit: number | null;
  max_parallel_requests: number | null;
  expires: Date | null;
  metadata: Record<string, unknown>;
  blocked: boolean;
  created_at: Date;
}

/** The fields the key API may set. */
export interface KeyFields {
  readonly alias?: string | null;
  readonly models?: readonly string[];
  readonly maxBudget?: number | null;
  readonly budgetDuration?: string | null;
  readonly budgetResetAt?: Date | null;
  readonly rpmLimit?: number | null;
  readonly tpmLimit?: number | null;
  readonly maxParallelRequests?: number | null;
  readonly expires?: Date | null;
  readonly metadata?: Record<string, unknown>;
  readonly blocked?: boolean;
}

const columns: Readonly<Record<keyof KeyFields, string>> = {
  alias: 'key_alias',
  models: 'models',
  maxBudget: 'max_budget',
  budgetDuration: 'budget_duration',
  budgetResetAt: 'budget_reset_at',
  rpmLimit: 'rpm_limit',
  tpmLimit: 'tpm_limit',
  maxParallelRequests: 'max_parallel_requests',
  expires: 'expires',
  metadata: 'metadata',
  blocked: 'blocked',
};

/** Keys made through the key API, in PostgreSQL. Also where keys-file keys keep their spend. */
export class DatabaseKeys {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** By hash, or by a previous hash still inside its regenerate grace period (one round trip). */
  async find(hash: string, now: Date): Promise<StoredKey | undefined> {
    const rows = await this.#db.query<KeyRow>(
      `SELECT k.* FROM switchyard_keys k WHERE k.hash = $1 AND k.source = 'api'
       UNION ALL
       SELECT k.* FROM switchyard_key_previous_hashes p JOIN switchyard_keys k ON k.hash = p.key_hash
        WHERE p.hash = $1 AND p.valid_until > $2 AND k.source = 'api'
       LIMIT 1`,
      [hash, now],
    );
    return rows[0] === undefined ? undefined : toStoredKey(rows[0]);
  }

  /** Spend of a keys-file key (its row is made on first use). */
  async spendOf(hash: string): Promise<{ spend: number; budgetResetAt: Date | null } | undefined> {
    const rows = await this.#db.query<{ spend: number; budget_reset_at: Date | null }>(
      'SELECT spend, budget_reset_at FROM switchyard_keys WHERE hash = $1',
      [hash],
    );
    const row = rows[0];
    return row === undefined ? undefined : { spend: row.spend, budgetResetAt: row.budget_reset_at };
  }

  async insert(hash: string, keyName: string, fields: KeyFields): Promise<StoredKey> {
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined) as [
      keyof KeyFields,
      unknown,
    ][];
    const names = ['hash', 'key_name', 'source', ...entries.map(([name]) => columns[name])];
    const values = [hash, keyName, 'api', ...entries.map(([name, value]) => encode(name, value))];
    const rows = await this.#db.query<KeyRow>(
      `INSERT INTO switchyard_keys (${names.join(', ')}) VALUES (${names.map((_, index) => `$${index + 1}`).join(', ')})
       RETURNING *`,
      values,
    );
    const row = rows[0];
    if (row === undefined) throw new Error('INSERT ... RETURNING gave no row');
    return toStoredKey(row);
  }

  async update(hash: string, fields: KeyFields): Promise<StoredKey | undefined> {
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined) as [
      keyof KeyFields,
      unknown,
    ][];
    const sets = entries.map(([name], index) => `${columns[name]} = $${index + 2}`);
    const rows = await this.#db.query<KeyRow>(
      `UPDATE switchyard_keys SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE hash = $1 AND source = 'api' RETURNING *`,
      [hash, ...entries.map(([name, value]) => encode(name, value))],
    );
    return rows[0] === undefined ? undefined : toStoredKey(rows[0]);
  }

  /** Deletes API keys by hash or alias; returns the hashes deleted. */
  async delete(by: { hashes?: readonly string[]; aliases?: readonly string[] }): Promise<string[]> {
    return this.#db.transaction(async (client) => {
      const deleted = await client.query<{ hash: string }>(
        `DELETE FROM switchyard_keys WHERE source = 'api' AND (hash = ANY($1) OR key_alias = ANY($2)) RETURNING hash`,
        [by.hashes ?? [], by.aliases ?? []],
      );
      const hashes = deleted.rows.map((row) => row.hash);
      await client.query('DELETE FROM switchyard_key_previous_hashes WHERE key_hash = ANY($1)', [hashes]);
      return hashes;
    });
  }

  /** Moves a key to a new hash; the old one keeps working until `graceUntil` (or stops at once). */
  async regenerate(
    oldHash: string,
    newHash: string,
    keyName: string,
    graceUntil: Date | null,
  ): Promise<StoredKey | undefined> {
    return this.#db.transaction(async (client) => {
      const moved = await client.query<KeyRow>(
        `UPDATE switchyard_keys SET hash = $2, key_name = $3, updated_at = now() WHERE hash = $1 AND source = 'api' RETURNING *`,
        [oldHash, newHash, keyName],
      );
      if (moved.rows[0] === undefined) return undefined;
      await client.query('UPDATE switchyard_key_previous_hashes SET key_hash = $2 WHERE key_hash = $1', [
        oldHash,
        newHash,
      ]);
      if (graceUntil !== null) {
        await client.query(
          `INSERT INTO switchyard_key_previous_hashes (hash, key_hash, valid_until) VALUES ($1, $2, $3)
           ON CONFLICT (hash) DO UPDATE SET key_hash = $2, valid_until = $3`,
          [oldHash, newHash, graceUntil],
        );
      }
      return toStoredKey(moved.rows[0]);
    });
  }

  async list(offset: number, limit: number): Promise<{ keys: StoredKey[]; total: number }> {
    const [rows, count] = await Promise.all([
      this.#db.query<KeyRow>(
        "SELECT * FROM switchyard_keys WHERE source = 'api' ORDER BY created_at, hash OFFSET $1 LIMIT $2",
        [offset, limit],
      ),
      this.#db.query<{ total: string }>("SELECT count(*) AS total FROM switchyard_keys WHERE source = 'api'"),
    ]);
    return { keys: rows.map(toStoredKey), total: Number(count[0]?.total ?? 0) };
  }

  /** Hashes of the previous keys of `hash` (to drop them from caches when the key changes). */
  async previousHashesOf(hash: string): Promise<string[]> {
    const rows = await this.#db.query<{ hash: string }>(
      'SELECT hash FROM switchyard_key_previous_hashes WHERE key_hash = $1',
      [hash],
    );
    return rows.map((row) => row.hash);
  }
}

function encode(name: keyof KeyFields, value: unknown): unknown {
  return name === 'metadata' ? JSON.stringify(value) : value;
}

function toStoredKey(row: KeyRow): StoredKey {
  return {
    hash: row.hash,
    keyName: row.key_name,
    alias: row.key_alias,
    source: { kind: 'api' },
    models: row.models,
    maxBudget: row.max_budget,
    budgetDuration: row.budget_duration,
    budgetResetAt: row.budget_reset_at,
    spend: row.spend,
    rpmLimit: row.rpm_limit,
    tpmLimit: row.tpm_limit,
    maxParallelRequests: row.max_parallel_requests,
    expires: row.expires,
    metadata: row.metadata,
    blocked: row.blocked,
    createdAt: row.created_at,
  };
}

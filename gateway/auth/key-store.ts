import { DatabaseKeys } from './database-keys.ts';
import type { FileKey } from './keys-file-schema.ts';
import type { KeysFile } from './keys-file.ts';
import type { StoredKey } from './stored-key.ts';

/**
 * Where keys come from, behind one lookup: the keys file (the operator's VirtualKeys, read-only) and the
 * database (the key API). A hash in both is the file's: the operator's declaration wins. Either way spend lives
 * in the database under the key's hash.
 */
export class KeyStore {
  readonly database: DatabaseKeys;
  readonly #file: KeysFile | undefined;

  constructor(database: DatabaseKeys, file: KeysFile | undefined) {
    this.database = database;
    this.#file = file;
  }

  /** The file key with this hash, if the keys file declares one. */
  fileKey(hash: string): FileKey | undefined {
    return this.#file?.get(hash);
  }

  fileKeys(): readonly FileKey[] {
    return this.#file?.all() ?? [];
  }

  /** Looks a key up by its hash: one database round trip (a file key reads its spend row). */
  async find(hash: string, now: Date): Promise<StoredKey | undefined> {
    const fromFile = this.fileKey(hash);
    if (fromFile !== undefined) {
      const spend = await this.database.spendOf(hash);
      return fromFileKey(fromFile, spend?.spend ?? 0, spend?.budgetResetAt ?? null);
    }
    return this.database.find(hash, now);
  }
}

export function fromFileKey(key: FileKey, spend: number, budgetResetAt: Date | null): StoredKey {
  return {
    hash: key.hash,
    keyName: null,
    alias: key.key_alias ?? null,
    source: { kind: 'file', name: key.source },
    models: key.models ?? [],
    maxBudget: key.max_budget ?? null,
    budgetDuration: key.budget_duration ?? null,
    budgetResetAt,
    spend,
    rpmLimit: key.rpm_limit ?? null,
    tpmLimit: key.tpm_limit ?? null,
    maxParallelRequests: key.max_parallel_requests ?? null,
    expires: key.expires === undefined ? null : new Date(key.expires),
    metadata: key.metadata ?? {},
    blocked: false,
    createdAt: null,
  };
}

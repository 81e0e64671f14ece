import { randomUUID } from 'node:crypto';
import { isCredentialKey } from '../config/references.ts';
import type { ModelEntry } from '../config/schema.ts';
import type { Database } from './database.ts';
import { SecretKeyError, type SecretBox } from './secret-box.ts';

export interface StoredModel {
  readonly id: string;
  readonly modelName: string;
  /** Without credentials. */
  readonly litellmParams: Record<string, unknown>;
  readonly modelInfo: Record<string, unknown>;
  /** Names of the credential params stored encrypted. */
  readonly credentialNames: readonly string[];
}

/** A stored model's full `model_list` entry, credentials decrypted; `model_info.id` is its id. */
export interface StoredEntry {
  readonly id: string;
  readonly entry: ModelEntry;
}

/** A stored model whose credentials cannot be opened (wrong or missing salt key): never served. */
export interface UnreadableModel {
  readonly id: string;
  readonly modelName: string;
  readonly reason: string;
}

interface ModelRow {
  id: string;
  model_name: string;
  litellm_params: Record<string, unknown>;
  litellm_params_encrypted: string | null;
  model_info: Record<string, unknown>;
}

const byCreation = 'SELECT * FROM switchyard_models ORDER BY created_at, id';

/** Models added through the API (`POST /model/new`); their credentials are sealed before they reach the database. */
export class StoredModels {
  readonly #db: Database;
  readonly #box: SecretBox | undefined;

  constructor(db: Database, box: SecretBox | undefined) {
    this.#db = db;
    this.#box = box;
  }

  /** Stores the model; undefined when its `model_info.id` is taken. */
  async add(entry: ModelEntry): Promise<StoredModel | undefined> {
    // Limits written beside litellm_params would be lost with the columns we keep: fold them in (inside wins).
    const besides = Object.entries({ rpm: entry.rpm, tpm: entry.tpm }).filter(
      ([, value]) => value !== undefined,
    );
    const params = { ...Object.fromEntries(besides), ...entry.litellm_params } as Record<string, unknown>;
    const credentials = Object.fromEntries(Object.entries(params).filter(([name]) => isCredentialKey(name)));
    const plain = Object.fromEntries(Object.entries(params).filter(([name]) => !isCredentialKey(name)));
    let sealed: string | null = null;
    if (Object.keys(credentials).length > 0) {
      if (this.#box === undefined)
        throw new SecretKeyError('set SWITCHYARD_SALT_KEY to store models with credentials in the database');
      sealed = this.#box.seal(JSON.stringify(credentials));
    }
    const id = typeof entry.model_info?.id === 'string' ? entry.model_info.id : randomUUID();
    const rows = await this.#db.query<ModelRow>(
      `INSERT INTO switchyard_models (id, model_name, litellm_params, litellm_params_encrypted, model_info)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING *`,
      [id, entry.model_name, JSON.stringify(plain), sealed, JSON.stringify({ ...entry.model_info, id })],
    );
    const row = rows[0];
    return row === undefined ? undefined : { ...toModel(row), credentialNames: Object.keys(credentials) };
  }

  /** Every stored model, its credentials checked to decrypt: a wrong salt key fails here, loudly. */
  async list(): Promise<StoredModel[]> {
    const rows = await this.#db.query<ModelRow>(byCreation);
    return rows.map((row) => ({ ...toModel(row), credentialNames: Object.keys(this.#credentialsOf(row)) }));
  }

  /**
   * A cheap fingerprint of the stored set (one small aggregate, no decryption): it changes whenever a model is
   * added or deleted, so other pods read the entries only then (a re-added id has a new `created_at`).
   * Undefined until the schema is prepared.
   */
  async signature(): Promise<string | undefined> {
    if (!this.#db.ready) return undefined;
    const rows = await this.#db.query<{ count: number; digest: string }>(
      `SELECT count(*)::int AS count,
              coalesce(md5(string_agg(id || '@' || created_at::text, ',' ORDER BY id)), '') AS digest
         FROM switchyard_models`,
    );
    return `${rows[0]?.count ?? 0}:${rows[0]?.digest ?? ''}`;
  }

  /**
   * The full `model_list` entries, credentials included, for the router; a model whose credentials cannot be
   * opened is returned apart, so one bad row never hides the others.
   */
  async entries(): Promise<{ entries: StoredEntry[]; unreadable: UnreadableModel[] }> {
    const rows = await this.#db.query<ModelRow>(byCreation);
    const entries: StoredEntry[] = [];
    const unreadable: UnreadableModel[] = [];
    for (const row of rows) {
      let credentials: Record<string, unknown>;
      try {
        credentials = this.#credentialsOf(row);
      } catch (error) {
        if (!(error instanceof SecretKeyError)) throw error;
        unreadable.push({ id: row.id, modelName: row.model_name, reason: error.message });
        continue;
      }
      entries.push({
        id: row.id,
        entry: {
          model_name: row.model_name,
          litellm_params: { ...row.litellm_params, ...credentials } as ModelEntry['litellm_params'],
          model_info: { ...row.model_info, id: row.id },
        },
      });
    }
    return { entries, unreadable };
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.#db.query<{ id: string }>(
      'DELETE FROM switchyard_models WHERE id = $1 RETURNING id',
      [id],
    );
    return rows.length > 0;
  }

  #credentialsOf(row: ModelRow): Record<string, unknown> {
    if (row.litellm_params_encrypted === null) return {};
    if (this.#box === undefined)
      throw new SecretKeyError(
        'stored models have encrypted credentials: set SWITCHYARD_SALT_KEY to read them',
      );
    return JSON.parse(this.#box.open(row.litellm_params_encrypted)) as Record<string, unknown>;
  }
}

function toModel(row: ModelRow): Omit<StoredModel, 'credentialNames'> {
  return {
    id: row.id,
    modelName: row.model_name,
    litellmParams: row.litellm_params,
    modelInfo: row.model_info,
  };
}

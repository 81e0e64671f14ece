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

interface ModelRow {
  id: string;
  model_name: string;
  litellm_params: Record<string, unknown>;
  litellm_params_encrypted: string | null;
  model_info: Record<string, unknown>;
}

/** Models added through the API (`POST /model/new`); their credentials are sealed before they reach the database. */
export class StoredModels {
  readonly #db: Database;
  readonly #box: SecretBox | undefined;

  constructor(db: Database, box: SecretBox | undefined) {
    this.#db = db;
    this.#box = box;
  }

  async add(entry: ModelEntry): Promise<StoredModel> {
    const params = entry.litellm_params as Record<string, unknown>;
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
       VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [id, entry.model_name, JSON.stringify(plain), sealed, JSON.stringify({ ...entry.model_info, id })],
    );
    return { ...toModel(rows[0] ?? ({} as ModelRow)), credentialNames: Object.keys(credentials) };
  }

  /** Every stored model, its credentials checked to decrypt: a wrong salt key fails here, loudly. */
  async list(): Promise<StoredModel[]> {
    const rows = await this.#db.query<ModelRow>('SELECT * FROM switchyard_models ORDER BY created_at, id');
    return rows.map((row) => ({ ...toModel(row), credentialNames: Object.keys(this.#credentialsOf(row)) }));
  }

  /** The full `model_list` entries, credentials included, for a router that serves database models. */
  async entries(): Promise<ModelEntry[]> {
    const rows = await this.#db.query<ModelRow>('SELECT * FROM switchyard_models ORDER BY created_at, id');
    return rows.map((row) => ({
      model_name: row.model_name,
      litellm_params: { ...row.litellm_params, ...this.#credentialsOf(row) } as ModelEntry['litellm_params'],
      model_info: row.model_info,
    }));
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

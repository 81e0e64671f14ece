import type { SpendRecord } from './spend-record.ts';

/** What a batch's spend update needs of each key: where it comes from, its period, the batch's spend on it. */
export interface KeyInBatch {
  readonly source: 'api' | 'file';
  readonly budgetDuration: string | null;
  cost: number;
}

/** A batch as the writer takes it: the insert's parameter and the keys it spends on. */
export interface LedgerBatch {
  readonly rows: number;
  /** The rows as a JSON array: text, or the bytes of jsonb's binary form (a version byte 1, then the text). */
  readonly parameter: string | Buffer;
  readonly keys: ReadonlyMap<string, KeyInBatch>;
}

const initialBytes = 16 * 1024;

/**
 * Ledger rows serialized as they are added, into a Buffer: off the JS heap. A record kept until its batch was
 * written (~300 B in six objects) was ~90% of what the young generation promoted (~500 against ~50 B a
 * request without them), and what then took mark-compacts; the batch's JSON, a 100 KB string, went to the
 * old generation too. A row is the JSON array `logRow` makes. The insert takes the Buffer itself as jsonb
 * in binary form; a Redis queue holds the text (`json`).
 */
export class SpendRows implements LedgerBatch {
  readonly keys = new Map<string, KeyInBatch>();
  /** jsonb's version byte, `[` and the rows so far, comma-separated; the array is closed just past `#bytes`. */
  #buffer = opening();
  #bytes = 2;
  #rows = 0;

  static of(records: Iterable<SpendRecord>): SpendRows {
    const rows = new SpendRows();
    for (const record of records) rows.add(record);
    return rows;
  }

  get rows(): number {
    return this.#rows;
  }

  add(record: SpendRecord): void {
    const row = JSON.stringify(logRow(record));
    // A UTF-16 code unit takes at most three bytes in UTF-8; one more for the comma.
    this.#reserve(row.length * 3 + 1);
    if (this.#rows > 0) this.#buffer[this.#bytes++] = 0x2c; // ','
    this.#bytes += this.#buffer.write(row, this.#bytes);
    this.#rows++;
    if (record.keyHash === null || record.keySource === null) return;
    addSpend(this.keys, record.keyHash, record.keySource, record.budgetDuration, record.cost);
  }

  get parameter(): Buffer {
    return this.#closed().subarray(0, this.#bytes + 1);
  }

  get json(): string {
    return this.#closed().toString('utf8', 1, this.#bytes + 1);
  }

  #closed(): Buffer {
    this.#reserve(1);
    this.#buffer[this.#bytes] = 0x5d; // ']'
    return this.#buffer;
  }

  #reserve(bytes: number): void {
    if (this.#bytes + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#bytes + bytes));
    this.#buffer.copy(grown, 0, 0, this.#bytes);
    this.#buffer = grown;
  }
}

function opening(): Buffer {
  const buffer = Buffer.allocUnsafe(initialBytes);
  buffer[0] = 1; // jsonb's binary format version
  buffer[1] = 0x5b; // '['
  return buffer;
}

/**
 * A record as a row of the batch: the ledger's columns in the writer's order, its time as epoch milliseconds
 * (JSON.stringify writes a number several times faster than a Date), then the key's source and budget
 * duration, which a queued batch needs for its keys' spend and the insert ignores.
 */
function logRow(record: SpendRecord): unknown[] {
  return [
    record.id,
    record.requestId,
    record.keyHash,
    record.keyAlias,
    record.modelGroup,
    record.deployment,
    record.provider,
    record.promptTokens,
    record.completionTokens,
    record.cost,
    Math.round(record.latencyMs),
    record.status,
    record.cacheHit,
    record.createdAt.getTime(),
    record.keySource,
    record.budgetDuration,
  ];
}

/** Column positions of the key facts in a row (after the ledger's 14 columns). */
const keyHashAt = 2;
const costAt = 9;
const keySourceAt = 14;
const budgetDurationAt = 15;

/** A batch read back from its JSON (a queued batch): its keys from the rows. */
export function batchOfJson(json: string): LedgerBatch {
  const rows = JSON.parse(json) as unknown[][];
  const keys = new Map<string, KeyInBatch>();
  for (const row of rows) {
    const hash = row[keyHashAt];
    const source = row[keySourceAt];
    if (typeof hash !== 'string' || (source !== 'api' && source !== 'file')) continue;
    const duration = row[budgetDurationAt];
    addSpend(keys, hash, source, typeof duration === 'string' ? duration : null, Number(row[costAt]));
  }
  return { rows: rows.length, parameter: json, keys };
}

/** Adds a row's cost to its key in a batch, filing the key on its first row. */
function addSpend(
  keys: Map<string, KeyInBatch>,
  hash: string,
  source: KeyInBatch['source'],
  budgetDuration: string | null,
  cost: number,
): void {
  const key = keys.get(hash);
  if (key === undefined) keys.set(hash, { source, budgetDuration, cost });
  else key.cost += cost;
}

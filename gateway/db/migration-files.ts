import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One versioned SQL file of `migrations/`, named `NNNN_what.sql`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
  /**
   * From the file's `-- min_code_level: N` line: the oldest code (by the highest migration it ships) that still
   * works on the schema once this file is applied. Expand migrations keep it; a contract migration raises it.
   */
  readonly minCodeLevel: number;
}

const fileName = /^(\d{4})_([\w-]+)\.sql$/;
const minCodeLevelLine = /^--\s*min_code_level:\s*(\d+)\s*$/m;

/** Beside this file in the source tree; from the build (`dist/gateway/db/`), the SQL files stay in `gateway/db/`. */
export const migrationsDir =
  [
    join(import.meta.dirname, 'migrations'),
    join(import.meta.dirname, '..', '..', '..', 'gateway', 'db', 'migrations'),
  ].find((dir) => existsSync(dir)) ?? join(import.meta.dirname, 'migrations');

export function readMigrations(dir: string = migrationsDir): Migration[] {
  return readdirSync(dir)
    .flatMap((file) => {
      const match = fileName.exec(file);
      if (match === null) return [];
      const sql = readFileSync(join(dir, file), 'utf8');
      const version = Number(match[1]);
      const minCodeLevel = Number(minCodeLevelLine.exec(sql)?.[1] ?? 1);
      if (minCodeLevel > version)
        throw new Error(`${file}: min_code_level ${minCodeLevel} is after the file`);
      return [
        {
          version,
          name: match[2] ?? file,
          sql,
          checksum: createHash('sha256').update(sql).digest('hex'),
          minCodeLevel,
        },
      ];
    })
    .sort((a, b) => a.version - b.version);
}

/** This code's schema level: the highest migration it ships. */
export function codeSchemaLevel(migrations: readonly Migration[] = readMigrations()): number {
  return migrations.at(-1)?.version ?? 0;
}

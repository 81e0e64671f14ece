import { describe, expect, it } from 'vitest';
import { codeSchemaLevel, readMigrations } from './migration-files.ts';

describe('migration files', () => {
  it('are numbered from 1 without gaps, each declaring the oldest code it supports', () => {
    const migrations = readMigrations();
    expect(migrations.map((migration) => migration.version)).toEqual(migrations.map((_, index) => index + 1));
    for (const migration of migrations) {
      expect(migration.sql).toMatch(/^-- min_code_level: \d+$/m);
      expect(migration.minCodeLevel).toBeLessThanOrEqual(migration.version);
    }
    expect(codeSchemaLevel(migrations)).toBe(migrations.length);
  });
});

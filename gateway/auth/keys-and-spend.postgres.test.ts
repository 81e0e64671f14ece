import { describe, it } from 'vitest';
import { keyAndSpendSuite } from '../test-support/key-and-spend-suite.ts';
import { createPostgresDatabase, realPostgres } from '../test-support/test-database.ts';

if (realPostgres()) keyAndSpendSuite('PostgreSQL', createPostgresDatabase);
else
  describe.skip('virtual keys and spend (PostgreSQL: no server in this run)', () => {
    it.todo('needs postgresql-15');
  });

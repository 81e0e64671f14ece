import { describe, expect, it } from 'vitest';
import { databaseSettingsOf } from './settings.ts';

describe('database settings', () => {
  it('reads LiteLLM’s pool and timeout settings, the environment winning for the pool limit', () => {
    const general = { database_connection_pool_limit: 4, database_connection_timeout: 2.5 };
    expect(databaseSettingsOf(general, {})).toMatchObject({ poolLimit: 4, connectionTimeoutMs: 2500 });
    expect(databaseSettingsOf(general, { DATABASE_CONNECTION_POOL_LIMIT: '7' }).poolLimit).toBe(7);
    expect(databaseSettingsOf({}, {})).toMatchObject({ poolLimit: 10, connectionTimeoutMs: 5000 });
  });
});

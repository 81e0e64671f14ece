import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../e2e/bench/processes.ts';
import { callApi, openaiClient, testMasterKey } from '../../test-support/key-api-client.ts';
import { createPostgresDatabase, realPostgres, type TestStore } from '../../test-support/test-database.ts';

const config = `
model_list:
  - model_name: cheap
    litellm_params: { model: mock/cheap, mock_latency_ms: 50, input_cost_per_token: 0.001, output_cost_per_token: 0.002 }
general_settings:
  master_key: ${testMasterKey}
  proxy_batch_write_at: 60
`;

describe.skipIf(!realPostgres())('SIGTERM mid-traffic (a real gateway process)', () => {
  let store: TestStore;

  beforeAll(async () => {
    store = await createPostgresDatabase();
  });
  afterAll(async () => {
    await store.dispose();
  });

  it('writes every spend row before it exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-sigterm-'));
    writeFileSync(join(dir, 'config.yaml'), config);
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, '..', '..', 'cli.ts'),
        'serve',
        '--config',
        join(dir, 'config.yaml'),
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ],
      {
        env: { ...process.env, DATABASE_URL: store.url ?? '', SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null]>;
    const url = `http://127.0.0.1:${port}`;
    let key: { key: string; token: string } | undefined;
    const deadline = Date.now() + 20_000;
    while (key === undefined) {
      const made = await callApi(url, 'POST', '/key/generate', {}).catch(() => undefined);
      if (made?.status === 200) key = made.body as { key: string; token: string };
      else if (Date.now() > deadline) throw new Error(`gateway did not start:\n${output}`);
      else await sleep(100);
    }

    let running = true;
    let succeeded = 0;
    const client = openaiClient(url, key.key);
    const workers = Array.from({ length: 8 }, async () => {
      while (running) {
        try {
          await client.chat.completions.create({
            model: 'cheap',
            messages: [{ role: 'user', content: 'hi' }],
          });
          succeeded++;
        } catch {
          await sleep(20); // the listener is closed: the gateway is going away
        }
      }
    });
    await sleep(700);
    child.kill('SIGTERM');
    const [code] = await exited;
    running = false;
    await Promise.all(workers);

    expect(code).toBe(0);
    expect(succeeded).toBeGreaterThan(20);
    const db = new pg.Client({ connectionString: store.url });
    await db.connect();
    const rows = await db.query<{ rows: string; cost: number }>(
      'SELECT count(*) AS rows, sum(cost) AS cost FROM switchyard_spend_logs WHERE key_hash = $1',
      [key.token],
    );
    const spend = await db.query<{ spend: number }>('SELECT spend FROM switchyard_keys WHERE hash = $1', [
      key.token,
    ]);
    await db.end();
    expect(Number(rows.rows[0]?.rows)).toBe(succeeded);
    expect(spend.rows[0]?.spend).toBeCloseTo(rows.rows[0]?.cost ?? -1, 9);
    expect(output).not.toContain(key.key);
    expect(output).not.toContain(testMasterKey);
  });
});

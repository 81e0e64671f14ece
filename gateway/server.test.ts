import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { freePort, waitForHttp } from '../e2e/bench/processes.ts';

describe('npm start: the gateway on the built-in demo config', () => {
  it('serves mock models with no keys or services, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const { CONFIG_FILE_PATH: _ignored, ...inherited } = process.env;
    const env = { ...inherited, SWITCHYARD_MASTER_KEY: '', LITELLM_MASTER_KEY: '', OPENAI_API_KEY: '' };
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'cli.ts'), '--port', String(port), '--host', '127.0.0.1'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health/liveliness`);
      const client = new OpenAI({
        apiKey: 'anything',
        baseURL: `http://127.0.0.1:${port}/v1`,
        maxRetries: 0,
      });
      const reply = await client.chat.completions.create({
        model: 'mock-gpt',
        messages: [{ role: 'user', content: 'hello' }],
      });
      expect(reply.choices[0]?.message.content).toContain('hello');
      expect((await client.models.list()).data.map((model) => model.id)).toContain('mock-embedding');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(output).toContain('no master key configured');
  });
});

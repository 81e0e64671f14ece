import { mkdtempSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { get } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForHttp } from '../e2e/bench/processes.ts';
import { openAIProtocol } from '../e2e/fake-upstream/openai.ts';
import { startFakeUpstream, type FakeUpstream } from '../e2e/fake-upstream/server.ts';
import { eventually, spawnGateway, type GatewayProcess } from './test-support/operations.ts';

describe('npm start: the gateway on the built-in demo config', () => {
  it('serves mock models with no keys or services, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const gateway = spawnGateway(['--port', String(port), '--host', '127.0.0.1'], {
      OPENAI_API_KEY: '',
      SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '0',
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health/liveliness`, 60_000);
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
      gateway.child.kill('SIGTERM');
    }
    expect(await gateway.exited).toBe(0);
    expect(gateway.output()).toContain('no master key configured');
  });
});

describe('production mode', () => {
  it('refuses to start without a master key (SWITCHYARD_MODE or LITELLM_MODE)', async () => {
    for (const env of [{ SWITCHYARD_MODE: 'production' }, { LITELLM_MODE: 'PRODUCTION' }]) {
      const gateway = spawnGateway(['--port', String(await freePort()), '--host', '127.0.0.1'], env);
      expect(await gateway.exited).toBe(1);
      expect(gateway.output()).toContain('no master key');
    }
  });
});

let upstream: FakeUpstream;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-server-'));
beforeAll(async () => {
  upstream = await startFakeUpstream([openAIProtocol()]);
});
afterAll(async () => {
  await upstream.close();
});

function writeConfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const upstreamConfig = () => `
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}/v1, api_key: sk-upstream-drain }
litellm_settings: { request_timeout: 60 }
`;

async function startProcess(config: string, env: Record<string, string> = {}, args: string[] = []) {
  const port = await freePort();
  const gateway = spawnGateway(
    ['--config', config, '--port', String(port), '--host', '127.0.0.1', ...args],
    env,
  );
  const url = `http://127.0.0.1:${port}`;
  // Generous: on a loaded 2-core machine a child can take long to start.
  await waitForHttp(`${url}/health/liveliness`, 60_000);
  return { gateway, url };
}

/** A GET on a new connection (no pooled keep-alive socket), as a kubelet probe makes. */
function freshGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, timeout: 2000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body });
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

async function stopped(gateway: GatewayProcess): Promise<number | null> {
  if (gateway.child.exitCode === null) gateway.child.kill('SIGTERM');
  return gateway.exited;
}

const words = (index: number) => `request ${index} with a few more words to stream slowly`;

async function chat(url: string, index: number): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: words(index) }] }),
  });
  const body = (await response.json()) as { choices?: { message: { content: string } }[] };
  return { status: response.status, text: body.choices?.[0]?.message.content ?? '' };
}

async function streamChat(url: string, index: number): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt',
      stream: true,
      messages: [{ role: 'user', content: words(index) }],
    }),
  });
  const raw = await response.text();
  const frames = raw.split('\n\n').filter((frame) => frame.startsWith('data: '));
  if (frames.at(-1) !== 'data: [DONE]') return { status: response.status, text: '(cut) ' + raw };
  const text = frames
    .slice(0, -1)
    .map(
      (frame) =>
        (JSON.parse(frame.slice(6)) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta
          .content ?? '',
    )
    .join('');
  return { status: response.status, text };
}

describe('drain on SIGTERM (a real process, real sockets)', () => {
  it('fails readiness at once, finishes 100 in-flight requests (20 streams) with full bodies, exits 0', async () => {
    upstream.reset();
    const { gateway, url } = await startProcess(writeConfig('drain.yaml', upstreamConfig()), {
      SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '1',
    });
    try {
      const ready = await fetch(`${url}/health/readiness`);
      expect(ready.status).toBe(200);
      // Longer than common LB idle timeouts, so the load balancer closes idle connections first.
      expect(ready.headers.get('keep-alive')).toBe('timeout=620');

      const isStream = (request: { body: unknown }) => (request.body as { stream?: boolean }).stream === true;
      upstream.fail({ kind: 'delay', ms: 3000 }, 80, (request) => !isStream(request));
      upstream.setChunkDelay(200);
      const pending = Array.from({ length: 100 }, (_, index) =>
        index < 20 ? streamChat(url, index) : chat(url, index),
      );
      await eventually(() => upstream.requests.length >= 100, 30_000, 'all 100 requests upstream');

      gateway.child.kill('SIGTERM');
      await eventually(
        async () => (await fetch(`${url}/health/readiness`)).status === 503,
        5_000,
        'readiness 503 after SIGTERM',
      );
      // Still accepting during the shutdown delay: endpoint removal takes time.
      upstream.fail({ kind: 'delay', ms: 0 }, 1);
      expect((await chat(url, 1000)).status).toBe(200);

      const results = await Promise.all(pending);
      results.forEach((result, index) => {
        expect(result.status, `request ${index}`).toBe(200);
        expect(result.text, `request ${index}`).toBe(`echo: ${words(index)}`);
      });
      expect(await gateway.exited).toBe(0);
      expect(gateway.output()).toContain('drained; exiting');
    } finally {
      upstream.setChunkDelay(0);
      await stopped(gateway);
    }
  }, 90_000);

  it('drains and exits 0 by itself after max_requests_before_restart requests', async () => {
    upstream.reset();
    const { gateway, url } = await startProcess(
      writeConfig('restart.yaml', upstreamConfig()),
      { SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '0.5' },
      ['--max_requests_before_restart', '5'],
    );
    try {
      for (let index = 0; index < 5; index++) expect((await chat(url, index)).status).toBe(200);
      expect(await gateway.exited).toBe(0);
      expect(gateway.output()).toContain('max_requests_before_restart');
    } finally {
      await stopped(gateway);
    }
  }, 60_000);
});

describe('forced exit', () => {
  it('exits 1 at once on a second SIGTERM, and when the drain bound passes', async () => {
    upstream.reset();
    for (const [env, signals] of [
      [{ SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '30' }, 2],
      [{ SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '0', SWITCHYARD_DRAIN_TIMEOUT_SECONDS: '0.5' }, 1],
    ] as const) {
      upstream.fail({ kind: 'delay', ms: 20_000 }, 1);
      const { gateway, url } = await startProcess(writeConfig('forced.yaml', upstreamConfig()), env);
      try {
        const stuck = chat(url, 1).catch(() => undefined);
        await eventually(() => upstream.requests.length > 0, 10_000, 'the request upstream');
        const started = Date.now();
        gateway.child.kill('SIGTERM');
        if (signals === 2) {
          await eventually(
            async () => (await fetch(`${url}/health/readiness`)).status === 503,
            5_000,
            'draining',
          );
          gateway.child.kill('SIGTERM');
        }
        expect(await gateway.exited).toBe(1);
        expect(Date.now() - started).toBeLessThan(25_000);
        await stuck;
      } finally {
        upstream.reset();
        await stopped(gateway);
      }
    }
  }, 90_000);
});

describe('start with an invalid config file', () => {
  it('stays up and unready (503) until the file is fixed, then serves it', async () => {
    const config = writeConfig(
      'invalid.yaml',
      'model_list:\n  - model_name: x\n    litellm_params: { model: nowhere/x }\n',
    );
    const { gateway, url } = await startProcess(config, {
      SWITCHYARD_CONFIG_POLL_SECONDS: '0.2',
      SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '0',
    });
    try {
      const readiness = await fetch(`${url}/health/readiness`);
      expect(readiness.status).toBe(503);
      expect(await readiness.json()).toMatchObject({ status: 'starting' });
      expect((await chat(url, 1)).status).toBe(503);

      writeFileSync(config, upstreamConfig());
      await eventually(
        async () => (await fetch(`${url}/health/readiness`).catch(() => undefined))?.status === 200,
        20_000,
        'readiness 200 after the fix',
      );
      expect(await chat(url, 2)).toEqual({ status: 200, text: `echo: ${words(2)}` });
      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
    } finally {
      await stopped(gateway);
    }
  }, 60_000);
});

describe('SEPARATE_HEALTH_APP', () => {
  it('answers probes on the health port while the main port is saturated', async () => {
    upstream.reset();
    const healthPort = await freePort();
    const { gateway, url } = await startProcess(writeConfig('separate.yaml', upstreamConfig()), {
      SEPARATE_HEALTH_APP: '1',
      SEPARATE_HEALTH_PORT: String(healthPort),
      SWITCHYARD_MAX_CONNECTIONS: '20',
      SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '0',
    });
    const health = `http://127.0.0.1:${healthPort}`;
    try {
      upstream.fail({ kind: 'delay', ms: 4000 }, 30);
      // More clients than the connection cap: the main port is full.
      const load = Array.from({ length: 30 }, (_, index) =>
        chat(url, index).then(
          (result) => result.status,
          () => 'refused' as const,
        ),
      );
      await eventually(() => upstream.requests.length >= 15, 20_000, 'requests upstream');
      // The main port takes no more connections...
      await expect(freshGet(`${url}/health/readiness`)).rejects.toThrow();
      // ...while the health port answers well within a probe's timeout.
      const started = performance.now();
      const readiness = await freshGet(`${health}/health/readiness`);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(readiness.status).toBe(200);
      expect(JSON.parse(readiness.body)).toMatchObject({ status: 'healthy' });
      expect((await fetch(`${health}/health/liveliness`)).status).toBe(200);
      const outcomes = await Promise.all(load);
      expect(outcomes.filter((outcome) => outcome === 200).length).toBeGreaterThanOrEqual(15);
      expect(outcomes).toContain('refused');
      expect(outcomes.every((outcome) => outcome === 200 || outcome === 'refused')).toBe(true);
      // A connection that never sends a byte (a probe's preconnect) does not hold the health port's close.
      const silent = connect(healthPort, '127.0.0.1');
      silent.on('error', () => undefined);
      await once(silent, 'connect');
      const signalled = performance.now();
      gateway.child.kill('SIGTERM');
      expect(await gateway.exited).toBe(0);
      expect(performance.now() - signalled).toBeLessThan(5000);
      silent.destroy();
    } finally {
      await stopped(gateway);
    }
  }, 60_000);
});

import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAIProtocol } from '../../e2e/fake-upstream/openai.ts';
import { startFakeUpstream, type FakeUpstream } from '../../e2e/fake-upstream/server.ts';
import { startOpsGateway, type OpsGateway } from '../test-support/operations.ts';
import fc from 'fast-check';
import { scrubSecrets } from '../errors.ts';
import { LogScrubber } from './scrubber.ts';

/** Distinctive fake secrets, one for every place a secret can travel. */
const canary = {
  master: 'sk-canary-master-aaaa1111bbbb',
  providerFromEnv: 'prov-canary-7d1e2f3a4b5c',
  providerLiteral: 'zq9canaryliteral55aa66bb',
  wrongBearer: 'sk-canary-wrong-client-9999',
  xApiKey: 'xak-canary-3141592653',
  apiKeyHeader: 'apik-canary-2718281828',
  queryKey: 'qs-canary-1618033988',
  saltKey: 'salt-canary-5772156649',
  prompt: 'prompt-canary-SECRETPROMPT',
};

const configOf = (upstreamUrl: string, extra = '') => `
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o, api_base: ${upstreamUrl}/v1, api_key: os.environ/CANARY_PROVIDER_KEY }
  - model_name: other
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstreamUrl}/v1, api_key: ${canary.providerLiteral} }
router_settings: { num_retries: 0 }
general_settings: { master_key: ${canary.master} }
${extra}`;

const env = { CANARY_PROVIDER_KEY: canary.providerFromEnv, LITELLM_SALT_KEY: canary.saltKey };

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream([openAIProtocol()]);
});
afterAll(async () => {
  await upstream.close();
});

async function traffic(gateway: OpsGateway): Promise<void> {
  const client = new OpenAI({ apiKey: canary.master, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  await client.chat.completions.create({
    model: 'gpt',
    messages: [{ role: 'user', content: canary.prompt }],
  });
  const stream = await client.chat.completions.create({
    model: 'other',
    messages: [{ role: 'user', content: canary.prompt }],
    stream: true,
  });
  let chunks = 0;
  for await (const chunk of stream) chunks += chunk.choices.length > 0 ? 1 : 0;
  expect(chunks).toBeGreaterThan(1);
  // Upstream errors that echo the provider key, as some providers do.
  upstream.fail({ kind: 'error', status: 500, message: `key ${canary.providerFromEnv} rejected` }, 1);
  await expect(
    client.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] }),
  ).rejects.toThrow();
  upstream.fail({
    kind: 'error',
    status: 401,
    message: `Incorrect API key provided: ${canary.providerLiteral}`,
  });
  await expect(
    client.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'x' }] }),
  ).rejects.toThrow();
  // Wrong client keys in each header clients use, and a key in the query string.
  const wrong = new OpenAI({ apiKey: canary.wrongBearer, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  await expect(wrong.models.list()).rejects.toThrow();
  const anthropic = new Anthropic({ apiKey: canary.xApiKey, baseURL: gateway.url, maxRetries: 0 });
  await expect(
    anthropic.messages.create({ model: 'gpt', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
  ).rejects.toThrow();
  await fetch(`${gateway.url}/v1/models`, { headers: { 'api-key': canary.apiKeyHeader } });
  await fetch(`${gateway.url}/v1/models?api_key=${canary.queryKey}`);
  await fetch(`${gateway.url}/v1/chat/completions?key=${canary.queryKey}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${canary.master}`, 'content-type': 'application/json' },
    body: '{"model": "gpt", "messages": [',
  });
}

describe('log canary', () => {
  it('finds no secret and no prompt or completion in any log line, at debug level', async () => {
    const gateway = await startOpsGateway(configOf(upstream.url), { env, logLevel: 'trace' });
    try {
      await traffic(gateway);
      gateway.app.log.info({ config: { api_key: canary.providerLiteral } }, 'a careless line');
      gateway.app.log.warn(`a careless message with ${canary.master} inside`);
    } finally {
      await gateway.close();
    }
    const text = gateway.lines.join('\n');
    expect(gateway.logs.filter((line) => line.msg === 'request').length).toBeGreaterThanOrEqual(8);
    for (const [name, value] of Object.entries(canary)) expect(text, name).not.toContain(value);
    expect(text).not.toContain('SECRETPROMPT');
  });

  it('logs prompts and answers only when content logging is switched on, and never with turn_off_message_logging', async () => {
    const on = await startOpsGateway(configOf(upstream.url), { env, operations: { logContent: true } });
    const off = await startOpsGateway(
      configOf(upstream.url, 'litellm_settings: { turn_off_message_logging: true }'),
      { env, operations: { logContent: true } },
    );
    try {
      for (const gateway of [on, off]) {
        const client = new OpenAI({ apiKey: canary.master, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
        await client.chat.completions.create({
          model: 'gpt',
          messages: [{ role: 'user', content: canary.prompt }],
        });
      }
    } finally {
      await on.close();
      await off.close();
    }
    const logged = on.logs.find((line) => line.msg === 'request' && 'content' in line);
    expect(JSON.stringify(logged?.content)).toContain(canary.prompt);
    expect(JSON.stringify(logged?.content)).toContain(`echo: ${canary.prompt}`);
    expect(on.lines.join('\n')).not.toContain(canary.master);
    expect(off.lines.join('\n')).not.toContain(canary.prompt);
  });
});

describe('LogScrubber', () => {
  it('hides URL credentials, key query values, bearer tokens, key-shaped strings and known values', () => {
    const scrubber = new LogScrubber();
    scrubber.addSource(() => ['plainsecretvalue99']);
    const line = scrubber.scrub(
      '{"msg":"postgres://app:dbpass-canary@db:5432/x ?api_key=abc123 Bearer abcdefghijkl sk-live-abcdefgh plainsecretvalue99"}',
    );
    expect(line).not.toContain('dbpass-canary');
    expect(line).not.toContain('abc123');
    expect(line).not.toContain('abcdefghijkl');
    expect(line).not.toContain('sk-live-abcdefgh');
    expect(line).not.toContain('plainsecretvalue99');
    expect(line).toContain('postgres://app:***@db:5432/x');
  });

  it('scrubs every line as the shape and value expressions alone would (its literal pre-checks miss nothing)', () => {
    const known = ['plainsecretvalue99', 'sk-known-0123456789'];
    const scrubber = new LogScrubber();
    scrubber.addSource(() => known);
    const shapes =
      /(\/\/[^/\s:@"]+:)[^@\s/"]+@|([?&](?:api[_-]?)?key=)[^&\s"]+|(\bbearer\s+)[\w.~+/=-]{8,}/gi;
    const hide = (_: string, user?: string, query?: string, bearer?: string) =>
      user === undefined ? `${query ?? bearer ?? ''}***` : `${user}***@`;
    const reference = (line: string) =>
      known.reduce(
        (text, value) => text.replaceAll(value, '[redacted]'),
        scrubSecrets(line.replace(shapes, hide)),
      );
    const piece = fc.constantFrom(
      ...['//u:p@h', '?key=', '&api_key=', 'API-KEY=', 'Bearer ', 'BEARER\t', 'sk-', 'pk-', 'rk-', 'key-'],
      ...['abcdefgh12', '"', ' ', '/', '@', '=', '-', 'k', 'y', 'K-', ...known],
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const line = `{"msg":"${pieces.join('')}"}`;
        expect(scrubber.scrub(line)).toBe(reference(line));
      }),
      { numRuns: 3000 },
    );
  });
});

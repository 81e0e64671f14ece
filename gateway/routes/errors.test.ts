import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAIProtocol } from '../../e2e/fake-upstream/openai.ts';
import { startFakeUpstream, type FakeUpstream } from '../../e2e/fake-upstream/server.ts';
import { startGateway, type RunningGateway } from '../test-support/gateway.ts';

const masterKey = 'sk-master-errors-0123456789';
let upstream: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream([openAIProtocol()]);
  gateway = await startGateway(`
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}/v1, api_key: sk-upstream, timeout: 0.3 }
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}/v1, api_key: sk-upstream }
router_settings: { num_retries: 0, disable_cooldowns: true }
general_settings: { master_key: ${masterKey}, max_request_size_mb: 0.01 }
`);
  client = new OpenAI({ apiKey: masterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { error: Record<string, unknown> },
  };
}

const chat = (model = 'gpt-4o') => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] });

function expectOpenAIShape(body: { error: Record<string, unknown> }) {
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof body.error.message).toBe('string');
}

describe('error statuses in OpenAI shape', () => {
  it('400 for malformed JSON', async () => {
    const { status, body } = await post('/v1/chat/completions', '{"model": "gpt-4o",');
    expect(status).toBe(400);
    expectOpenAIShape(body);
    expect(body.error.code).toBe('malformed_json');
  });

  it('400 naming the field when the body is not a valid request', async () => {
    const { status, body } = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o' }));
    expect(status).toBe(400);
    expect(body.error.param).toBe('messages');
  });

  it('400 for an unknown model, naming the models that exist', async () => {
    const { status, body } = await post('/v1/chat/completions', chat('gpt-5-nope'));
    expect(status).toBe(400);
    expect(body.error.code).toBe('model_not_found');
    expect(body.error.message).toContain('gpt-4o-mini');
  });

  it('413 for a body over the limit', async () => {
    const big = JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'x'.repeat(20_000) }],
    });
    const { status, body } = await post('/v1/chat/completions', big);
    expect(status).toBe(413);
    expect(body.error.code).toBe('body_too_large');
  });

  it('401 without a key or with a wrong one, as the SDK sees it', async () => {
    expect((await post('/v1/chat/completions', chat(), { authorization: '' })).status).toBe(401);
    const wrong = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("passes an upstream 4xx through with the upstream's code and no key in the message", async () => {
    upstream.fail({
      kind: 'error',
      status: 400,
      message: 'Incorrect API key provided: sk-upstream-abcdefgh',
      code: 'invalid_api_key_param',
    });
    const { status, body } = await post('/v1/chat/completions', chat());
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_api_key_param');
    expect(body.error.message).not.toContain('sk-upstream-abcdefgh');
  });

  it('429 from upstream reaches the client with Retry-After', async () => {
    upstream.fail({ kind: 'error', status: 429, message: 'slow down', headers: { 'retry-after': '7' } });
    const { status, headers, body } = await post('/v1/chat/completions', chat());
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('7');
    expect(body.error.type).toBe('rate_limit_error');
  });

  it('502 when the upstream fails with a 500 or the connection drops', async () => {
    upstream.fail({ kind: 'error', status: 500, message: 'boom' });
    expect((await post('/v1/chat/completions', chat())).status).toBe(502);
    upstream.fail({ kind: 'drop' });
    const dropped = await post('/v1/chat/completions', chat());
    expect(dropped.status).toBe(502);
    expectOpenAIShape(dropped.body);
  });

  it('503 when the upstream is unavailable', async () => {
    upstream.fail({ kind: 'error', status: 503, message: 'overloaded' });
    expect((await post('/v1/chat/completions', chat())).status).toBe(503);
  });

  it('504 when the upstream does not answer within the timeout', async () => {
    upstream.fail({ kind: 'hang' });
    const started = Date.now();
    const { status, body } = await post('/v1/chat/completions', chat());
    expect(status).toBe(504);
    expect(body.error.type).toBe('timeout_error');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('404 in OpenAI shape for an unknown route', async () => {
    const response = await fetch(`${gateway.url}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expectOpenAIShape((await response.json()) as { error: Record<string, unknown> });
  });

  it('the SDK raises the matching error classes', async () => {
    upstream.fail({ kind: 'error', status: 404, message: 'The model does not exist' });
    await expect(
      client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(
      client.chat.completions.create({ model: 'unknown', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });
});

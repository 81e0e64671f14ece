/**
 * The official Anthropic SDK as the judge of the wire format: it talks to the fake Anthropic API directly, and to
 * the gateway's `/v1/messages` route in front of a provider (the anthropic one, or the OpenAI one) and its fake
 * upstream.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anthropicProtocol, failMidStream } from '../../../e2e/fake-upstream/anthropic.ts';
import { openAIProtocol } from '../../../e2e/fake-upstream/openai.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../e2e/fake-upstream/server.ts';
import { startGateway, type RunningGateway } from '../../test-support/gateway.ts';

let fakeAnthropic: FakeUpstream;
let fakeOpenAI: FakeUpstream;

beforeAll(async () => {
  fakeAnthropic = await startFakeUpstream([anthropicProtocol()]);
  fakeOpenAI = await startFakeUpstream([openAIProtocol()]);
});

afterAll(async () => {
  await fakeAnthropic.close();
  await fakeOpenAI.close();
});

beforeEach(() => {
  fakeAnthropic.reset();
  fakeOpenAI.reset();
});

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

function sdk(baseURL: string, apiKey = 'sk-master-messages-test'): Anthropic {
  return new Anthropic({ apiKey, baseURL, maxRetries: 0 });
}

describe('the fake Anthropic API, read by the official SDK', () => {
  it('answers messages.create with a real Message', async () => {
    const message = await sdk(fakeAnthropic.url).messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hello fake' }],
    });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'echo: hello fake' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message.usage.output_tokens).toBe(3);
    expect(fakeAnthropic.requests.at(-1)?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('streams the real event sequence, which the SDK assembles', async () => {
    const stream = sdk(fakeAnthropic.url).messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [weatherTool],
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const message = await stream.finalMessage();
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      ...Array<string>(5).fill('content_block_delta'),
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(message.content).toMatchObject([
      { type: 'text', text: 'Let me check the weather.' },
      { type: 'tool_use', id: 'toolu_01FakeWeather', name: 'get_weather', input: { city: 'Paris' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage.output_tokens).toBe(12);
  });

  it('pauses between streamed events as set', async () => {
    fakeAnthropic.setChunkDelay(20);
    const started = performance.now();
    await sdk(fakeAnthropic.url)
      .messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'a b' }] })
      .finalMessage();
    // 10 events, a pause after each.
    expect(performance.now() - started).toBeGreaterThanOrEqual(180);
  });

  it('refuses a request without x-api-key or anthropic-version with authentication_error', async () => {
    const body = JSON.stringify({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] });
    for (const headers of [{ 'anthropic-version': '2023-06-01' }, { 'x-api-key': 'k' }]) {
      const response = await fetch(`${fakeAnthropic.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    }
  });

  it('refuses fields the Messages API does not take, and a missing max_tokens', async () => {
    const client = sdk(fakeAnthropic.url);
    const extra = client.messages.create({
      model: 'm',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'x' }],
      // @ts-expect-error an OpenAI parameter leaking through would be refused like this
      stream_options: { include_usage: true },
    });
    await expect(extra).rejects.toMatchObject({ status: 400, type: 'invalid_request_error' });
    await expect(extra).rejects.toThrow(/stream_options: Extra inputs are not permitted/);
    // @ts-expect-error max_tokens is required
    const missing = client.messages.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    await expect(missing).rejects.toThrow(/max_tokens: Field required/);
  });

  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [529, 'overloaded_error'],
  ])('sends Anthropic error bodies: %i → %s', async (status, type) => {
    fakeAnthropic.fail({ kind: 'error', status, message: `failed with ${status}` });
    const call = sdk(fakeAnthropic.url).messages.create({
      model: 'm',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'x' }],
    });
    await expect(call).rejects.toMatchObject({ status, type, apiMessage: `failed with ${status}` });
  });
});

describe('the Messages API translation, end to end through the official SDK', () => {
  let gateway: RunningGateway;
  let viaAnthropic: { url: string };
  let viaOpenAI: { url: string };
  const masterKey = 'sk-master-messages-test';

  beforeAll(async () => {
    gateway = await startGateway(`
model_list:
  - model_name: claude
    litellm_params: { model: anthropic/claude-sonnet-4-5, api_base: ${fakeAnthropic.url}, api_key: sk-ant-test }
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o, api_base: ${fakeOpenAI.url}/v1, api_key: sk-openai-test }
general_settings: { master_key: ${masterKey} }
litellm_settings: { num_retries: 0 }
`);
    viaAnthropic = { url: gateway.url };
    viaOpenAI = { url: gateway.url };
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('refuses a wrong key with an Anthropic authentication_error', async () => {
    const call = sdk(gateway.url, 'sk-wrong').messages.create({
      model: 'claude',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x' }],
    });
    await expect(call).rejects.toMatchObject({ status: 401, type: 'authentication_error' });
  });

  it('refuses an unknown model and a malformed body with invalid_request_error', async () => {
    const unknown = sdk(gateway.url, masterKey).messages.create({
      model: 'nope',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x' }],
    });
    await expect(unknown).rejects.toMatchObject({ status: 400, type: 'invalid_request_error' });
    await expect(unknown).rejects.toThrow(/available models: claude, gpt/);
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': masterKey },
      body: '{"model": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('creates a message through the anthropic provider', async () => {
    const message = await sdk(viaAnthropic.url).messages.create({
      model: 'claude',
      max_tokens: 100,
      system: [{ type: 'text', text: 'Be terse.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'round trip' }] }],
      metadata: { user_id: 'u-9' },
    });
    expect(message).toMatchObject({
      type: 'message',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'echo: round trip' }],
      stop_reason: 'end_turn',
    });
    expect(message.id).toMatch(/^msg_01Fake/);
    expect(fakeAnthropic.requests.at(-1)?.body).toEqual({
      model: 'claude-sonnet-4-5',
      system: 'Be terse.',
      messages: [{ role: 'user', content: 'round trip' }],
      max_tokens: 100,
      metadata: { user_id: 'u-9' },
    });
  });

  it('runs a tool loop through the anthropic provider, streaming', async () => {
    const client = sdk(viaAnthropic.url);
    const question = { role: 'user' as const, content: 'What is the weather in Paris?' };
    const first = await client.messages
      .stream({ model: 'claude', max_tokens: 100, messages: [question], tools: [weatherTool] })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toMatchObject([
      { type: 'text', text: 'Let me check the weather.' },
      { type: 'tool_use', id: 'toolu_01FakeWeather', name: 'get_weather', input: { city: 'Paris' } },
    ]);
    expect(first.usage.output_tokens).toBe(12);
    expect(first.usage.input_tokens).toBeGreaterThan(0);

    const second = await client.messages
      .stream({
        model: 'claude',
        max_tokens: 100,
        tools: [weatherTool],
        messages: [
          question,
          {
            role: 'assistant',
            content: first.content,
          },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 'toolu_01FakeWeather', content: 'Sunny, 22C' }],
          },
        ],
      })
      .finalMessage();
    expect(second.content).toMatchObject([{ type: 'text', text: 'echo: Sunny, 22C' }]);
    expect(second.stop_reason).toBe('end_turn');
  });

  it('passes an upstream error on as an Anthropic error', async () => {
    fakeAnthropic.fail({ kind: 'error', status: 429, message: 'slow down', headers: { 'retry-after': '2' } });
    const call = sdk(viaAnthropic.url).messages.create({
      model: 'claude',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'x' }],
    });
    await expect(call).rejects.toMatchObject({
      status: 429,
      type: 'rate_limit_error',
      apiMessage: 'slow down',
    });
  });

  it('surfaces an error event in the middle of a stream', async () => {
    const stream = sdk(viaAnthropic.url).messages.stream({
      model: 'claude',
      max_tokens: 10,
      messages: [{ role: 'user', content: failMidStream }],
    });
    await expect(stream.finalMessage()).rejects.toThrow(/Overloaded/);
  });

  it('serves the Messages API in front of an OpenAI provider, plain and streaming', async () => {
    const client = sdk(viaOpenAI.url);
    const message = await client.messages.create({
      model: 'gpt',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hello openai' }],
    });
    expect(message).toMatchObject({
      model: 'gpt-4o',
      content: [{ type: 'text', text: 'echo: hello openai' }],
      stop_reason: 'end_turn',
    });
    expect(message.usage.input_tokens).toBeGreaterThan(0);

    const streamed = await client.messages
      .stream({ model: 'gpt', max_tokens: 100, messages: [{ role: 'user', content: 'one two three' }] })
      .finalMessage();
    expect(streamed.content).toMatchObject([{ type: 'text', text: 'echo: one two three' }]);
    expect(streamed.usage.output_tokens).toBe(4);
    expect(fakeOpenAI.requests.at(-1)?.body).toMatchObject({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 100,
    });
  });
});

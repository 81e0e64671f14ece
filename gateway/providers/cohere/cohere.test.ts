import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { cohereProtocol } from '../../../e2e/fake-upstream/cohere.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../e2e/fake-upstream/server.ts';
import { startGateway, type RunningGateway } from '../../test-support/gateway.ts';
import { cohereUrl } from './cohere.ts';

const masterKey = 'sk-master-cohere-0123456789';
let fake: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeUpstream([cohereProtocol()]);
  gateway = await startGateway(`
model_list:
  - model_name: command
    litellm_params: { model: cohere/command-r-plus-08-2024, api_base: ${fake.url}, api_key: co-test-key }
  - model_name: command-env
    litellm_params: { model: cohere_chat/command-a-03-2025, api_base: ${fake.url}/v1 }
  - model_name: embed
    litellm_params: { model: cohere/embed-english-v3.0, api_base: ${fake.url}, api_key: co-test-key }
litellm_settings: { num_retries: 0 }
general_settings: { master_key: ${masterKey} }
`);
  client = new OpenAI({ apiKey: masterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await fake.close();
});

beforeEach(() => {
  fake.reset();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

function lastSent() {
  const sent = fake.requests.at(-1);
  return {
    path: sent?.path ?? '',
    headers: sent?.headers ?? {},
    body: (sent?.body ?? {}) as Record<string, unknown>,
  };
}

const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

describe('cohere v2 through the gateway, with the openai client', () => {
  it('defaults to api.cohere.com/v2', () => {
    expect(cohereUrl(undefined, 'chat')).toBe('https://api.cohere.com/v2/chat');
    expect(cohereUrl('https://proxy.example/v1/', 'embed')).toBe('https://proxy.example/v2/embed');
  });

  it('answers a chat, renaming sampling fields, with usage from the token counts', async () => {
    const completion = await client.chat.completions.create({
      model: 'command',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'hello cohere' },
      ],
      top_p: 0.5,
      max_completion_tokens: 30,
      stop: 'END',
    });
    expect(completion).toMatchObject({
      id: 'chatcmpl-fake-cohere-0001',
      choices: [{ message: { content: 'echo: hello cohere' }, finish_reason: 'stop' }],
    });
    expect(completion.usage?.completion_tokens).toBe(3);
    const sent = lastSent();
    expect(sent.path).toBe('/v2/chat');
    expect(sent.headers.authorization).toBe('Bearer co-test-key');
    expect(sent.body).toEqual({
      model: 'command-r-plus-08-2024',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello cohere' },
      ],
      p: 0.5,
      max_tokens: 30,
      stop_sequences: ['END'],
    });
  });

  it('calls tools (a named choice as REQUIRED with that tool) and takes results back', async () => {
    const first = await client.chat.completions.create({
      model: 'command',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [weatherTool, { type: 'function', function: { name: 'other', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.tool_calls?.[0]).toMatchObject({
      id: 'get_weather_fake01',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    expect(lastSent().body).toMatchObject({ tool_choice: 'REQUIRED', tools: [weatherTool] });
    const second = await client.chat.completions.create({
      model: 'command',
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        choice?.message as OpenAI.ChatCompletionAssistantMessageParam,
        { role: 'tool', tool_call_id: 'get_weather_fake01', content: 'sunny' },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message.content).toBe('echo: sunny');
    const messages = lastSent().body.messages as Record<string, unknown>[];
    expect(messages[1]).not.toHaveProperty('content');
    expect(messages[2]).toEqual({ role: 'tool', tool_call_id: 'get_weather_fake01', content: 'sunny' });
  });

  it('streams text and tool calls as OpenAI chunks', async () => {
    const stream = await client.chat.completions.create({
      model: 'command',
      messages: [{ role: 'user', content: 'one two' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('echo: one two');
    expect(usage?.completion_tokens).toBe(3);

    const tools = await client.chat.completions.create({
      model: 'command',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [weatherTool],
      stream: true,
    });
    let args = '';
    let finish: string | null | undefined;
    for await (const chunk of tools) {
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    expect(finish).toBe('tool_calls');
  });

  it('reads the key from COHERE_API_KEY and serves cohere_chat/', async () => {
    vi.stubEnv('COHERE_API_KEY', 'co-from-env');
    await client.chat.completions.create({
      model: 'command-env',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(lastSent().headers.authorization).toBe('Bearer co-from-env');
    expect(lastSent().path).toBe('/v2/chat');
  });

  it('embeds through v2 embed', async () => {
    const embedding = await client.embeddings.create({ model: 'embed', input: ['a', 'b'] });
    expect(embedding.data).toHaveLength(2);
    expect(embedding.usage.prompt_tokens).toBe(4);
    expect(lastSent().body).toEqual({
      model: 'embed-english-v3.0',
      texts: ['a', 'b'],
      input_type: 'search_document',
      embedding_types: ['float'],
    });
  });

  it('passes errors on in OpenAI shape and refuses unsupported parameters', async () => {
    fake.fail({
      kind: 'error',
      status: 429,
      message: 'You are using a Trial key, which is limited to 10 API calls / minute.',
    });
    const throttled = await client.chat.completions
      .create({ model: 'command', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(OpenAI.RateLimitError);
    expect((throttled as Error).message).toContain('Trial key');
    const refused = await client.chat.completions
      .create({ model: 'command', messages: [{ role: 'user', content: 'hi' }], n: 2 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toContain("'n'");
  });
});

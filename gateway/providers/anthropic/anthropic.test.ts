import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anthropicProtocol, failMidStream } from '../../../e2e/fake-upstream/anthropic.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../e2e/fake-upstream/server.ts';
import { ProviderError } from '../../upstream/errors.ts';
import { UpstreamHttp } from '../../upstream/http.ts';
import type { ProviderResult, RequestBody } from '../types.ts';
import { anthropic, messagesUrl } from './anthropic.ts';
import { anthropicDeployment, callContext, collect, payloadsOf } from './testing.ts';

let fake: FakeUpstream;
let http: UpstreamHttp;

beforeAll(async () => {
  fake = await startFakeUpstream([anthropicProtocol()]);
  http = new UpstreamHttp({ env: {} });
});

afterAll(async () => {
  await http.close();
  await fake.close();
});

beforeEach(() => {
  fake.reset();
});

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

async function call(
  body: RequestBody,
  options: { dropParams?: boolean; params?: Record<string, unknown>; apiKey?: string } = {},
): Promise<ProviderResult> {
  return anthropic.call(
    'chat',
    { model: 'claude', ...body },
    anthropicDeployment(fake.url, options.params, options.apiKey),
    callContext(http, { dropParams: options.dropParams ?? false }),
  );
}

async function json(body: RequestBody, options?: Parameters<typeof call>[1]) {
  const result = await call(body, options);
  if (result.kind !== 'json') throw new Error('expected a JSON result');
  return result.body as {
    id: string;
    object: string;
    model: string;
    choices: {
      message: {
        content: string | null;
        tool_calls?: { id: string; function: { name: string; arguments: string } }[];
      };
      finish_reason: string;
    }[];
    usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  };
}

async function stream(body: RequestBody): Promise<string[]> {
  const result = await call({ ...body, stream: true });
  if (result.kind !== 'stream') throw new Error('expected a stream');
  return collect(result.frames);
}

function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => {
      if (error instanceof ProviderError) return error;
      throw error;
    },
  );
}

describe('anthropic provider against the fake Anthropic API', () => {
  it('declares chat only, with the public API as default base', () => {
    expect([...anthropic.operations]).toEqual(['chat']);
    expect(anthropic.defaultApiBase).toBe('https://api.anthropic.com');
  });

  it('answers a chat completion, sending the Messages request with x-api-key and anthropic-version', async () => {
    const completion = await json({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hello there' },
      ],
      max_tokens: 50,
      temperature: 0.3,
      user: 'user-7',
    });
    expect(completion).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-msg_01Fake/) as unknown,
      object: 'chat.completion',
      model: 'claude-sonnet-4-5',
      choices: [{ message: { role: 'assistant', content: 'echo: hello there' }, finish_reason: 'stop' }],
    });
    expect(completion.usage.total_tokens).toBe(
      completion.usage.prompt_tokens + completion.usage.completion_tokens,
    );
    const sent = fake.requests.at(-1);
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.headers['x-api-key']).toBe('sk-ant-test');
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent?.headers.authorization).toBeUndefined();
    expect(sent?.body).toEqual({
      model: 'claude-sonnet-4-5',
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'hello there' }],
      max_tokens: 50,
      temperature: 0.3,
      metadata: { user_id: 'user-7' },
    });
  });

  it('sends max_tokens 4096 by default, litellm_params.max_tokens when set, and extra_headers', async () => {
    await json({ messages: [{ role: 'user', content: 'a' }] });
    expect((fake.requests.at(-1)?.body as { max_tokens: number }).max_tokens).toBe(4096);
    await json(
      { messages: [{ role: 'user', content: 'a' }] },
      { params: { max_tokens: 1000, extra_headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } } },
    );
    expect((fake.requests.at(-1)?.body as { max_tokens: number }).max_tokens).toBe(1000);
    expect(fake.requests.at(-1)?.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
  });

  it('maps stop sequences and max_tokens to finish reasons', async () => {
    const stopped = await json({ messages: [{ role: 'user', content: 'one two STOP three' }], stop: 'STOP' });
    expect(stopped.choices[0]).toMatchObject({
      message: { content: 'echo: one two ' },
      finish_reason: 'stop',
    });
    expect((fake.requests.at(-1)?.body as { stop_sequences: string[] }).stop_sequences).toEqual(['STOP']);
    const cut = await json({ messages: [{ role: 'user', content: 'one two three four' }], max_tokens: 2 });
    expect(cut.choices[0]).toMatchObject({ message: { content: 'echo: one' }, finish_reason: 'length' });
  });

  it('calls a tool and takes its result back in the next turn', async () => {
    const question = { role: 'user', content: "What's the weather in Paris?" };
    const first = await json({ messages: [question], tools: [weatherTool], tool_choice: 'auto' });
    const [choice] = first.choices;
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBe('Let me check the weather.');
    expect(choice?.message.tool_calls).toEqual([
      {
        id: 'toolu_01FakeWeather',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);
    expect(fake.requests.at(-1)?.body).toMatchObject({
      tools: [
        { name: 'get_weather', description: 'Current weather for a city', input_schema: { type: 'object' } },
      ],
      tool_choice: { type: 'auto' },
    });

    const second = await json({
      messages: [
        question,
        choice?.message,
        { role: 'tool', tool_call_id: 'toolu_01FakeWeather', content: 'Sunny, 22C' },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]).toMatchObject({
      message: { content: 'echo: Sunny, 22C' },
      finish_reason: 'stop',
    });
    expect((fake.requests.at(-1)?.body as { messages: unknown }).messages).toEqual([
      { role: 'user', content: "What's the weather in Paris?" },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check the weather.' },
          { type: 'tool_use', id: 'toolu_01FakeWeather', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_01FakeWeather', content: 'Sunny, 22C' }],
      },
    ]);
  });

  it('streams text as chat.completion.chunk frames, with a usage chunk and [DONE]', async () => {
    const frames = await stream({
      messages: [{ role: 'user', content: 'one two three' }],
      stream_options: { include_usage: true },
    });
    expect(frames.at(-1)).toBe('data: [DONE]\n\n');
    const chunks = payloadsOf(frames) as {
      object: string;
      choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[];
      usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    }[];
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('echo: one two three');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(4);
    expect(last?.usage?.total_tokens).toBe((last?.usage?.prompt_tokens ?? 0) + 4);
    expect(fake.requests.at(-1)?.body).toMatchObject({ stream: true });
    expect(fake.requests.at(-1)?.body).not.toHaveProperty('stream_options');
  });

  it('streams no usage chunk unless asked', async () => {
    const chunks = payloadsOf(await stream({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);
  });

  it('streams a tool call as tool_calls deltas', async () => {
    const chunks = payloadsOf(
      await stream({ messages: [{ role: 'user', content: 'weather in Paris?' }], tools: [weatherTool] }),
    ) as {
      choices: {
        delta: {
          tool_calls?: { index: number; id?: string; function: { name?: string; arguments: string } }[];
        };
        finish_reason: string | null;
      }[];
    }[];
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({
      index: 0,
      id: 'toolu_01FakeWeather',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    expect(calls.every((entry) => entry.index === 0)).toBe(true);
    expect(calls.map((entry) => entry.function.arguments).join('')).toBe('{"city":"Paris"}');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('ends a stream that breaks off with an error event with an OpenAI error frame', async () => {
    const frames = await stream({ messages: [{ role: 'user', content: `please ${failMidStream}` }] });
    expect(frames).not.toContain('data: [DONE]\n\n');
    expect(payloadsOf(frames).at(-1)).toEqual({
      error: { message: 'Overloaded', type: 'api_error', param: null, code: 'overloaded_error' },
    });
  });

  it('refuses a parameter Anthropic cannot take without calling upstream, or drops it with drop_params', async () => {
    const body = { messages: [{ role: 'user', content: 'hi' }], n: 2, seed: 42 };
    const refused = await failureOf(call(body));
    expect(refused).toMatchObject({ failure: 'bad_request', upstreamStatus: 400 });
    expect(refused.message).toContain("'n', 'seed'");
    expect(fake.requests).toHaveLength(0);
    const completion = await json(body, { dropParams: true });
    expect(completion.choices[0]?.message.content).toBe('echo: hi');
    expect(fake.requests.at(-1)?.body).not.toHaveProperty('n');
    expect(fake.requests.at(-1)?.body).not.toHaveProperty('seed');
  });

  it('fails with auth when the key is missing', async () => {
    const failure = await failureOf(call({ messages: [{ role: 'user', content: 'hi' }] }, { apiKey: '' }));
    expect(failure).toMatchObject({
      failure: 'auth',
      upstreamStatus: 401,
      upstreamCode: 'authentication_error',
    });
  });

  it('classifies a stream that goes silent as a timeout', async () => {
    // undici checks body timeouts on a coarse (about 1 s) clock, so the pause must be longer than that.
    fake.setChunkDelay(1500);
    const result = await anthropic.call(
      'chat',
      { model: 'claude', messages: [{ role: 'user', content: 'one two' }], stream: true },
      anthropicDeployment(fake.url),
      callContext(http, { idleTimeoutMs: 100 }),
    );
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const failure = await failureOf(collect(result.frames));
    expect(failure.failure).toBe('timeout');
  });

  it('refuses operations other than chat', async () => {
    const failure = await failureOf(
      anthropic.call('embedding', { input: 'x' }, anthropicDeployment(fake.url), callContext(http)),
    );
    expect(failure).toMatchObject({ failure: 'bad_request', upstreamStatus: 400 });
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [undefined, 'https://api.anthropic.com/v1/messages'],
    ['https://api.anthropic.com', 'https://api.anthropic.com/v1/messages'],
    ['https://proxy.example/anthropic/', 'https://proxy.example/anthropic/v1/messages'],
    ['https://proxy.example/v1', 'https://proxy.example/v1/messages'],
    ['https://proxy.example/v1/messages', 'https://proxy.example/v1/messages'],
  ])('api_base %s → %s', (base, url) => {
    expect(messagesUrl(base)).toBe(url);
  });

  it('fails with internal when the connection drops', async () => {
    fake.fail({ kind: 'drop' });
    const failure = await failureOf(call({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(failure.failure).toBe('internal');
  });
});

describe('Anthropic error responses, classified by failureFrom', () => {
  it.each([
    {
      status: 400,
      message: 'messages: roles must alternate',
      failure: 'bad_request',
      code: 'invalid_request_error',
    },
    {
      status: 400,
      message: 'prompt is too long: 208310 tokens > 200000 maximum',
      failure: 'context_window',
      code: 'invalid_request_error',
    },
    { status: 401, message: 'invalid x-api-key', failure: 'auth', code: 'authentication_error' },
    {
      status: 403,
      message: 'Your API key does not have permission',
      failure: 'auth',
      code: 'permission_error',
    },
    { status: 404, message: 'model: claude-nope', failure: 'not_found', code: 'not_found_error' },
    {
      status: 413,
      message: 'Request exceeds the maximum size',
      failure: 'bad_request',
      code: 'request_too_large',
    },
    {
      status: 429,
      message: 'Number of request tokens has exceeded your rate limit',
      failure: 'rate_limit',
      code: 'rate_limit_error',
    },
    { status: 500, message: 'Internal server error', failure: 'internal', code: 'api_error' },
    { status: 529, message: 'Overloaded', failure: 'internal', code: 'overloaded_error' },
  ])('$status $code ($message) → $failure', async ({ status, message, failure, code }) => {
    fake.fail({ kind: 'error', status, message });
    const error = await failureOf(call({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(error).toMatchObject({ failure, upstreamStatus: status, upstreamCode: code, message });
  });

  it('reads retry-after on a 429 into retryAfterMs', async () => {
    fake.fail({ kind: 'error', status: 429, message: 'rate limited', headers: { 'retry-after': '7' } });
    const error = await failureOf(call({ messages: [{ role: 'user', content: 'hi' }] }));
    expect(error).toMatchObject({ failure: 'rate_limit', retryAfterMs: 7000 });
  });

  it('fails a streaming call on an error status before any frame', async () => {
    fake.fail({ kind: 'error', status: 529, message: 'Overloaded' });
    const error = await failureOf(call({ messages: [{ role: 'user', content: 'hi' }], stream: true }));
    expect(error).toMatchObject({ failure: 'internal', upstreamStatus: 529 });
  });
});

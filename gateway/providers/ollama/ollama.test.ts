import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ollamaProtocol } from '../../../e2e/fake-upstream/ollama.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../e2e/fake-upstream/server.ts';
import { constantSecret } from '../../config/secret.ts';
import { GatewayError } from '../../errors.ts';
import { ProviderError } from '../../upstream/errors.ts';
import { UpstreamHttp } from '../../upstream/http.ts';
import type { CallContext, Deployment, Operation, Provider, ProviderResult, RequestBody } from '../types.ts';
import { ollama, ollamaChat, ollamaDefaultApiBase } from './ollama.ts';
import { ollamaDeployment } from './test-support/deployment.ts';

let upstream: FakeUpstream;
const http = new UpstreamHttp({ env: {} });

beforeAll(async () => {
  upstream = await startFakeUpstream([ollamaProtocol()]);
});
afterEach(() => {
  upstream.reset();
});
afterAll(async () => {
  await http.close();
  await upstream.close();
});

function deployment(overrides: Parameters<typeof ollamaDeployment>[0] = {}): Deployment {
  return ollamaDeployment({ apiBase: upstream.url, ...overrides });
}

function context(overrides: Partial<CallContext> = {}): CallContext {
  return {
    http,
    signal: AbortSignal.timeout(10_000),
    requestId: 'req-1',
    dropParams: false,
    idleTimeoutMs: 5_000,
    ...overrides,
  };
}

async function call(
  provider: Provider,
  operation: Operation,
  body: RequestBody,
  target: Deployment = deployment({ provider: provider.name }),
): Promise<ProviderResult> {
  return provider.call(operation, body, target, context());
}

async function json(result: Promise<ProviderResult>): Promise<Record<string, unknown>> {
  const settled = await result;
  if (settled.kind !== 'json') throw new Error('expected a JSON result');
  return settled.body as Record<string, unknown>;
}

async function frames(result: Promise<ProviderResult>): Promise<unknown[]> {
  const settled = await result;
  if (settled.kind !== 'stream') throw new Error('expected a stream');
  const parsed: unknown[] = [];
  for await (const frame of settled.frames) {
    const text = typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8');
    const data = text.slice('data: '.length).trim();
    parsed.push(data === '[DONE]' ? data : JSON.parse(data));
  }
  return parsed;
}

const hello = { messages: [{ role: 'user', content: 'Hello there' }] };
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const fakeCreated = 1_700_000_000;

describe('ollama_chat provider', () => {
  it('is registered under its LiteLLM prefix with the local default API base', () => {
    expect(ollamaChat.name).toBe('ollama_chat');
    expect(ollama.name).toBe('ollama');
    expect(ollamaChat.defaultApiBase).toBe(ollamaDefaultApiBase);
    expect([...ollamaChat.operations]).toEqual(['chat', 'completion', 'embedding']);
  });

  it('answers a plain chat through /api/chat', async () => {
    const body = await json(call(ollamaChat, 'chat', { ...hello, temperature: 0.1, max_tokens: 50 }));
    expect(body).toEqual({
      id: 'chatcmpl-req-1',
      object: 'chat.completion',
      created: fakeCreated,
      model: 'llama3.1',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'echo: Hello there' },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: expect.any(Number) as number,
        completion_tokens: 3,
        total_tokens: expect.any(Number) as number,
      },
    });
    expect(upstream.requests[0]).toMatchObject({
      method: 'POST',
      path: '/api/chat',
      body: {
        model: 'llama3.1',
        stream: false,
        messages: [{ role: 'user', content: 'Hello there' }],
        options: { temperature: 0.1, num_predict: 50 },
      },
    });
    expect(upstream.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('sends the api_key as a bearer token for an Ollama behind an auth proxy', async () => {
    const target = deployment({ credentials: new Map([['api_key', constantSecret('proxy-token')]]) });
    await json(call(ollamaChat, 'chat', hello, target));
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer proxy-token');
  });

  it('passes keep_alive from litellm_params and reports a num_predict cut as length', async () => {
    const target = deployment({ params: { keep_alive: '30m', max_tokens: 2 } });
    const body = await json(call(ollamaChat, 'chat', hello, target));
    expect(upstream.requests[0]?.body).toMatchObject({ keep_alive: '30m', options: { num_predict: 2 } });
    expect(body.choices).toEqual([
      expect.objectContaining({
        message: { role: 'assistant', content: 'echo: Hello' },
        finish_reason: 'length',
      }),
    ]);
  });

  it('returns tool calls with string arguments and generated ids', async () => {
    const body = await json(
      call(ollamaChat, 'chat', {
        messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools: [weatherTool],
      }),
    );
    expect(upstream.requests[0]?.body).toMatchObject({ tools: [weatherTool] });
    expect(body.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_0',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ]);
  });

  it('streams OpenAI chunks from Ollama NDJSON, with the usage chunk when asked', async () => {
    upstream.setChunkDelay(5);
    const received = await frames(
      call(ollamaChat, 'chat', { ...hello, stream: true, stream_options: { include_usage: true } }),
    );
    expect(upstream.requests[0]?.body).toMatchObject({ stream: true });
    const base = {
      id: 'chatcmpl-req-1',
      object: 'chat.completion.chunk',
      created: fakeCreated,
      model: 'llama3.1',
    };
    const choice = (delta: unknown, finish: string | null = null) => ({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    expect(received).toEqual([
      choice({ role: 'assistant', content: '' }),
      choice({ content: 'echo:' }),
      choice({ content: ' Hello' }),
      choice({ content: ' there' }),
      choice({}, 'stop'),
      {
        ...base,
        choices: [],
        usage: {
          prompt_tokens: expect.any(Number) as number,
          completion_tokens: 3,
          total_tokens: expect.any(Number) as number,
        },
      },
      '[DONE]',
    ]);
  });

  it('streams a tool call', async () => {
    const received = await frames(
      call(ollamaChat, 'chat', {
        messages: [{ role: 'user', content: 'weather please' }],
        tools: [weatherTool],
        stream: true,
      }),
    );
    expect(received).toHaveLength(4);
    expect(received[1]).toMatchObject({
      choices: [
        {
          delta: {
            tool_calls: [
              {
                index: 0,
                id: 'call_0',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
            ],
          },
        },
      ],
    });
    expect(received[2]).toMatchObject({ choices: [{ delta: {}, finish_reason: 'tool_calls' }] });
  });

  it('ends the stream with an error frame when Ollama fails mid-stream', async () => {
    const received = await frames(
      call(ollamaChat, 'chat', { ...hello, stream: true }, deployment({ model: 'unstable' })),
    );
    expect(received.at(-1)).toEqual({
      error: {
        message: 'an error was encountered while running the model: unexpected EOF',
        type: 'api_error',
        param: null,
        code: null,
      },
    });
    expect(received).not.toContain('[DONE]');
  });

  it('fails a stream that goes silent longer than the idle timeout as a timeout', async () => {
    // undici checks body timeouts on a timer of about a second, so the silence must outlast that.
    upstream.setChunkDelay(3_000);
    const result = await ollamaChat.call(
      'chat',
      { ...hello, stream: true },
      deployment(),
      context({ idleTimeoutMs: 200 }),
    );
    await expect(frames(Promise.resolve(result))).rejects.toMatchObject({ failure: 'timeout' });
  });

  it('lets go of the upstream when the client stops reading', async () => {
    upstream.setChunkDelay(50);
    const result = await call(ollamaChat, 'chat', { ...hello, stream: true });
    if (result.kind !== 'stream') throw new Error('expected a stream');
    for await (const frame of result.frames) {
      expect(String(frame)).toContain('chat.completion.chunk');
      break;
    }
    await expect.poll(() => upstream.requests[0]?.aborted).toBe(true);
  });

  it('asks for JSON output with format', async () => {
    const body = await json(call(ollamaChat, 'chat', { ...hello, response_format: { type: 'json_object' } }));
    expect(upstream.requests[0]?.body).toMatchObject({ format: 'json' });
    const message = (body.choices as [{ message: { content: string } }])[0].message;
    expect(JSON.parse(message.content)).toEqual({ echo: 'echo: Hello there' });
  });

  it('classifies a model that is not pulled as not_found with status 404', async () => {
    const failure = await call(ollamaChat, 'chat', hello, deployment({ model: 'missing' })).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({
      failure: 'not_found',
      upstreamStatus: 404,
      message: 'model "missing" not found, try pulling it first',
    });
  });

  it('classifies Ollama errors the fake is told to answer', async () => {
    upstream.fail({ kind: 'error', status: 500, message: 'llama runner process has terminated' });
    await expect(call(ollamaChat, 'chat', hello)).rejects.toMatchObject({
      failure: 'internal',
      upstreamStatus: 500,
      message: 'llama runner process has terminated',
    });
    upstream.fail({ kind: 'error', status: 400, message: 'invalid options: num_ctx' });
    await expect(call(ollamaChat, 'chat', hello)).rejects.toMatchObject({
      failure: 'bad_request',
      upstreamStatus: 400,
    });
  });

  it('refuses an image link without calling Ollama', async () => {
    const request = call(ollamaChat, 'chat', {
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://169.254.169.254/' } }] },
      ],
    });
    await expect(request).rejects.toBeInstanceOf(GatewayError);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('ollama provider (/api/generate)', () => {
  it('answers chat through /api/generate with the system message apart', async () => {
    const body = await json(
      call(ollama, 'chat', {
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Why is the sky blue?' },
        ],
      }),
    );
    expect(upstream.requests[0]).toMatchObject({
      path: '/api/generate',
      body: { model: 'llama3.1', prompt: 'Why is the sky blue?', system: 'Be brief.', stream: false },
    });
    expect(body).toMatchObject({
      object: 'chat.completion',
      choices: [
        { message: { role: 'assistant', content: 'echo: Why is the sky blue?' }, finish_reason: 'stop' },
      ],
    });
  });

  it('streams chat from the response field', async () => {
    const received = await frames(call(ollama, 'chat', { ...hello, stream: true }));
    const contents = received
      .slice(1, -2)
      .map((frame) => (frame as { choices: [{ delta: { content: string } }] }).choices[0].delta.content);
    expect(contents.join('')).toBe('echo: Hello there');
    expect(received.at(-1)).toBe('[DONE]');
  });

  it('answers a legacy completion as text_completion', async () => {
    const body = await json(call(ollama, 'completion', { prompt: 'Once upon a time', suffix: 'The end.' }));
    expect(upstream.requests[0]).toMatchObject({
      path: '/api/generate',
      body: { prompt: 'Once upon a time', suffix: 'The end.', stream: false },
    });
    expect(body).toEqual({
      id: 'cmpl-req-1',
      object: 'text_completion',
      created: fakeCreated,
      model: 'llama3.1',
      choices: [{ index: 0, text: 'echo: Once upon a time', logprobs: null, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: expect.any(Number) as number,
        completion_tokens: 5,
        total_tokens: expect.any(Number) as number,
      },
    });
  });

  it('streams a legacy completion', async () => {
    const received = await frames(
      call(ollama, 'completion', { prompt: 'Once', stream: true, stream_options: { include_usage: true } }),
    );
    expect(received).toEqual([
      expect.objectContaining({
        object: 'text_completion',
        choices: [{ index: 0, text: 'echo:', logprobs: null, finish_reason: null }],
      }),
      expect.objectContaining({
        choices: [{ index: 0, text: ' Once', logprobs: null, finish_reason: null }],
      }),
      expect.objectContaining({ choices: [{ index: 0, text: '', logprobs: null, finish_reason: 'stop' }] }),
      expect.objectContaining({
        choices: [],
        usage: expect.objectContaining({ completion_tokens: 2 }) as unknown,
      }),
      '[DONE]',
    ]);
  });

  it('refuses tools unless drop_params', async () => {
    const body = { ...hello, tools: [weatherTool] };
    await expect(call(ollama, 'chat', body)).rejects.toThrow(/use ollama_chat/);
    const target = deployment({ provider: 'ollama' });
    const result = await json(ollama.call('chat', body, target, context({ dropParams: true })));
    expect(upstream.requests[0]?.body).not.toHaveProperty('tools');
    expect(result.object).toBe('chat.completion');
  });
});

describe('embeddings (both providers)', () => {
  it.each([ollamaChat, ollama])('%s embeds through /api/embed', async (provider) => {
    const body = await json(
      call(
        provider,
        'embedding',
        { input: ['Why is the sky blue?', 'Why is grass green?'] },
        deployment({ provider: provider.name, model: 'nomic-embed-text' }),
      ),
    );
    expect(upstream.requests[0]).toMatchObject({
      path: '/api/embed',
      body: { model: 'nomic-embed-text', input: ['Why is the sky blue?', 'Why is grass green?'] },
    });
    expect(body).toMatchObject({
      object: 'list',
      model: 'nomic-embed-text',
      usage: { prompt_tokens: 10, total_tokens: 10 },
    });
    const data = body.data as { object: string; index: number; embedding: number[] }[];
    expect(data.map((item) => [item.object, item.index, item.embedding.length])).toEqual([
      ['embedding', 0, 4],
      ['embedding', 1, 4],
    ]);
  });

  it('embeds one text', async () => {
    const body = await json(call(ollamaChat, 'embedding', { input: 'hello' }));
    expect((body.data as unknown[]).length).toBe(1);
  });
});

describe('fake Ollama', () => {
  it('lists its models at GET /api/tags', async () => {
    const response = await fetch(`${upstream.url}/api/tags`);
    const body = (await response.json()) as { models: { name: string; details: { format: string } }[] };
    expect(body.models.map((model) => model.name)).toEqual(['llama3.1:latest', 'nomic-embed-text:latest']);
    expect(body.models[0]?.details.format).toBe('gguf');
  });

  it('streams NDJSON by default, as Ollama does', async () => {
    const response = await fetch(`${upstream.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.1', prompt: 'hi' }),
    });
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({
      done: true,
      done_reason: 'stop',
      context: expect.any(Array) as unknown,
    });
    expect(lines.at(-1)).toHaveProperty('eval_duration');
  });
});

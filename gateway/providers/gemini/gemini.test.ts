import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  blockedAnswer,
  blockedPrompt,
  cutMidStream,
  geminiProtocol,
  invalidGeminiKey,
} from '../../../e2e/fake-upstream/gemini.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../e2e/fake-upstream/server.ts';
import { startGateway, type RunningGateway } from '../../test-support/gateway.ts';
import { geminiUrl } from './gemini.ts';

const masterKey = 'sk-master-gemini-0123456789';
const geminiKey = 'AIzaSyFakeGeminiKeyForTests0000000000';
let fake: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeUpstream([geminiProtocol()]);
  gateway = await startGateway(`
model_list:
  - model_name: flash
    litellm_params: { model: gemini/gemini-2.5-flash, api_base: ${fake.url}, api_key: ${geminiKey} }
  - model_name: flash-env-key
    litellm_params: { model: gemini/gemini-2.5-flash, api_base: ${fake.url} }
  - model_name: flash-bad-key
    litellm_params: { model: gemini/gemini-2.5-flash, api_base: ${fake.url}, api_key: ${invalidGeminiKey} }
  - model_name: embed
    litellm_params: { model: gemini/text-embedding-004, api_base: ${fake.url}, api_key: ${geminiKey} }
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
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
      $schema: 'http://json-schema.org/draft-07/schema#',
    },
  },
};

describe('gemini provider through the gateway, with the openai client', () => {
  it('defaults to the AI Studio v1beta endpoint', () => {
    expect(geminiUrl(undefined, 'gemini-2.5-flash', 'generateContent')).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent',
    );
    expect(geminiUrl('https://proxy.example/v1beta/', 'models/gemini-2.5-pro', 'batchEmbedContents')).toBe(
      'https://proxy.example/v1beta/models/gemini-2.5-pro:batchEmbedContents',
    );
  });

  it('answers a chat with a system instruction, sending the key as x-goog-api-key', async () => {
    const completion = await client.chat.completions.create({
      model: 'flash',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hello gemini' },
      ],
      max_completion_tokens: 50,
      temperature: 0.2,
    });
    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: 'gemini-2.5-flash',
      choices: [{ message: { role: 'assistant', content: 'echo: hello gemini' }, finish_reason: 'stop' }],
    });
    expect(completion.id).toMatch(/^chatcmpl-fakeResp/);
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
    const sent = lastSent();
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe(geminiKey);
    expect(sent.path).not.toContain('key=');
    expect(sent.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'hello gemini' }] }],
      systemInstruction: { parts: [{ text: 'You are terse.' }] },
      generationConfig: { temperature: 0.2, maxOutputTokens: 50 },
    });
  });

  it('sends images as inline data in a multi-part message', async () => {
    const completion = await client.chat.completions.create({
      model: 'flash',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe('echo: what is this? [image/png]');
    expect(lastSent().body.contents).toEqual([
      {
        role: 'user',
        parts: [{ text: 'what is this?' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }],
      },
    ]);
  });

  it('calls tools and takes their results back as function responses', async () => {
    const first = await client.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: 'what is the weather in Paris?' }],
      tools: [weatherTool],
      tool_choice: 'required',
    });
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function).toEqual({
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    });
    expect(call?.id).toMatch(/^call_/);
    expect(lastSent().body).toMatchObject({
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Current weather for a city',
              parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    });

    const second = await client.chat.completions.create({
      model: 'flash',
      messages: [
        { role: 'user', content: 'what is the weather in Paris?' },
        choice?.message as OpenAI.ChatCompletionAssistantMessageParam,
        { role: 'tool', tool_call_id: call?.id ?? '', content: '{"celsius":21}' },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message.content).toContain('echo:');
    expect(lastSent().body.contents).toEqual([
      { role: 'user', parts: [{ text: 'what is the weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { celsius: 21 } } }] },
    ]);
  });

  it('reports a safety block of the answer as content_filter', async () => {
    const completion = await client.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: `say something ${blockedAnswer}` }],
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'content_filter',
      message: { content: null },
    });
  });

  it('reports a blocked prompt as one empty content_filter choice', async () => {
    const completion = await client.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: `please ${blockedPrompt}` }],
    });
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'content_filter',
      message: { content: null },
    });
  });

  it('maps max_tokens truncation to length', async () => {
    const completion = await client.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: 'one two three four' }],
      max_completion_tokens: 2,
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'length',
      message: { content: 'echo: one' },
    });
  });

  it('streams text as OpenAI chunks through streamGenerateContent?alt=sse, with usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('echo: one two three');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(4);
    expect(lastSent().path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('streams a tool call', async () => {
    const stream = await client.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [weatherTool],
      stream: true,
    });
    const calls: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      index: 0,
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    expect(finish).toBe('tool_calls');
  });

  it('ends a stream cut off by the upstream with an error the client sees', async () => {
    const stream = await client.chat.completions.create({
      model: 'flash',
      messages: [{ role: 'user', content: `a b c d ${cutMidStream}` }],
      stream: true,
    });
    const failure = await (async () => {
      for await (const chunk of stream) expect(chunk.object).toBe('chat.completion.chunk');
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
  });

  it('embeds through batchEmbedContents', async () => {
    const embedding = await client.embeddings.create({
      model: 'embed',
      input: ['alpha', 'beta'],
      dimensions: 8,
    });
    expect(embedding.data).toHaveLength(2);
    expect(embedding.data[0]?.embedding).toHaveLength(8);
    expect(embedding.usage.prompt_tokens).toBeGreaterThan(0);
    const sent = lastSent();
    expect(sent.path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(sent.body).toEqual({
      requests: [
        {
          model: 'models/text-embedding-004',
          content: { parts: [{ text: 'alpha' }] },
          outputDimensionality: 8,
        },
        {
          model: 'models/text-embedding-004',
          content: { parts: [{ text: 'beta' }] },
          outputDimensionality: 8,
        },
      ],
    });
  });

  it('reads the key from GEMINI_API_KEY when litellm_params has none', async () => {
    vi.stubEnv('GEMINI_API_KEY', 'AIzaFromTheEnvironment000000000000000');
    await client.chat.completions.create({
      model: 'flash-env-key',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(lastSent().headers['x-goog-api-key']).toBe('AIzaFromTheEnvironment000000000000000');
  });

  it('passes an invalid key on as an authentication error, without the key', async () => {
    const failure = await client.chat.completions
      .create({ model: 'flash-bad-key', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).message).toContain('API key not valid');
    expect((failure as InstanceType<typeof OpenAI.APIError>).code).toBe('API_KEY_INVALID');
    expect(JSON.stringify(failure)).not.toContain(invalidGeminiKey);
  });

  it('passes Google rate limits on as 429 with their status as the code', async () => {
    fake.fail({ kind: 'error', status: 429, message: 'Resource has been exhausted (e.g. check quota).' });
    const failure = await client.chat.completions
      .create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).code).toBe('RESOURCE_EXHAUSTED');
  });

  it('refuses a parameter Gemini does not take unless drop_params', async () => {
    const failure = await client.chat.completions
      .create({ model: 'flash', messages: [{ role: 'user', content: 'hi' }], logit_bias: { '1': 5 } })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as Error).message).toContain("'logit_bias'");
    expect(fake.requests).toHaveLength(0);
  });
});

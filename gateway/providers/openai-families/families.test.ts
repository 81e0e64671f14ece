import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { openAIProtocol } from '../../../e2e/fake-upstream/openai.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../e2e/fake-upstream/server.ts';
import { startGateway, type RunningGateway } from '../../test-support/gateway.ts';

const masterKey = 'sk-master-families-0123456789';
let fake: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

/** Every family pointed at the fake, each under its own path so the test sees which one was called. */
function deploymentsYaml(url: string): string {
  const rows: [string, string, string][] = [
    ['groq', 'groq/llama-3.1-70b-versatile', ''],
    ['groq-lenient', 'groq/llama-3.1-8b-instant', 'api_key: gsk-lenient, drop_params: true'],
    ['openrouter', 'openrouter/anthropic/claude-3.5-sonnet', 'api_key: sk-or-test-key'],
    ['mistral', 'mistral/mistral-large-latest', 'api_key: mistral-key'],
    ['mistral-embed', 'mistral/mistral-embed', 'api_key: mistral-key'],
    ['together', 'together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo', 'api_key: together-key'],
    ['deepseek', 'deepseek/deepseek-chat', 'api_key: deepseek-key'],
    ['grok', 'xai/grok-3-mini', 'api_key: xai-key'],
    ['cerebras', 'cerebras/llama3.1-8b', 'api_key: cerebras-key'],
    ['fireworks', 'fireworks_ai/llama-v3p1-8b-instruct', 'api_key: fw-key'],
    ['perplexity', 'perplexity/sonar', 'api_key: pplx-key'],
    ['nim', 'nvidia_nim/meta/llama3-70b-instruct', 'api_key: nvapi-key'],
    ['deepinfra', 'deepinfra/meta-llama/Meta-Llama-3-8B-Instruct', 'api_key: di-key'],
    [
      'azure-ai',
      'azure_ai/Llama-3.3-70B-Instruct',
      "api_key: azure-ai-key, api_version: '2024-05-01-preview'",
    ],
    ['instruct', 'text-completion-openai/gpt-3.5-turbo-instruct', 'api_key: openai-key'],
  ];
  return rows
    .map(([name, model, extra]) => {
      const family = model.slice(0, model.indexOf('/'));
      const params = [`model: ${model}`, `api_base: ${url}/${family}/v1`, extra].filter(Boolean).join(', ');
      return `  - model_name: ${name}\n    litellm_params: { ${params} }`;
    })
    .join('\n');
}

beforeAll(async () => {
  fake = await startFakeUpstream([openAIProtocol({ pathPrefix: '/' })]);
  gateway = await startGateway(
    `model_list:\n${deploymentsYaml(fake.url)}\nlitellm_settings: { num_retries: 0 }\ngeneral_settings: { master_key: ${masterKey} }\n`,
  );
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
    path: sent?.path,
    headers: sent?.headers ?? {},
    body: (sent?.body ?? {}) as Record<string, unknown>,
  };
}

async function chat(model: string, extra: Record<string, unknown> = {}) {
  return client.chat.completions.create({
    model,
    messages: [{ role: 'user', content: `hello ${model}` }],
    ...extra,
  } as OpenAI.ChatCompletionCreateParamsNonStreaming);
}

describe('OpenAI-compatible families through the gateway, with the openai client', () => {
  it.each([
    ['openrouter', '/openrouter/v1/chat/completions', 'Bearer sk-or-test-key', 'anthropic/claude-3.5-sonnet'],
    ['mistral', '/mistral/v1/chat/completions', 'Bearer mistral-key', 'mistral-large-latest'],
    [
      'together',
      '/together_ai/v1/chat/completions',
      'Bearer together-key',
      'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    ],
    ['deepseek', '/deepseek/v1/chat/completions', 'Bearer deepseek-key', 'deepseek-chat'],
    ['grok', '/xai/v1/chat/completions', 'Bearer xai-key', 'grok-3-mini'],
    ['cerebras', '/cerebras/v1/chat/completions', 'Bearer cerebras-key', 'llama3.1-8b'],
    [
      'fireworks',
      '/fireworks_ai/v1/chat/completions',
      'Bearer fw-key',
      'accounts/fireworks/models/llama-v3p1-8b-instruct',
    ],
    ['perplexity', '/perplexity/v1/chat/completions', 'Bearer pplx-key', 'sonar'],
    ['nim', '/nvidia_nim/v1/chat/completions', 'Bearer nvapi-key', 'meta/llama3-70b-instruct'],
    ['deepinfra', '/deepinfra/v1/chat/completions', 'Bearer di-key', 'meta-llama/Meta-Llama-3-8B-Instruct'],
    [
      'azure-ai',
      '/azure_ai/v1/chat/completions?api-version=2024-05-01-preview',
      'Bearer azure-ai-key',
      'Llama-3.3-70B-Instruct',
    ],
  ])('%s: calls %s with %s and model %s', async (name, path, authorization, model) => {
    const completion = await chat(name);
    expect(completion.choices[0]?.message.content).toBe(`echo: hello ${name}`);
    const sent = lastSent();
    expect(sent.path).toBe(path);
    expect(sent.headers.authorization).toBe(authorization);
    expect(sent.body.model).toBe(model);
  });

  it('groq: takes the key from GROQ_API_KEY when litellm_params has none', async () => {
    vi.stubEnv('GROQ_API_KEY', 'gsk-from-env');
    await chat('groq');
    const sent = lastSent();
    expect(sent.path).toBe('/groq/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer gsk-from-env');
    expect(sent.body.model).toBe('llama-3.1-70b-versatile');
  });

  it('openrouter: sends the attribution headers from OR_SITE_URL and OR_APP_NAME', async () => {
    vi.stubEnv('OR_SITE_URL', 'https://example.com');
    vi.stubEnv('OR_APP_NAME', 'Example App');
    await chat('openrouter');
    expect(lastSent().headers['http-referer']).toBe('https://example.com');
    expect(lastSent().headers['x-title']).toBe('Example App');
  });

  it('streams a family chat untouched, usage included', async () => {
    const stream = await client.chat.completions.create({
      model: 'groq',
      messages: [{ role: 'user', content: 'one two' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let total: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      total = chunk.usage?.total_tokens ?? total;
    }
    expect(text).toBe('echo: one two');
    expect(total).toBeGreaterThan(0);
  });

  it('refuses a parameter the family does not take, naming it', async () => {
    const failure = await chat('groq', { logit_bias: { '50256': -100 } }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as Error).message).toContain("groq does not support the parameter 'logit_bias'");
    expect(fake.requests).toHaveLength(0);
  });

  it('drops the refused parameter when the deployment sets drop_params', async () => {
    await chat('groq-lenient', { logit_bias: { '50256': -100 }, temperature: 0.5 });
    expect(lastSent().body).not.toHaveProperty('logit_bias');
    expect(lastSent().body.temperature).toBe(0.5);
  });

  it('renames and maps Mistral parameters (seed → random_seed, tool_choice required → any)', async () => {
    await chat('mistral', {
      seed: 7,
      max_completion_tokens: 20,
      tool_choice: 'required',
      tools: [
        { type: 'function', function: { name: 'noop', parameters: { type: 'object', properties: {} } } },
      ],
    });
    const { body } = lastSent();
    expect(body).toMatchObject({ random_seed: 7, max_tokens: 20, tool_choice: 'any' });
    expect(body).not.toHaveProperty('seed');
    expect(body).not.toHaveProperty('max_completion_tokens');
  });

  it('serves embeddings for families that have them', async () => {
    const embedding = await client.embeddings.create({ model: 'mistral-embed', input: ['a', 'b'] });
    expect(embedding.data).toHaveLength(2);
    expect(lastSent().path).toBe('/mistral/v1/embeddings');
    expect(lastSent().body.model).toBe('mistral-embed');
  });

  it('text-completion-openai: sends a chat as a prompt to /completions and answers as chat', async () => {
    const completion = await chat('instruct');
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message).toMatchObject({
      role: 'assistant',
      content: 'echo: hello instruct',
    });
    const sent = lastSent();
    expect(sent.path).toBe('/text-completion-openai/v1/completions');
    expect(sent.body).toMatchObject({ model: 'gpt-3.5-turbo-instruct', prompt: 'hello instruct' });
    expect(sent.body).not.toHaveProperty('messages');
  });

  it('text-completion-openai: streams a chat from the completion stream', async () => {
    const stream = await client.chat.completions.create({
      model: 'instruct',
      messages: [{ role: 'user', content: 'a b c' }],
      stream: true,
    });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('echo: a b c');
    expect(finish).toBe('stop');
  });

  it('passes an upstream 401 on in OpenAI shape with the key scrubbed', async () => {
    fake.fail({ kind: 'error', status: 401, message: 'Incorrect API key provided: sk-leaked-key-123456789' });
    const failure = await chat('deepseek').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((failure as Error).message).not.toContain('leaked-key-123456789');
  });
});

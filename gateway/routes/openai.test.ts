import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAIProtocol } from '../../e2e/fake-upstream/openai.ts';
import { startFakeUpstream, type FakeUpstream } from '../../e2e/fake-upstream/server.ts';
import { startGateway, type RunningGateway } from '../test-support/gateway.ts';

const masterKey = 'sk-master-test-0123456789';
let openaiUpstream: FakeUpstream;
let azureUpstream: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  openaiUpstream = await startFakeUpstream([openAIProtocol()]);
  azureUpstream = await startFakeUpstream([openAIProtocol({ pathPrefix: '/openai/deployments' })]);
  gateway = await startGateway(
    `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o-2024-08-06, api_base: ${openaiUpstream.url}/v1, api_key: os.environ/TEST_OPENAI_KEY }
  - model_name: gpt-env
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${openaiUpstream.url}/v1, extra_body: { service_tier: flex } }
  - model_name: text-embedding-3-small
    litellm_params: { model: openai/text-embedding-3-small, api_base: ${openaiUpstream.url}/v1, api_key: sk-upstream-key }
  - model_name: azure-gpt
    litellm_params: { model: azure/my-gpt4o-deployment, api_base: ${azureUpstream.url}, api_key: azure-key-123, api_version: '2024-06-01' }
general_settings:
  master_key: ${masterKey}
`,
    { TEST_OPENAI_KEY: 'sk-openai-from-env' },
  );
  client = new OpenAI({ apiKey: masterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await openaiUpstream.close();
  await azureUpstream.close();
});

describe('OpenAI endpoints through the official openai client', () => {
  it('answers a chat completion and sends the deployment model and key upstream', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hello there' }],
    });
    expect(completion.choices[0]?.message.content).toBe('echo: hello there');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    const sent = openaiUpstream.requests.at(-1);
    expect(sent?.path).toBe('/v1/chat/completions');
    expect((sent?.body as { model: string }).model).toBe('gpt-4o-2024-08-06');
    expect(sent?.headers.authorization).toBe('Bearer sk-openai-from-env');
  });

  it('streams a chat completion as SSE chunks, with usage when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('echo: one two three');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(4);
  });

  it('reads OPENAI_API_KEY when api_key is not set, and adds extra_body to every request', async () => {
    process.env.OPENAI_API_KEY = 'sk-openai-env-fallback';
    try {
      await client.chat.completions.create({ model: 'gpt-env', messages: [{ role: 'user', content: 'hi' }] });
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
    const sent = openaiUpstream.requests.at(-1);
    expect(sent?.headers.authorization).toBe('Bearer sk-openai-env-fallback');
    expect(sent?.body).toMatchObject({ model: 'gpt-4o-mini', service_tier: 'flex' });
  });

  it('answers legacy completions and embeddings', async () => {
    const completion = await client.completions.create({ model: 'gpt-4o', prompt: 'say hi' });
    expect(completion.choices[0]?.text).toBe('echo: say hi');
    expect(openaiUpstream.requests.at(-1)?.path).toBe('/v1/completions');

    const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(embedding.data).toHaveLength(2);
    expect(embedding.data[0]?.embedding.length).toBeGreaterThan(0);
  });

  it('lists the model groups', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id).sort()).toEqual([
      'azure-gpt',
      'gpt-4o',
      'gpt-env',
      'text-embedding-3-small',
    ]);
  });

  it('calls Azure deployment URLs with api-version and api-key, streaming included', async () => {
    const completion = await client.chat.completions.create({
      model: 'azure-gpt',
      messages: [{ role: 'user', content: 'hi azure' }],
    });
    expect(completion.choices[0]?.message.content).toBe('echo: hi azure');
    const sent = azureUpstream.requests.at(-1);
    expect(sent?.path).toBe(
      '/openai/deployments/my-gpt4o-deployment/chat/completions?api-version=2024-06-01',
    );
    expect(sent?.headers['api-key']).toBe('azure-key-123');
    expect(sent?.headers.authorization).toBeUndefined();

    const stream = await client.chat.completions.create({
      model: 'azure-gpt',
      messages: [{ role: 'user', content: 'streamed' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: streamed');
  });

  it('serves the same paths without /v1 and echoes or assigns x-request-id', async () => {
    const response = await fetch(`${gateway.url}/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${masterKey}`,
        'content-type': 'application/json',
        'x-request-id': 'my-trace-1',
      },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'root path' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('my-trace-1');
    const other = await fetch(`${gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${masterKey}` },
    });
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never writes a key to the log', async () => {
    await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'log check' }],
    });
    const text = JSON.stringify(gateway.logs);
    expect(gateway.logs.some((line) => line.msg === 'request' && line.status === 200)).toBe(true);
    for (const secret of [masterKey, 'sk-openai-from-env', 'sk-upstream-key', 'azure-key-123'])
      expect(text).not.toContain(secret);
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { geminiProtocol } from '../../../e2e/fake-upstream/gemini.ts';
import { googleOAuth, type GoogleOAuth } from '../../../e2e/fake-upstream/google-oauth.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../e2e/fake-upstream/server.ts';
import { vertexAnthropicProtocol } from '../../../e2e/fake-upstream/vertex-anthropic.ts';
import { startGateway, type RunningGateway } from '../../test-support/gateway.ts';

const masterKey = 'sk-master-vertex-0123456789';
const clientEmail = 'switchyard-test@my-proj.iam.gserviceaccount.com';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const otherKeyPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

let oauth: GoogleOAuth;
let fake: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;

function serviceAccount(url: string, key: string): string {
  return JSON.stringify({
    type: 'service_account',
    project_id: 'sa-project',
    private_key_id: 'key-1',
    private_key: key,
    client_email: clientEmail,
    client_id: '1234567890',
    token_uri: `${url}/token`,
  });
}

beforeAll(async () => {
  oauth = googleOAuth({ publicKey, clientEmail });
  fake = await startFakeUpstream([
    oauth.protocol,
    geminiProtocol({ acceptToken: oauth.accepts }),
    vertexAnthropicProtocol(oauth.accepts),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'vertex-test-'));
  const keyFile = join(dir, 'service-account.json');
  writeFileSync(keyFile, serviceAccount(fake.url, privateKeyPem));
  const common = `api_base: ${fake.url}`;
  gateway = await startGateway(
    `
model_list:
  - model_name: gemini-file
    litellm_params: { model: vertex_ai/gemini-2.5-flash, vertex_project: my-proj, vertex_location: europe-west4, vertex_credentials: ${keyFile}, ${common} }
  - model_name: gemini-env
    litellm_params: { model: vertex_ai/gemini-2.5-pro, vertex_credentials: os.environ/VERTEX_SA_JSON, ${common} }
  - model_name: claude
    litellm_params: { model: vertex_ai/claude-sonnet-4-5@20250929, vertex_project: my-proj, vertex_location: us-east5, vertex_credentials: ${keyFile}, ${common} }
  - model_name: gemini-metadata
    litellm_params: { model: vertex_ai/gemini-2.5-flash, vertex_project: gke-proj, ${common} }
  - model_name: vertex-embed
    litellm_params: { model: vertex_ai/text-embedding-005, vertex_project: my-proj, vertex_credentials: ${keyFile}, ${common} }
  - model_name: gemini-wrong-key
    litellm_params: { model: vertex_ai/gemini-2.5-flash, vertex_project: my-proj, vertex_credentials: os.environ/VERTEX_WRONG_SA_JSON, ${common} }
litellm_settings: { num_retries: 0 }
general_settings: { master_key: ${masterKey} }
`,
    {
      VERTEX_SA_JSON: serviceAccount(fake.url, privateKeyPem),
      VERTEX_WRONG_SA_JSON: serviceAccount(fake.url, otherKeyPem),
    },
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

function modelCalls() {
  return fake.requests.filter((request) => request.path.startsWith('/v1/'));
}

describe('vertex_ai through the gateway, with the openai client', () => {
  it('calls Gemini on Vertex with a token from the service account file, cached across calls', async () => {
    const issuedBefore = oauth.issued.length;
    for (const text of ['hello vertex', 'again']) {
      const completion = await client.chat.completions.create({
        model: 'gemini-file',
        messages: [{ role: 'user', content: text }],
      });
      expect(completion.choices[0]?.message.content).toBe(`echo: ${text}`);
    }
    expect(oauth.issued.length - issuedBefore).toBe(1);
    const token = oauth.issued.at(-1)?.token;
    const calls = modelCalls();
    expect(calls.map((call) => call.path)).toEqual([
      '/v1/projects/my-proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent',
      '/v1/projects/my-proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent',
    ]);
    expect(calls.every((call) => call.headers.authorization === `Bearer ${token ?? ''}`)).toBe(true);
    expect(calls[0]?.headers['x-goog-api-key']).toBeUndefined();
    const exchange = fake.requests.find((request) => request.path === '/token');
    expect(exchange?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('takes the credentials as JSON from an environment variable, and the project from them', async () => {
    const stream = await client.chat.completions.create({
      model: 'gemini-env',
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
    expect(modelCalls().at(-1)?.path).toBe(
      '/v1/projects/sa-project/locations/us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
    );
  });

  it('calls Anthropic models on Vertex through rawPredict, model in the URL and anthropic_version in the body', async () => {
    const completion = await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello claude' },
      ],
      max_completion_tokens: 64,
    });
    expect(completion.choices[0]?.message.content).toBe('echo: hello claude');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    const call = modelCalls().at(-1);
    expect(call?.path).toBe(
      '/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict',
    );
    expect(call?.body).toEqual({
      anthropic_version: 'vertex-2023-10-16',
      messages: [{ role: 'user', content: 'hello claude' }],
      system: 'Be brief.',
      max_tokens: 64,
    });
  });

  it('streams Anthropic models on Vertex through streamRawPredict, tool calls included', async () => {
    const stream = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
      stream: true,
    });
    let args = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    expect(finish).toBe('tool_calls');
    expect(modelCalls().at(-1)?.path).toMatch(/claude-sonnet-4-5@20250929:streamRawPredict$/);
  });

  it('uses the metadata server token when no credentials are given', async () => {
    const host = new URL(fake.url).host;
    vi.stubEnv('GCE_METADATA_HOST', host);
    vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', '');
    vi.stubEnv('VERTEXAI_CREDENTIALS', '');
    const completion = await client.chat.completions.create({
      model: 'gemini-metadata',
      messages: [{ role: 'user', content: 'from gke' }],
    });
    expect(completion.choices[0]?.message.content).toBe('echo: from gke');
    const metadata = fake.requests.find((request) => request.path.startsWith('/computeMetadata/'));
    expect(metadata?.headers['metadata-flavor']).toBe('Google');
    expect(oauth.issued.at(-1)?.via).toBe('metadata');
  });

  it('reports a refused service account as an authentication error without the key', async () => {
    const failure = await client.chat.completions
      .create({ model: 'gemini-wrong-key', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
    const message = (failure as Error).message;
    expect(message).toContain('invalid_grant: Invalid JWT Signature.');
    expect(message).not.toContain('PRIVATE KEY');
    expect(modelCalls()).toHaveLength(0);
    const logged = JSON.stringify(gateway.logs);
    expect(logged).not.toContain('PRIVATE KEY');
    expect(logged).not.toContain(otherKeyPem.slice(40, 80));
  });

  it('embeds through :predict with the token counts Vertex reports', async () => {
    const embedding = await client.embeddings.create({
      model: 'vertex-embed',
      input: ['one two', 'three'],
      dimensions: 6,
    });
    expect(embedding.data.map((item) => item.embedding.length)).toEqual([6, 6]);
    expect(embedding.usage.prompt_tokens).toBe(3);
    const call = modelCalls().at(-1);
    expect(call?.path).toBe(
      '/v1/projects/my-proj/locations/us-central1/publishers/google/models/text-embedding-005:predict',
    );
    expect(call?.body).toEqual({
      instances: [{ content: 'one two' }, { content: 'three' }],
      parameters: { outputDimensionality: 6 },
    });
  });

  it('passes a Vertex rate limit on as 429', async () => {
    fake.fail(
      { kind: 'error', status: 429, message: 'Quota exceeded for aiplatform.googleapis.com.' },
      1,
      (request) => request.path.startsWith('/v1/'),
    );
    const failure = await client.chat.completions
      .create({ model: 'gemini-file', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
  });
});

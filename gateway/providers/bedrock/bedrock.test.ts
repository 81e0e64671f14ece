import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { stsProtocol } from '../../../e2e/fake-upstream/aws-sts.ts';
import {
  bedrockProtocol,
  guardrailTrigger,
  throttleMidStream,
  type AwsKey,
} from '../../../e2e/fake-upstream/bedrock.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../e2e/fake-upstream/server.ts';
import { startGateway, type RunningGateway } from '../../test-support/gateway.ts';

const masterKey = 'sk-master-bedrock-0123456789';
const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYTESTSECRET';
const keys = new Map<string, AwsKey>([
  ['AKIDTESTSTATIC', { secretAccessKey: secret }],
  ['ASIATESTSESSION', { secretAccessKey: 'session-secret', sessionToken: 'session-token-abc' }],
  ['AKIDFROMENV', { secretAccessKey: 'env-secret' }],
]);
const roleArn = 'arn:aws:iam::123456789012:role/switchyard-bedrock';
let sts: ReturnType<typeof stsProtocol>;
let fake: FakeUpstream;
let stsServer: FakeUpstream;
let gateway: RunningGateway;
let client: OpenAI;
let tokenFile: string;

beforeAll(async () => {
  fake = await startFakeUpstream([bedrockProtocol({ region: 'us-east-1', keys })]);
  sts = stsProtocol({ webIdentityToken: 'eyJ.oidc.token', roleArn, keys });
  stsServer = await startFakeUpstream([sts.protocol]);
  tokenFile = join(mkdtempSync(join(tmpdir(), 'irsa-')), 'token');
  writeFileSync(tokenFile, 'eyJ.oidc.token\n');
  const region = `aws_region_name: us-east-1, aws_bedrock_runtime_endpoint: ${fake.url}`;
  const staticKeys = 'aws_access_key_id: AKIDTESTSTATIC, aws_secret_access_key: os.environ/TEST_AWS_SECRET';
  gateway = await startGateway(
    `
model_list:
  - model_name: claude
    litellm_params: { model: 'bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0', ${staticKeys}, ${region} }
  - model_name: llama-session
    litellm_params: { model: 'bedrock/converse/us.meta.llama3-1-70b-instruct-v1:0', aws_access_key_id: ASIATESTSESSION, aws_secret_access_key: session-secret, aws_session_token: session-token-abc, ${region} }
  - model_name: nova-env
    litellm_params: { model: 'bedrock/amazon.nova-pro-v1:0', aws_bedrock_runtime_endpoint: ${fake.url} }
  - model_name: mistral-irsa
    litellm_params: { model: 'bedrock/mistral.mistral-large-2407-v1:0', ${region} }
  - model_name: wrong-secret
    litellm_params: { model: 'bedrock/anthropic.claude-3-haiku-20240307-v1:0', aws_access_key_id: AKIDTESTSTATIC, aws_secret_access_key: not-the-secret-value, ${region} }
  - model_name: titan-embed
    litellm_params: { model: 'bedrock/amazon.titan-embed-text-v2:0', ${staticKeys}, ${region} }
  - model_name: cohere-embed
    litellm_params: { model: 'bedrock/cohere.embed-english-v3', ${staticKeys}, ${region} }
litellm_settings: { num_retries: 0 }
general_settings: { master_key: ${masterKey} }
`,
    { TEST_AWS_SECRET: secret },
  );
  client = new OpenAI({ apiKey: masterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await fake.close();
  await stsServer.close();
});

beforeEach(() => {
  fake.reset();
  // The machine's own AWS settings must not leak into the deployments that read the environment.
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_ROLE_ARN',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
  ])
    vi.stubEnv(name, '');
  vi.stubEnv('AWS_REGION', 'us-east-1');
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
    description: 'Current weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('bedrock through the gateway, with the openai client', () => {
  it('calls Converse with a SigV4-signed request and translates the answer', async () => {
    const completion = await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello bedrock' },
      ],
      max_completion_tokens: 100,
      temperature: 0.1,
      stop: ['END'],
    });
    expect(completion).toMatchObject({
      id: 'chatcmpl-fake-req-0001',
      object: 'chat.completion',
      model: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
      choices: [{ message: { role: 'assistant', content: 'echo: hello bedrock' }, finish_reason: 'stop' }],
    });
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + 3);
    const sent = lastSent();
    expect(sent.path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse');
    expect(sent.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTESTSTATIC\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(sent.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'hello bedrock' }] }],
      system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 100, temperature: 0.1, stopSequences: ['END'] },
    });
  });

  it('calls tools and sends their results back as toolResult blocks', async () => {
    const first = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0];
    expect(call).toMatchObject({
      id: 'tooluse_FakeWeather01',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    expect(lastSent().body.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'get_weather',
            description: 'Current weather',
            inputSchema: {
              json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            },
          },
        },
      ],
      toolChoice: { tool: { name: 'get_weather' } },
    });
    const second = await client.chat.completions.create({
      model: 'claude',
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        choice?.message as OpenAI.ChatCompletionAssistantMessageParam,
        { role: 'tool', tool_call_id: call?.id ?? '', content: '21 degrees' },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message.content).toBe('echo: 21 degrees');
    expect((lastSent().body.messages as unknown[]).slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { text: 'Let me check.' },
          { toolUse: { toolUseId: 'tooluse_FakeWeather01', name: 'get_weather', input: { city: 'Paris' } } },
        ],
      },
      {
        role: 'user',
        content: [{ toolResult: { toolUseId: 'tooluse_FakeWeather01', content: [{ text: '21 degrees' }] } }],
      },
    ]);
  });

  it('streams ConverseStream event-stream frames as OpenAI chunks, with usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'claude',
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
    expect(lastSent().path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream');
    expect(lastSent().headers.accept).toBe('application/vnd.amazon.eventstream');
  });

  it('streams a tool call', async () => {
    const stream = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      tools: [weatherTool],
      stream: true,
    });
    let args = '';
    let name: string | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta.tool_calls?.[0];
      name = call?.function?.name ?? name;
      args += call?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    expect(finish).toBe('tool_calls');
  });

  it('ends a stream with an error when Bedrock sends an exception event mid-stream', async () => {
    const stream = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: `a b ${throttleMidStream}` }],
      stream: true,
    });
    const failure = await (async () => {
      for await (const chunk of stream) expect(chunk.object).toBe('chat.completion.chunk');
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('Too many tokens');
  });

  it('reports a guardrail intervention as content_filter', async () => {
    const completion = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: `please ${guardrailTrigger}` }],
    });
    expect(completion.choices[0]?.finish_reason).toBe('content_filter');
  });

  it('strips the converse/ route and signs the session token', async () => {
    await client.chat.completions.create({
      model: 'llama-session',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const sent = lastSent();
    expect(sent.path).toBe('/model/us.meta.llama3-1-70b-instruct-v1%3A0/converse');
    expect(sent.headers['x-amz-security-token']).toBe('session-token-abc');
    expect(sent.headers.authorization).toContain(
      'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,',
    );
  });

  it('takes credentials and region from the AWS environment variables', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'env-secret');
    const completion = await client.chat.completions.create({
      model: 'nova-env',
      messages: [{ role: 'user', content: 'env' }],
    });
    expect(completion.choices[0]?.message.content).toBe('echo: env');
    expect(lastSent().headers.authorization).toContain('Credential=AKIDFROMENV/');
  });

  it('assumes the IRSA role with the web identity token file, and caches the credentials', async () => {
    vi.stubEnv('AWS_ROLE_ARN', roleArn);
    vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', tokenFile);
    vi.stubEnv('AWS_ENDPOINT_URL_STS', stsServer.url);
    for (const text of ['irsa one', 'irsa two']) {
      const completion = await client.chat.completions.create({
        model: 'mistral-irsa',
        messages: [{ role: 'user', content: text }],
      });
      expect(completion.choices[0]?.message.content).toBe(`echo: ${text}`);
    }
    expect(sts.issued).toHaveLength(1);
    expect(lastSent().headers.authorization).toContain(`Credential=${sts.issued[0] ?? ''}/`);
    expect(lastSent().headers['x-amz-security-token']).toBe('fake-session-token-0001');
  });

  it('passes a refused signature on as 403 without the secret', async () => {
    const failure = await client.chat.completions
      .create({ model: 'wrong-secret', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).code).toBe('InvalidSignatureException');
    expect(JSON.stringify(failure)).not.toContain('not-the-secret-value');
    expect(JSON.stringify(gateway.logs)).not.toContain('not-the-secret-value');
    expect(JSON.stringify(gateway.logs)).not.toContain(secret);
  });

  it('passes throttling on as 429 and validation errors as 400', async () => {
    fake.fail({ kind: 'error', status: 429, message: 'Too many requests, please wait before trying again.' });
    const throttled = await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(OpenAI.RateLimitError);
    expect((throttled as InstanceType<typeof OpenAI.APIError>).code).toBe('ThrottlingException');
    const refused = await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], frequency_penalty: 1 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toContain("'frequency_penalty'");
  });

  it('embeds with Titan (one call per input) and Cohere (one call for all)', async () => {
    const titan = await client.embeddings.create({
      model: 'titan-embed',
      input: ['alpha beta', 'gamma'],
      dimensions: 8,
    });
    expect(titan.data.map((item) => item.embedding.length)).toEqual([8, 8]);
    expect(titan.usage.prompt_tokens).toBe(3);
    expect(fake.requests.map((request) => request.path)).toEqual([
      '/model/amazon.titan-embed-text-v2%3A0/invoke',
      '/model/amazon.titan-embed-text-v2%3A0/invoke',
    ]);
    const cohere = await client.embeddings.create({ model: 'cohere-embed', input: ['a', 'b', 'c'] });
    expect(cohere.data).toHaveLength(3);
    expect(lastSent().body).toEqual({ texts: ['a', 'b', 'c'], input_type: 'search_document' });
  });
});

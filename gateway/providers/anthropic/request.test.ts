import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../upstream/errors.ts';
import type { RequestBody } from '../types.ts';
import { defaultMaxTokens, toMessagesRequest, type RequestOptions } from './request.ts';

const options: RequestOptions = { model: 'claude-sonnet-4-5', dropParams: false };

function translate(body: RequestBody, extra: Partial<RequestOptions> = {}) {
  return toMessagesRequest({ model: 'group', ...body }, { ...options, ...extra });
}

function refusal(body: RequestBody, extra: Partial<RequestOptions> = {}): ProviderError {
  try {
    translate(body, extra);
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected a ProviderError');
}

const user = (content: unknown) => ({ role: 'user', content });

describe('toMessagesRequest: messages', () => {
  it.each([
    {
      name: 'a plain user message stays a string, with the deployment model and the default max_tokens',
      messages: [user('hi')],
      expected: { model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'hi' }] },
    },
    {
      name: 'one system message becomes a top-level string',
      messages: [{ role: 'system', content: 'be brief' }, user('hi')],
      expected: { system: 'be brief', messages: [{ role: 'user', content: 'hi' }] },
    },
    {
      name: 'system and developer messages, wherever they are, become text blocks in order',
      messages: [
        { role: 'system', content: 'one' },
        user('hi'),
        { role: 'developer', content: [{ type: 'text', text: 'two' }] },
      ],
      expected: {
        system: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
        messages: [{ role: 'user', content: 'hi' }],
      },
    },
    {
      name: 'a system part with cache_control keeps it (prompt caching)',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'long', cache_control: { type: 'ephemeral' } }] },
        user('hi'),
      ],
      expected: { system: [{ type: 'text', text: 'long', cache_control: { type: 'ephemeral' } }] },
    },
    {
      name: 'consecutive user messages merge into one turn',
      messages: [
        user('a'),
        user('b'),
        { role: 'assistant', content: 'c' },
        { role: 'assistant', content: 'd' },
      ],
      expected: {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'a' },
              { type: 'text', text: 'b' },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'c' },
              { type: 'text', text: 'd' },
            ],
          },
        ],
      },
    },
    {
      name: 'multi-part content: text, base64 data URL image, http image URL',
      messages: [
        user([
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
        ]),
      ],
      expected: {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            ],
          },
        ],
      },
    },
    {
      name: 'empty text parts are left out (Anthropic refuses them)',
      messages: [
        user([
          { type: 'text', text: '' },
          { type: 'text', text: 'x' },
        ]),
      ],
      expected: { messages: [{ role: 'user', content: 'x' }] },
    },
    {
      name: 'a message-level cache_control marks the last block',
      messages: [{ role: 'user', content: 'cache me', cache_control: { type: 'ephemeral' } }],
      expected: {
        messages: [
          {
            role: 'user',
            content: [{ type: 'text', text: 'cache me', cache_control: { type: 'ephemeral' } }],
          },
        ],
      },
    },
    {
      name: 'assistant tool_calls become tool_use blocks after the text, arguments parsed',
      messages: [
        user('weather in Paris and Rome?'),
        {
          role: 'assistant',
          content: 'Checking.',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
      ],
      expected: {
        messages: [
          { role: 'user', content: 'weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
              { type: 'tool_use', id: 'call_2', name: 'get_weather', input: {} },
            ],
          },
        ],
      },
    },
    {
      name: 'tool messages become tool_result blocks, consecutive ones in one user turn, before a following user text',
      messages: [
        user('q'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } },
            { id: 'call_2', type: 'function', function: { name: 'f', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'rainy' }] },
        user('and tomorrow?'),
      ],
      expected: {
        messages: [
          { role: 'user', content: 'q' },
          {
            role: 'assistant',
            content: [
              { type: 'tool_use', id: 'call_1', name: 'f', input: {} },
              { type: 'tool_use', id: 'call_2', name: 'f', input: {} },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
              { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: 'rainy' }] },
              { type: 'text', text: 'and tomorrow?' },
            ],
          },
        ],
      },
    },
    {
      name: "LiteLLM's thinking_blocks on an assistant message open its content",
      messages: [
        user('q'),
        {
          role: 'assistant',
          content: 'a',
          thinking_blocks: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }],
        },
      ],
      expected: {
        messages: [
          { role: 'user', content: 'q' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'hmm', signature: 'sig' },
              { type: 'text', text: 'a' },
            ],
          },
        ],
      },
    },
  ])('$name', ({ messages, expected }) => {
    expect(translate({ messages })).toMatchObject(expected);
  });

  it.each([
    {
      name: 'an unknown role',
      messages: [{ role: 'function', name: 'f', content: 'x' }],
      error: /role "function"/,
    },
    {
      name: 'an image URL that is neither http(s) nor a data URL',
      messages: [user([{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }])],
      error: /image_url\.url must be an http\(s\) URL/,
    },
    {
      name: 'a data URL that is not base64',
      messages: [user([{ type: 'image_url', image_url: { url: 'data:image/png,abc' } }])],
      error: /base64 data URL/,
    },
    {
      name: 'an unsupported content part',
      messages: [user([{ type: 'input_audio', input_audio: {} }])],
      error: /"input_audio" is not supported/,
    },
    {
      name: 'tool call arguments that are not a JSON object',
      messages: [
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }],
        },
      ],
      error: /tool_calls\[0\]\.function\.arguments must be a JSON object/,
    },
    {
      name: 'a tool message without tool_call_id',
      messages: [{ role: 'tool', content: 'x' }],
      error: /tool_call_id/,
    },
  ])('refuses $name with a 400 bad_request', ({ messages, error }) => {
    const failure = refusal({ messages });
    expect(failure.failure).toBe('bad_request');
    expect(failure.upstreamStatus).toBe(400);
    expect(failure.message).toMatch(error);
  });
});

describe('toMessagesRequest: parameters', () => {
  const messages = [user('hi')];

  it.each([
    { name: 'max_tokens', body: { max_tokens: 100 }, expected: { max_tokens: 100 } },
    {
      name: 'max_completion_tokens wins',
      body: { max_tokens: 100, max_completion_tokens: 50 },
      expected: { max_tokens: 50 },
    },
    { name: 'a stop string', body: { stop: 'END' }, expected: { stop_sequences: ['END'] } },
    {
      name: 'a stop list, whitespace-only left out',
      body: { stop: ['a', ' ', 'b'] },
      expected: { stop_sequences: ['a', 'b'] },
    },
    {
      name: 'temperature, top_p, top_k',
      body: { temperature: 0.2, top_p: 0.9, top_k: 40 },
      expected: { temperature: 0.2, top_p: 0.9, top_k: 40 },
    },
    { name: 'user as metadata.user_id', body: { user: 'u-42' }, expected: { metadata: { user_id: 'u-42' } } },
    {
      name: 'stream',
      body: { stream: true, stream_options: { include_usage: true } },
      expected: { stream: true },
    },
    {
      name: 'thinking (Anthropic extended thinking) passes through',
      body: { thinking: { type: 'enabled', budget_tokens: 1024 } },
      expected: { thinking: { type: 'enabled', budget_tokens: 1024 } },
    },
  ])('$name', ({ body, expected }) => {
    expect(translate({ messages, ...body })).toMatchObject(expected);
  });

  it('sends only what Anthropic takes', () => {
    const request = translate({
      messages,
      stream: true,
      stream_options: { include_usage: true },
      n: 1,
      logprobs: false,
      presence_penalty: 0,
      response_format: { type: 'text' },
      stop: null,
      temperature: null,
      parallel_tool_calls: false,
    });
    expect(Object.keys(request).sort()).toEqual(['max_tokens', 'messages', 'model', 'stream']);
  });

  it('takes max_tokens from litellm_params when the request sets none, else the default', () => {
    expect(translate({ messages }, { maxTokens: 2048 }).max_tokens).toBe(2048);
    expect(translate({ messages, max_tokens: 10 }, { maxTokens: 2048 }).max_tokens).toBe(10);
    expect(translate({ messages }).max_tokens).toBe(defaultMaxTokens);
  });

  it.each([
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { top_logprobs: 3 }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['presence_penalty', { presence_penalty: 0.5 }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['seed', { seed: 7 }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['functions', { functions: [{ name: 'f' }] }],
    ['modalities', { modalities: ['text', 'audio'] }],
    ['reasoning_effort', { reasoning_effort: 'low' }],
  ])('refuses %s with a 400 naming it, or drops it with drop_params', (name, params) => {
    const failure = refusal({ messages, ...params });
    expect(failure.failure).toBe('bad_request');
    expect(failure.upstreamStatus).toBe(400);
    expect(failure.message).toContain(`'${name}'`);
    expect(failure.message).toContain('drop_params');
    const dropped = translate({ messages, ...params }, { dropParams: true });
    expect(dropped).not.toHaveProperty(name);
    expect(dropped.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('names every unsupported parameter at once', () => {
    expect(refusal({ messages, n: 3, seed: 1 }).message).toContain("parameters 'n', 'seed'");
  });

  it.each([
    ['max_tokens', { max_tokens: 0 }],
    ['max_tokens', { max_tokens: 'ten' }],
    ['temperature', { temperature: 'hot' }],
  ])('refuses a malformed %s', (name, params) => {
    expect(refusal({ messages, ...params }).message).toContain(name);
  });
});

describe('toMessagesRequest: tools', () => {
  const messages = [user('hi')];
  const weather = {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  };
  const noParams = { type: 'function', function: { name: 'now' } };

  it('translates function tools to name, description and input_schema', () => {
    expect(translate({ messages, tools: [weather, noParams] }).tools).toEqual([
      {
        name: 'get_weather',
        description: 'Weather for a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ]);
  });

  it.each([
    { tool_choice: 'auto', parallel: undefined, expected: { type: 'auto' } },
    { tool_choice: 'required', parallel: undefined, expected: { type: 'any' } },
    { tool_choice: 'none', parallel: undefined, expected: { type: 'none' } },
    {
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel: undefined,
      expected: { type: 'tool', name: 'get_weather' },
    },
    { tool_choice: undefined, parallel: undefined, expected: undefined },
    { tool_choice: undefined, parallel: false, expected: { type: 'auto', disable_parallel_tool_use: true } },
    { tool_choice: 'required', parallel: false, expected: { type: 'any', disable_parallel_tool_use: true } },
    { tool_choice: 'auto', parallel: true, expected: { type: 'auto' } },
    { tool_choice: 'none', parallel: false, expected: { type: 'none' } },
  ])(
    'tool_choice $tool_choice, parallel_tool_calls $parallel → $expected',
    ({ tool_choice, parallel, expected }) => {
      const request = translate({ messages, tools: [weather], tool_choice, parallel_tool_calls: parallel });
      expect(request.tool_choice).toEqual(expected);
    },
  );

  it('sends no tool_choice without tools', () => {
    const request = translate({ messages, tools: [], tool_choice: 'auto', parallel_tool_calls: false });
    expect(request).not.toHaveProperty('tools');
    expect(request).not.toHaveProperty('tool_choice');
  });

  it('refuses tools that are not functions, and an unknown tool_choice', () => {
    expect(refusal({ messages, tools: [{ type: 'web_search' }] }).message).toMatch(/only function tools/);
    expect(refusal({ messages, tools: [weather], tool_choice: 'sometimes' }).message).toMatch(/tool_choice/);
  });
});

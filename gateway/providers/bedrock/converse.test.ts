import { describe, expect, it } from 'vitest';
import {
  converseEvent,
  converseException,
  encodeEventMessage,
} from '../../../e2e/fake-upstream/aws-event-stream.ts';
import { collect, fromList, payloadsOf } from '../anthropic/testing.ts';
import { readEventStream } from './event-stream.ts';
import { toConverseRequest } from './request.ts';
import { toChatCompletion, usageOf } from './response.ts';
import { toChatChunks } from './stream.ts';

const options = { model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', dropParams: false };

describe('readEventStream', () => {
  it('reassembles messages split anywhere across chunks and reads their headers', async () => {
    const bytes = Buffer.concat([
      converseEvent('messageStart', { role: 'assistant' }),
      converseEvent('messageStop', { stopReason: 'end_turn' }),
    ]);
    const pieces = [bytes.subarray(0, 5), bytes.subarray(5, 70), bytes.subarray(70)];
    const messages = [];
    for await (const message of readEventStream(fromList(pieces))) messages.push(message);
    expect(messages.map((message) => message.headers[':event-type'])).toEqual([
      'messageStart',
      'messageStop',
    ]);
    expect(JSON.parse(Buffer.from(messages[1]?.payload ?? []).toString())).toMatchObject({
      stopReason: 'end_turn',
    });
    const bytewise = [];
    for await (const message of readEventStream(fromList([...bytes].map((byte) => Uint8Array.of(byte)))))
      bytewise.push(message);
    expect(bytewise).toEqual(messages);
  });

  it('refuses a corrupt message and a stream cut inside one', async () => {
    const message = encodeEventMessage({ ':message-type': 'event' }, '{}');
    message.writeUInt8(message.readUInt8(14) ^ 0xff, 14);
    await expect(collect(readEventStream(fromList([message])) as AsyncIterable<never>)).rejects.toThrow(
      'malformed event stream: The message checksum',
    );
    const whole = encodeEventMessage({ ':message-type': 'event' }, '{}');
    await expect(
      collect(readEventStream(fromList([whole.subarray(0, 20)])) as AsyncIterable<never>),
    ).rejects.toThrow('ended inside a message');
    const huge = Buffer.from(whole);
    huge.writeUInt32BE(0xffffffff, 0);
    await expect(collect(readEventStream(fromList([huge])) as AsyncIterable<never>)).rejects.toThrow(
      'message length 4294967295',
    );
  });
});

describe('toConverseRequest', () => {
  it('merges same-role turns, keeps images as bytes and puts tool results in the user turn', () => {
    const request = toConverseRequest(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'look' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            ],
          },
          { role: 'user', content: 'and answer' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          },
          { role: 'tool', tool_call_id: 't1', content: '' },
        ],
        tools: [{ type: 'function', function: { name: 'f' } }],
        tool_choice: 'none',
        top_k: 5,
      },
      options,
    );
    expect(request).toEqual({
      messages: [
        {
          role: 'user',
          content: [
            { text: 'look' },
            { image: { format: 'png', source: { bytes: 'AAAA' } } },
            { text: 'and answer' },
          ],
        },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'f', input: { a: 1 } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: ' ' }] } }] },
      ],
      toolConfig: {
        tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object', properties: {} } } } }],
      },
      additionalModelRequestFields: { top_k: 5 },
    });
  });

  it('refuses image URLs it would have to download', () => {
    expect(() =>
      toConverseRequest(
        {
          messages: [
            {
              role: 'user',
              content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }],
            },
          ],
        },
        options,
      ),
    ).toThrow(/base64 data URL/);
  });

  it('drops unsupported parameters under drop_params', () => {
    expect(
      toConverseRequest(
        { messages: [{ role: 'user', content: 'x' }], seed: 1, n: 2 },
        { ...options, dropParams: true },
      ),
    ).toEqual({
      messages: [{ role: 'user', content: [{ text: 'x' }] }],
    });
    expect(() =>
      toConverseRequest({ messages: [{ role: 'user', content: 'x' }], seed: 1, n: 2 }, options),
    ).toThrow("bedrock does not support the parameters 'n', 'seed'");
  });
});

describe('Converse responses', () => {
  it('reads text, reasoning, tool use and cache usage', () => {
    const completion = toChatCompletion(
      {
        output: {
          message: {
            role: 'assistant',
            content: [
              { reasoningContent: { reasoningText: { text: 'hmm', signature: 's' } } },
              { text: 'Sure.' },
              { toolUse: { toolUseId: 'tu1', name: 'f', input: { x: 1 } } },
            ],
          },
        },
        stopReason: 'tool_use',
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15, cacheReadInputTokens: 4 },
      },
      { created: 1, model: 'm', requestId: 'r1' },
    );
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Sure.',
          refusal: null,
          reasoning_content: 'hmm',
          tool_calls: [{ id: 'tu1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ]);
    expect(completion.usage).toEqual({
      prompt_tokens: 14,
      completion_tokens: 5,
      total_tokens: 19,
      prompt_tokens_details: { cached_tokens: 4 },
      cache_read_input_tokens: 4,
    });
  });

  it('reads missing usage as zeros', () => {
    expect(usageOf(undefined)).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it('streams role, deltas, finish and usage; throws a classified error for an exception before the start', async () => {
    const frames = await collect(
      toChatChunks(
        fromList([
          converseEvent('messageStart', { role: 'assistant' }),
          converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' } }),
          converseEvent('contentBlockStop', { contentBlockIndex: 0 }),
          converseEvent('messageStop', { stopReason: 'max_tokens' }),
          converseEvent('metadata', { usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 } }),
        ]),
        { created: 1, includeUsage: true, model: 'm', requestId: 'r1' },
      ),
    );
    const payloads = payloadsOf(frames);
    expect(payloads.map((payload) => (payload.choices as unknown[])[0])).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'Hi' }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'length' },
      undefined,
    ]);
    expect(payloads.at(-1)?.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
    expect(frames.at(-1)).toBe('data: [DONE]\n\n');
    await expect(
      collect(
        toChatChunks(fromList([converseException('throttlingException', 'slow down')]), {
          created: 1,
          includeUsage: false,
          model: 'm',
          requestId: 'r',
        }),
      ),
    ).rejects.toMatchObject({
      failure: 'rate_limit',
      upstreamStatus: 429,
      upstreamCode: 'throttlingException',
    });
  });
});

describe('Converse passthrough', () => {
  it('sends guardrailConfig from litellm_params, the request winning', () => {
    const guardrail = { guardrailIdentifier: 'gr-1', guardrailVersion: '1' };
    const messages = [{ role: 'user', content: 'x' }];
    expect(
      toConverseRequest({ messages }, { ...options, params: { guardrailConfig: guardrail } }).guardrailConfig,
    ).toEqual(guardrail);
    const own = { guardrailIdentifier: 'gr-2', guardrailVersion: 'DRAFT' };
    expect(
      toConverseRequest(
        { messages, guardrailConfig: own },
        { ...options, params: { guardrailConfig: guardrail } },
      ).guardrailConfig,
    ).toEqual(own);
  });
});

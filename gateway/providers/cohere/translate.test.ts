import { describe, expect, it } from 'vitest';
import { collect, fromList, payloadsOf } from '../anthropic/testing.ts';
import { toCohereChat } from './request.ts';
import { toChatCompletion, usageOf } from './response.ts';
import { toChatChunks } from './stream.ts';

describe('toCohereChat', () => {
  it('maps response formats, tool_choice and passes Cohere fields through', () => {
    expect(
      toCohereChat(
        {
          messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
          response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object' } } },
          tools: [{ type: 'function', function: { name: 'f' } }],
          tool_choice: 'none',
          documents: [{ data: { text: 'doc' } }],
          top_k: 3,
          seed: 9,
        },
        { model: 'command-a', dropParams: false },
      ),
    ).toEqual({
      model: 'command-a',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }],
      response_format: { type: 'json_object', json_schema: { type: 'object' } },
      tools: [{ type: 'function', function: { name: 'f' } }],
      tool_choice: 'NONE',
      documents: [{ data: { text: 'doc' } }],
      k: 3,
      seed: 9,
    });
  });

  it('refuses what Cohere cannot do unless drop_params', () => {
    const body = { messages: [{ role: 'user', content: 'x' }], n: 3 };
    expect(() => toCohereChat(body, { model: 'm', dropParams: false })).toThrow(
      "cohere does not support the parameter 'n'",
    );
    expect(toCohereChat(body, { model: 'm', dropParams: true })).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
  });
});

describe('Cohere answers', () => {
  it('reads the tool plan as reasoning and falls back to billed units for usage', () => {
    const completion = toChatCompletion(
      {
        id: 'c1',
        finish_reason: 'TOOL_CALL',
        message: {
          role: 'assistant',
          tool_plan: 'plan',
          tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        usage: { billed_units: { input_tokens: 2, output_tokens: 1 } },
      },
      { created: 1, model: 'm' },
    );
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          reasoning_content: 'plan',
          tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ]);
    expect(
      usageOf({ tokens: { input_tokens: 5, output_tokens: 2 }, billed_units: { input_tokens: 1 } }),
    ).toEqual({
      prompt_tokens: 5,
      completion_tokens: 2,
      total_tokens: 7,
    });
  });

  it('streams until message-end, tolerating a trailing [DONE], and throws when message-end never comes', async () => {
    const event = (data: Record<string, unknown>) =>
      `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;
    const frames = await collect(
      toChatChunks(
        fromList([
          event({ type: 'message-start', id: 'x1' }),
          event({ type: 'content-delta', index: 0, delta: { message: { content: { text: 'Hi' } } } }),
          event({
            type: 'message-end',
            delta: { finish_reason: 'MAX_TOKENS', usage: { tokens: { input_tokens: 1, output_tokens: 1 } } },
          }),
          'data: [DONE]\n\n',
        ]),
        { created: 1, includeUsage: false, model: 'm' },
      ),
    );
    expect(
      payloadsOf(frames).map(
        (payload) => (payload.choices as { finish_reason: unknown }[])[0]?.finish_reason,
      ),
    ).toEqual([null, null, 'length']);
    await expect(
      collect(
        toChatChunks(fromList([event({ type: 'message-start', id: 'x' })]), {
          created: 1,
          includeUsage: false,
          model: 'm',
        }),
      ),
    ).rejects.toThrow('cohere stream ended before message-end');
  });
});

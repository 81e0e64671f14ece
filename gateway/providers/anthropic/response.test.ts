import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../upstream/errors.ts';
import { finishReasonOf, toChatCompletion, usageOf } from './response.ts';

const created = 1_750_000_000;

function message(overrides: Record<string, unknown>) {
  return {
    id: 'msg_01AbC',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: [{ type: 'text', text: 'Hello!' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 3 },
    ...overrides,
  };
}

describe('toChatCompletion', () => {
  it('translates a text answer into a chat.completion', () => {
    expect(toChatCompletion(message({}), created)).toEqual({
      id: 'chatcmpl-msg_01AbC',
      object: 'chat.completion',
      created,
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello!', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 12,
        completion_tokens: 3,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 0 },
      },
    });
  });

  it('joins text blocks and turns tool_use blocks into tool_calls', () => {
    const completion = toChatCompletion(
      message({
        content: [
          { type: 'text', text: 'Let me ' },
          { type: 'text', text: 'check.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_2', name: 'now', input: {} },
        ],
        stop_reason: 'tool_use',
      }),
      created,
    );
    expect(completion.choices[0].message).toEqual({
      role: 'assistant',
      content: 'Let me check.',
      refusal: null,
      tool_calls: [
        { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'toolu_2', type: 'function', function: { name: 'now', arguments: '{}' } },
      ],
    });
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
  });

  it('gives null content when the answer is only tool calls', () => {
    const completion = toChatCompletion(
      message({ content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }], stop_reason: 'tool_use' }),
      created,
    );
    expect(completion.choices[0].message.content).toBeNull();
  });

  it("keeps thinking as LiteLLM's reasoning_content and thinking_blocks", () => {
    const completion = toChatCompletion(
      message({
        content: [
          { type: 'thinking', thinking: 'Let me think.', signature: 'sig1' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'text', text: '42' },
        ],
      }),
      created,
    );
    expect(completion.choices[0].message).toMatchObject({
      content: '42',
      reasoning_content: 'Let me think.',
      thinking_blocks: [
        { type: 'thinking', thinking: 'Let me think.', signature: 'sig1' },
        { type: 'redacted_thinking', data: 'opaque' },
      ],
    });
  });

  it('ignores block types it does not know', () => {
    const completion = toChatCompletion(
      message({
        content: [
          { type: 'server_tool_use', id: 's', name: 'web_search', input: {} },
          { type: 'text', text: 'x' },
        ],
      }),
      created,
    );
    expect(completion.choices[0].message).toEqual({ role: 'assistant', content: 'x', refusal: null });
  });

  it('refuses a body that is not a message', () => {
    expect(() => toChatCompletion({ type: 'error' }, created)).toThrow(ProviderError);
    expect(() => toChatCompletion('oops', created)).toThrow(/not a message/);
  });
});

describe('finishReasonOf', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    [null, 'stop'],
  ])('%s → %s', (stopReason, finishReason) => {
    expect(finishReasonOf(stopReason)).toBe(finishReason);
  });
});

describe('usageOf', () => {
  it('counts cache reads and writes into the prompt and keeps cached_tokens', () => {
    expect(
      usageOf({
        input_tokens: 10,
        output_tokens: 5,
        cache_creation_input_tokens: 100,
        cache_read_input_tokens: 1000,
      }),
    ).toEqual({
      prompt_tokens: 1110,
      completion_tokens: 5,
      total_tokens: 1115,
      prompt_tokens_details: { cached_tokens: 1000 },
      cache_creation_input_tokens: 100,
      cache_read_input_tokens: 1000,
    });
  });

  it('treats null cache counts as zero', () => {
    expect(
      usageOf({
        input_tokens: 3,
        output_tokens: 4,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: null,
      }),
    ).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });
});

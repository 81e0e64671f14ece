import { describe, expect, it } from 'vitest';
import { chatCompletion, finishReason, openAIToolCalls, textCompletion, usageOf } from './chat-response.ts';
import type { OllamaAnswer } from './wire.ts';

const meta = { id: 'chatcmpl-req1', model: 'llama3.1' };

/** `/api/chat` with `stream: false`, as Ollama's API documentation shows it. */
const chatAnswer: OllamaAnswer = {
  model: 'llama3.2',
  created_at: '2023-12-12T14:13:43.416799Z',
  message: { role: 'assistant', content: 'Hello! How are you today?' },
  done_reason: 'stop',
  done: true,
  total_duration: 5191566416,
  load_duration: 2154458,
  prompt_eval_count: 26,
  prompt_eval_duration: 383809000,
  eval_count: 298,
  eval_duration: 4799921000,
};

describe('chatCompletion', () => {
  it('translates a plain answer', () => {
    expect(chatCompletion(chatAnswer, meta)).toEqual({
      id: 'chatcmpl-req1',
      object: 'chat.completion',
      created: 1702390423,
      model: 'llama3.2',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello! How are you today?' },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 26, completion_tokens: 298, total_tokens: 324 },
    });
  });

  it('translates tool calls: JSON-string arguments, ids call_<n>, finish_reason tool_calls, null content', () => {
    const answer: OllamaAnswer = {
      ...chatAnswer,
      message: {
        role: 'assistant',
        content: '',
        tool_calls: [
          {
            function: {
              name: 'get_current_weather',
              arguments: { format: 'celsius', location: 'Paris, FR' },
            },
          },
          { function: { name: 'get_time', arguments: {} } },
        ],
      },
    };
    const { choices } = chatCompletion(answer, meta);
    expect(choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_0',
            type: 'function',
            function: {
              name: 'get_current_weather',
              arguments: '{"format":"celsius","location":"Paris, FR"}',
            },
          },
          { id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
  });

  it('reads a generate answer, reasoning, a length stop and missing counts', () => {
    const body = chatCompletion(
      {
        model: 'qwen3',
        created_at: 'not a date',
        response: '42',
        thinking: 'Six times seven.',
        done: true,
        done_reason: 'length',
      },
      meta,
    );
    expect(body.created).toBe(0);
    expect(body.choices[0]?.message).toEqual({
      role: 'assistant',
      content: '42',
      reasoning_content: 'Six times seven.',
    });
    expect(body.choices[0]?.finish_reason).toBe('length');
    expect(body.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it('names the deployment model when Ollama names none', () => {
    expect(chatCompletion({ message: { content: 'hi' }, done: true }, meta).model).toBe('llama3.1');
  });
});

describe('textCompletion', () => {
  it('translates a generate answer as a legacy completion', () => {
    expect(
      textCompletion(
        {
          model: 'codellama:code',
          created_at: '2024-07-22T20:47:51.147561Z',
          response: '\n  if a == 0:\n    return b',
          done: true,
          done_reason: 'stop',
          prompt_eval_count: 17,
          eval_count: 63,
        },
        { id: 'cmpl-req1', model: 'codellama' },
      ),
    ).toEqual({
      id: 'cmpl-req1',
      object: 'text_completion',
      created: 1721681271,
      model: 'codellama:code',
      choices: [{ index: 0, text: '\n  if a == 0:\n    return b', logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 17, completion_tokens: 63, total_tokens: 80 },
    });
  });
});

describe('finishReason', () => {
  it.each([
    ['stop', false, 'stop'],
    ['length', false, 'length'],
    ['load', false, 'stop'],
    [undefined, false, 'stop'],
    ['stop', true, 'tool_calls'],
  ] as const)('done_reason %s with tools called %s is %s', (doneReason, calledTools, finish) => {
    expect(finishReason(doneReason === undefined ? {} : { done_reason: doneReason }, calledTools)).toBe(
      finish,
    );
  });
});

describe('openAIToolCalls / usageOf', () => {
  it('numbers ids from a starting index, keeps an id Ollama gave and a string argument as is', () => {
    expect(
      openAIToolCalls(
        [
          { function: { name: 'a', arguments: { x: 1 } } },
          { id: 'tool_abc', function: { name: 'b', arguments: '{"y":2}' } },
        ],
        3,
      ),
    ).toEqual([
      { id: 'call_3', type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
      { id: 'tool_abc', type: 'function', function: { name: 'b', arguments: '{"y":2}' } },
    ]);
  });

  it('adds prompt and completion tokens', () => {
    expect(usageOf({ prompt_eval_count: 5, eval_count: 7 })).toEqual({
      prompt_tokens: 5,
      completion_tokens: 7,
      total_tokens: 12,
    });
  });
});

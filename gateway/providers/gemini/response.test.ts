import { describe, expect, it } from 'vitest';
import { collect, fromList, payloadsOf } from '../anthropic/testing.ts';
import { toChatCompletion, usageOf } from './response.ts';
import { toChatChunks } from './stream.ts';

const ids = () => {
  let next = 0;
  return () => `call_${String(++next)}`;
};

/** Recorded-shape `generateContent` answer (Gemini 2.5, thinking on). */
const recorded = {
  candidates: [
    {
      content: {
        role: 'model',
        parts: [{ text: 'Considering.', thought: true }, { text: 'Hello' }, { text: ' there' }],
      },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 7,
    candidatesTokenCount: 2,
    totalTokenCount: 14,
    cachedContentTokenCount: 3,
    thoughtsTokenCount: 5,
  },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'abc123',
};

describe('toChatCompletion', () => {
  it('joins text parts, keeps thoughts apart and counts them as completion tokens', () => {
    expect(toChatCompletion(recorded, { created: 1, model: 'm', newId: ids() })).toEqual({
      id: 'chatcmpl-abc123',
      object: 'chat.completion',
      created: 1,
      model: 'gemini-2.5-flash',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello there',
            refusal: null,
            reasoning_content: 'Considering.',
          },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 7,
        completion_tokens: 7,
        total_tokens: 14,
        prompt_tokens_details: { cached_tokens: 3 },
        completion_tokens_details: { reasoning_tokens: 5 },
      },
    });
  });

  it('turns function calls into tool_calls with ids and finish_reason tool_calls', () => {
    const completion = toChatCompletion(
      {
        candidates: [
          { content: { parts: [{ functionCall: { name: 'f', args: { a: 1 } } }] }, finishReason: 'STOP' },
        ],
      },
      { created: 1, model: 'm', newId: ids() },
    );
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ]);
  });

  it.each([
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['OTHER', 'stop'],
  ])('maps finishReason %s to %s', (reason, expected) => {
    const completion = toChatCompletion(
      { candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: reason }] },
      { created: 1, model: 'm' },
    );
    expect((completion.choices as { finish_reason: string }[])[0]?.finish_reason).toBe(expected);
  });

  it('reads missing usage as zeros', () => {
    expect(usageOf(undefined)).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });
});

function sse(events: readonly unknown[]): string[] {
  return events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`);
}

describe('toChatChunks', () => {
  it('streams role, text, finish and usage chunks, then [DONE]', async () => {
    const frames = await collect(
      toChatChunks(
        fromList(
          sse([
            { candidates: [{ content: { parts: [{ text: 'Hel' }] } }], responseId: 'r1' },
            {
              candidates: [{ content: { parts: [{ text: 'lo' }] }, finishReason: 'STOP' }],
              usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1, totalTokenCount: 3 },
            },
          ]),
        ),
        { created: 1, includeUsage: true, model: 'm' },
      ),
    );
    expect(frames.at(-1)).toBe('data: [DONE]\n\n');
    const payloads = payloadsOf(frames);
    expect(payloads.map((payload) => (payload.choices as unknown[])[0])).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'Hel' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'lo' }, logprobs: null, finish_reason: 'stop' },
      undefined,
    ]);
    expect(payloads.at(-1)?.usage).toEqual({ prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 });
    expect(new Set(payloads.map((payload) => payload.id))).toEqual(new Set(['chatcmpl-r1']));
  });

  it('numbers tool calls across events', async () => {
    const frames = await collect(
      toChatChunks(
        fromList(
          sse([
            { candidates: [{ content: { parts: [{ functionCall: { name: 'a', args: {} } }] } }] },
            {
              candidates: [
                {
                  content: { parts: [{ functionCall: { name: 'b', args: { x: 1 } } }] },
                  finishReason: 'STOP',
                },
              ],
            },
          ]),
        ),
        { created: 1, includeUsage: false, model: 'm', newId: ids() },
      ),
    );
    const choices = payloadsOf(frames).map((payload) => (payload.choices as Record<string, unknown>[])[0]);
    expect(choices.slice(1)).toEqual([
      {
        index: 0,
        delta: {
          tool_calls: [
            { index: 0, id: 'call_1', type: 'function', function: { name: 'a', arguments: '{}' } },
          ],
        },
        logprobs: null,
        finish_reason: null,
      },
      {
        index: 0,
        delta: {
          tool_calls: [
            { index: 1, id: 'call_2', type: 'function', function: { name: 'b', arguments: '{"x":1}' } },
          ],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ]);
  });

  it('ends a blocked prompt with content_filter', async () => {
    const frames = await collect(
      toChatChunks(fromList(sse([{ promptFeedback: { blockReason: 'SAFETY' } }])), {
        created: 1,
        includeUsage: false,
        model: 'm',
      }),
    );
    expect(
      payloadsOf(frames).map(
        (payload) => (payload.choices as { finish_reason: unknown }[])[0]?.finish_reason,
      ),
    ).toEqual([null, 'content_filter']);
  });

  it('throws a classified error for an error event before anything went out, and for a cut stream', async () => {
    await expect(
      collect(
        toChatChunks(
          fromList(
            sse([{ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }]),
          ),
          {
            created: 1,
            includeUsage: false,
            model: 'm',
          },
        ),
      ),
    ).rejects.toMatchObject({ failure: 'internal', upstreamStatus: 503, upstreamCode: 'UNAVAILABLE' });
    await expect(
      collect(
        toChatChunks(fromList(sse([{ candidates: [{ content: { parts: [{ text: 'x' }] } }] }])), {
          created: 1,
          includeUsage: false,
          model: 'm',
        }),
      ),
    ).rejects.toThrow('gemini stream ended before a finish reason');
  });
});

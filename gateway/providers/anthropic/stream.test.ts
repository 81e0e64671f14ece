import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../upstream/errors.ts';
import { toChatChunks, type StreamOptions } from './stream.ts';
import { fromList } from './testing.ts';

const options: StreamOptions = { created: 1_750_000_000, includeUsage: false, model: 'claude-fallback' };

/** A recorded text answer, as Anthropic sends it (event lines, a ping, cumulative usage at the end). */
const textStream = `event: message_start
data: {"type":"message_start","message":{"id":"msg_01Text","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":10,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}

event: message_stop
data: {"type":"message_stop"}

`;

/** A recorded tool use: a text block, then a tool_use block whose input arrives as partial JSON. */
const toolStream = `event: message_start
data: {"type":"message_start","message":{"id":"msg_01Tool","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Pa"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ris\\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01T2y","name":"now","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

event: message_stop
data: {"type":"message_stop"}

`;

const errorEvent = `event: error
data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}

`;

async function run(
  fixture: string | string[],
  extra: Partial<StreamOptions> = {},
): Promise<{ frames: string[]; chunks: Record<string, unknown>[] }> {
  const frames: string[] = [];
  for await (const frame of toChatChunks(fromList(typeof fixture === 'string' ? [fixture] : fixture), {
    ...options,
    ...extra,
  }))
    frames.push(frame);
  const chunks = frames
    .filter((frame) => frame !== 'data: [DONE]\n\n')
    .map((frame) => JSON.parse(frame.slice('data: '.length)) as Record<string, unknown>);
  return { frames, chunks };
}

function deltas(chunks: Record<string, unknown>[]): unknown[] {
  return chunks.map((chunk) => {
    const [choice] = chunk.choices as { delta: unknown; finish_reason: unknown }[];
    return choice === undefined ? { usage: chunk.usage } : [choice.delta, choice.finish_reason];
  });
}

describe('toChatChunks', () => {
  it('translates a text stream: role first, text deltas, finish chunk, [DONE]', async () => {
    const { frames, chunks } = await run(textStream);
    expect(deltas(chunks)).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'Hello' }, null],
      [{ content: '!' }, null],
      [{}, 'stop'],
    ]);
    expect(chunks[0]).toEqual({
      id: 'chatcmpl-msg_01Text',
      object: 'chat.completion.chunk',
      created: options.created,
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    });
    expect(frames.at(-1)).toBe('data: [DONE]\n\n');
    expect(frames.every((frame) => frame.startsWith('data: ') && frame.endsWith('\n\n'))).toBe(true);
  });

  it('ends with a usage chunk (choices: []) when include_usage was asked', async () => {
    const { chunks } = await run(textStream, { includeUsage: true });
    expect(chunks.at(-1)).toEqual({
      id: 'chatcmpl-msg_01Text',
      object: 'chat.completion.chunk',
      created: options.created,
      model: 'claude-sonnet-4-5-20250929',
      choices: [],
      usage: {
        prompt_tokens: 35,
        completion_tokens: 15,
        total_tokens: 50,
        prompt_tokens_details: { cached_tokens: 10 },
        cache_read_input_tokens: 10,
      },
    });
  });

  it('translates tool_use blocks into tool_calls deltas with their own indexes', async () => {
    const { chunks } = await run(toolStream);
    expect(deltas(chunks)).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'Checking.' }, null],
      [
        {
          tool_calls: [
            {
              index: 0,
              id: 'toolu_01T1x',
              type: 'function',
              function: { name: 'get_weather', arguments: '' },
            },
          ],
        },
        null,
      ],
      [{ tool_calls: [{ index: 0, function: { arguments: '{"city": "Pa' } }] }, null],
      [{ tool_calls: [{ index: 0, function: { arguments: 'ris"}' } }] }, null],
      [
        {
          tool_calls: [
            { index: 1, id: 'toolu_01T2y', type: 'function', function: { name: 'now', arguments: '' } },
          ],
        },
        null,
      ],
      [{ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }, null],
      [{}, 'tool_calls'],
    ]);
  });

  it.each([
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['refusal', 'content_filter'],
  ])('maps stop_reason %s to finish_reason %s', async (stopReason, finishReason) => {
    const { chunks } = await run(
      textStream.replace('"stop_reason":"end_turn"', `"stop_reason":"${stopReason}"`),
    );
    expect(deltas(chunks).at(-1)).toEqual([{}, finishReason]);
  });

  it('parses events split anywhere across network chunks', async () => {
    const pieces: string[] = [];
    for (let at = 0; at < textStream.length; at += 7) pieces.push(textStream.slice(at, at + 7));
    const bytes = pieces.map((piece) => new TextEncoder().encode(piece));
    const frames: string[] = [];
    for await (const frame of toChatChunks(fromList(bytes), options)) frames.push(frame);
    expect(frames).toEqual((await run(textStream)).frames);
  });

  it("streams thinking deltas as LiteLLM's reasoning_content", async () => {
    const fixture = textStream.replace(
      'event: content_block_start',
      `event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm."}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}}

event: content_block_start`,
    );
    const { chunks } = await run(fixture);
    expect(deltas(chunks).slice(0, 3)).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ reasoning_content: 'Hmm.' }, null],
      [{ content: 'Hello' }, null],
    ]);
  });

  it('ends a started stream with an OpenAI error frame on an error event, without [DONE]', async () => {
    const cut = textStream.indexOf('event: content_block_stop');
    const { frames } = await run(textStream.slice(0, cut) + errorEvent);
    expect(frames.at(-1)).toBe(
      `data: ${JSON.stringify({ error: { message: 'Overloaded', type: 'api_error', param: null, code: 'overloaded_error' } })}\n\n`,
    );
    expect(frames).not.toContain('data: [DONE]\n\n');
  });

  it.each([
    ['overloaded_error', 'internal', 529],
    ['api_error', 'internal', 500],
    ['rate_limit_error', 'rate_limit', 429],
    ['authentication_error', 'auth', 401],
    ['invalid_request_error', 'bad_request', 400],
  ])(
    'throws a classified ProviderError for an error event (%s) before any frame',
    async (type, failure, status) => {
      const fixture = `event: error\ndata: {"type":"error","error":{"type":"${type}","message":"nope"}}\n\n`;
      const error = await run(fixture).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ failure, upstreamStatus: status, upstreamCode: type, message: 'nope' });
    },
  );

  it('throws when the stream ends before message_stop', async () => {
    const cut = textStream.indexOf('event: message_delta');
    await expect(run(textStream.slice(0, cut))).rejects.toThrow(/ended before message_stop/);
  });
});

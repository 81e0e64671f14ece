import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../upstream/errors.ts';
import { readNdjson } from '../sse.ts';
import { openAIFrames, type StreamMeta } from './stream.ts';

/** `/api/chat` streaming, as Ollama sends it (one JSON object per line). */
const chatStream = `{"model":"llama3.2","created_at":"2024-08-07T03:57:33.0365888Z","message":{"role":"assistant","content":"Hello"},"done":false}
{"model":"llama3.2","created_at":"2024-08-07T03:57:33.2801449Z","message":{"role":"assistant","content":"!"},"done":false}
{"model":"llama3.2","created_at":"2024-08-07T03:57:37.0774624Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":4353619900,"load_duration":63915300,"prompt_eval_count":10,"prompt_eval_duration":246847000,"eval_count":17,"eval_duration":4032296000}
`;

/** `/api/generate` streaming: the text is in `response`; the last line carries `context`. */
const generateStream = `{"model":"llama3.2","created_at":"2023-08-04T08:52:19.385406455-07:00","response":"The","done":false}
{"model":"llama3.2","created_at":"2023-08-04T08:52:19.412345678-07:00","response":" sky","done":false}
{"model":"llama3.2","created_at":"2023-08-04T19:22:45.499127Z","response":"","done":true,"done_reason":"length","context":[1,2,3],"total_duration":10706818083,"load_duration":6338219291,"prompt_eval_count":26,"prompt_eval_duration":130079000,"eval_count":2,"eval_duration":4232710000}
`;

/** A streamed tool call: Ollama sends the whole call in one line before the done line. */
const toolStream = `{"model":"llama3.1","created_at":"2024-07-22T20:33:28.123648Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}}]},"done":false}
{"model":"llama3.1","created_at":"2024-07-22T20:33:28.2Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_time","arguments":{"zone":"CET"}}}]},"done":false}
{"model":"llama3.1","created_at":"2024-07-22T20:33:28.3Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"prompt_eval_count":122,"eval_count":33}
`;

const chatMeta: StreamMeta = { id: 'chatcmpl-req1', model: 'llama3.1', shape: 'chat', includeUsage: false };

/** Runs NDJSON text through the translator, cut into small pieces the way a socket delivers it. */
async function translate(ndjson: string, meta: StreamMeta, pieceLength = 37): Promise<string[]> {
  const pieces: string[] = [];
  for (let start = 0; start < ndjson.length; start += pieceLength)
    pieces.push(ndjson.slice(start, start + pieceLength));
  const frames: string[] = [];
  for await (const frame of openAIFrames(readNdjson(toAsync(pieces)), meta)) frames.push(frame);
  return frames;
}

async function* toAsync(pieces: readonly string[]): AsyncGenerator<string> {
  for (const piece of pieces) {
    await Promise.resolve();
    yield piece;
  }
}

function payloads(frames: readonly string[]): unknown[] {
  return frames.map((frame) => {
    expect(frame.startsWith('data: ') && frame.endsWith('\n\n')).toBe(true);
    const data = frame.slice('data: '.length, -2);
    return data === '[DONE]' ? '[DONE]' : (JSON.parse(data) as unknown);
  });
}

const chunk = (created: number, delta: unknown, finish: string | null = null) => ({
  id: 'chatcmpl-req1',
  object: 'chat.completion.chunk',
  created,
  model: 'llama3.2',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

describe('openAIFrames', () => {
  it('turns a chat stream into role, content and finish chunks, then [DONE]', async () => {
    expect(payloads(await translate(chatStream, chatMeta))).toEqual([
      chunk(1723003053, { role: 'assistant', content: '' }),
      chunk(1723003053, { content: 'Hello' }),
      chunk(1723003053, { content: '!' }),
      chunk(1723003053, {}, 'stop'),
      '[DONE]',
    ]);
  });

  it('adds a usage chunk with no choices when include_usage is asked', async () => {
    const frames = payloads(await translate(chatStream, { ...chatMeta, includeUsage: true }));
    expect(frames.at(-2)).toEqual({
      id: 'chatcmpl-req1',
      object: 'chat.completion.chunk',
      created: 1723003053,
      model: 'llama3.2',
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 17, total_tokens: 27 },
    });
    expect(frames.at(-1)).toBe('[DONE]');
  });

  it('reads the response field of /api/generate, and a length stop', async () => {
    const frames = payloads(await translate(generateStream, chatMeta, 5));
    expect(frames).toEqual([
      chunk(1691164339, { role: 'assistant', content: '' }),
      chunk(1691164339, { content: 'The' }),
      chunk(1691164339, { content: ' sky' }),
      chunk(1691164339, {}, 'length'),
      '[DONE]',
    ]);
  });

  it('streams legacy text_completion chunks for /v1/completions', async () => {
    const frames = payloads(
      await translate(generateStream, {
        id: 'cmpl-req1',
        model: 'x',
        shape: 'text_completion',
        includeUsage: true,
      }),
    );
    const legacy = (text: string, finish: string | null) => ({
      id: 'cmpl-req1',
      object: 'text_completion',
      created: 1691164339,
      model: 'llama3.2',
      choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
    });
    expect(frames).toEqual([
      legacy('The', null),
      legacy(' sky', null),
      legacy('', 'length'),
      {
        id: 'cmpl-req1',
        object: 'text_completion',
        created: 1691164339,
        model: 'llama3.2',
        choices: [],
        usage: { prompt_tokens: 26, completion_tokens: 2, total_tokens: 28 },
      },
      '[DONE]',
    ]);
  });

  it('streams tool calls with running indexes and ids, finishing with tool_calls', async () => {
    const frames = payloads(await translate(toolStream, chatMeta));
    const toolDeltas = frames
      .slice(1, -2)
      .map((frame) => (frame as { choices: [{ delta: unknown }] }).choices[0].delta);
    expect(toolDeltas).toEqual([
      {
        tool_calls: [
          {
            index: 0,
            id: 'call_0',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      {
        tool_calls: [
          {
            index: 1,
            id: 'call_1',
            type: 'function',
            function: { name: 'get_time', arguments: '{"zone":"CET"}' },
          },
        ],
      },
    ]);
    expect((frames.at(-2) as { choices: [{ finish_reason: string }] }).choices[0].finish_reason).toBe(
      'tool_calls',
    );
  });

  it('streams reasoning as reasoning_content', async () => {
    const thinking = `{"model":"qwen3","created_at":"2025-06-01T00:00:00Z","message":{"role":"assistant","content":"","thinking":"Let me see."},"done":false}
{"model":"qwen3","created_at":"2025-06-01T00:00:00Z","message":{"role":"assistant","content":"Yes."},"done":false}
{"model":"qwen3","created_at":"2025-06-01T00:00:01Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}
`;
    const deltas = payloads(await translate(thinking, chatMeta))
      .slice(1, 3)
      .map((frame) => (frame as { choices: [{ delta: unknown }] }).choices[0].delta);
    expect(deltas).toEqual([{ reasoning_content: 'Let me see.' }, { content: 'Yes.' }]);
  });

  it('ends with an OpenAI error frame, and no [DONE], when Ollama reports an error mid-stream', async () => {
    const failing = `{"model":"llama3.2","created_at":"2024-08-07T03:57:33.0365888Z","message":{"role":"assistant","content":"Hel"},"done":false}
{"error":"an error was encountered while running the model: unexpected EOF"}
{"model":"llama3.2","created_at":"2024-08-07T03:57:33.2801449Z","message":{"role":"assistant","content":"never sent"},"done":false}
`;
    const frames = payloads(await translate(failing, chatMeta));
    expect(frames).toEqual([
      chunk(1723003053, { role: 'assistant', content: '' }),
      chunk(1723003053, { content: 'Hel' }),
      {
        error: {
          message: 'an error was encountered while running the model: unexpected EOF',
          type: 'api_error',
          param: null,
          code: null,
        },
      },
    ]);
  });

  it('fails the call when the stream stops before its done line', async () => {
    const cut = chatStream.split('\n').slice(0, 2).join('\n');
    await expect(translate(cut, chatMeta)).rejects.toThrow(ProviderError);
    await expect(translate(cut, chatMeta)).rejects.toThrow(/ended before/);
  });

  it('fails the call on a line that is not an Ollama answer', async () => {
    await expect(translate('{"done":"yes"}\n', chatMeta)).rejects.toThrow(/unexpected stream line/);
  });
});

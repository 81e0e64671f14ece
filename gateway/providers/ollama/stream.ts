import { scrubSecrets } from '../../errors.ts';
import { ProviderError } from '../../upstream/errors.ts';
import { sseDone, sseFrame } from '../sse.ts';
import {
  answerText,
  answerThinking,
  finishReason,
  openAIToolCalls,
  usageOf,
  type AnswerMeta,
} from './chat-response.ts';
import { ollamaAnswerSchema, parseWire, unixSeconds, wireErrorMessage, type OllamaAnswer } from './wire.ts';

export interface StreamMeta extends AnswerMeta {
  /** `chat.completion.chunk` frames, or legacy `text_completion` ones for `/v1/completions`. */
  readonly shape: 'chat' | 'text_completion';
  /** `stream_options.include_usage`: a last chunk with `choices: []` and the usage. */
  readonly includeUsage: boolean;
}

interface ChunkBase {
  readonly id: string;
  readonly object: 'chat.completion.chunk' | 'text_completion';
  readonly created: number;
  readonly model: string;
}

/**
 * Ollama's stream (one JSON object per line, parsed) as OpenAI SSE frames: a first chunk with the role, one chunk
 * per piece of text, reasoning or tool calls, a chunk with the finish reason, the usage chunk when asked, then
 * `[DONE]`. An `{"error": ...}` line ends the stream with an OpenAI error frame; a stream that stops before its
 * `done` line is a failed call.
 */
export async function* openAIFrames(lines: AsyncIterable<unknown>, meta: StreamMeta): AsyncGenerator<string> {
  let base: ChunkBase | undefined;
  let toolCalls = 0;
  for await (const line of lines) {
    const answer = parseWire(ollamaAnswerSchema, line, 'stream line');
    const error = wireErrorMessage(answer.error);
    if (error !== undefined) {
      yield errorFrame(error);
      return;
    }
    if (base === undefined) {
      base = chunkBase(answer, meta);
      if (meta.shape === 'chat') yield sseFrame(chatChunk(base, { role: 'assistant', content: '' }, null));
    }
    const calls = openAIToolCalls(answer.message?.tool_calls ?? [], toolCalls).map((call, offset) => ({
      index: toolCalls + offset,
      ...call,
    }));
    toolCalls += calls.length;
    yield* deltaFrames(base, answer, calls, meta.shape);
    if (answer.done === true) {
      const finish = finishReason(answer, toolCalls > 0);
      yield sseFrame(meta.shape === 'chat' ? chatChunk(base, {}, finish) : legacyChunk(base, '', finish));
      if (meta.includeUsage) yield sseFrame({ ...base, choices: [], usage: usageOf(answer) });
      yield sseDone;
      return;
    }
  }
  throw new ProviderError('internal', 'the ollama stream ended before its last (done) line');
}

function chunkBase(answer: OllamaAnswer, meta: StreamMeta): ChunkBase {
  return {
    id: meta.id,
    object: meta.shape === 'chat' ? 'chat.completion.chunk' : 'text_completion',
    created: unixSeconds(answer.created_at),
    model: answer.model ?? meta.model,
  };
}

function* deltaFrames(
  base: ChunkBase,
  answer: OllamaAnswer,
  calls: readonly unknown[],
  shape: StreamMeta['shape'],
): Generator<string> {
  const text = answerText(answer);
  if (shape === 'text_completion') {
    if (text !== '') yield sseFrame(legacyChunk(base, text, null));
    return;
  }
  const thinking = answerThinking(answer);
  if (thinking !== '') yield sseFrame(chatChunk(base, { reasoning_content: thinking }, null));
  if (text !== '') yield sseFrame(chatChunk(base, { content: text }, null));
  if (calls.length > 0) yield sseFrame(chatChunk(base, { tool_calls: calls }, null));
}

function chatChunk(base: ChunkBase, delta: Record<string, unknown>, finish: string | null) {
  return { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
}

function legacyChunk(base: ChunkBase, text: string, finish: string | null) {
  return { ...base, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] };
}

/** The frame OpenAI clients read as an error in the middle of a stream. */
export function errorFrame(message: string): string {
  return sseFrame({ error: { message: scrubSecrets(message), type: 'api_error', param: null, code: null } });
}

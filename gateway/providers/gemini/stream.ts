import { ProviderError } from '../../upstream/errors.ts';
import { asArray, asNumber, asRecord, asString, parseJson } from '../json.ts';
import type { FinishReason } from '../anthropic/openai-wire.ts';
import { readSse, sseDone, sseFrame } from '../sse.ts';
import { googleFailure } from './google-errors.ts';
import { chatIdOf, finishReasonOf, newToolCallId, readParts, usageOf } from './response.ts';

export interface StreamOptions {
  readonly created: number;
  readonly includeUsage: boolean;
  readonly model: string;
  readonly newId?: () => string;
}

/**
 * Translates `streamGenerateContent?alt=sse` (each event a whole `GenerateContentResponse` holding the next
 * piece) into OpenAI `chat.completion.chunk` frames: the role first, text, thought and function-call deltas per
 * candidate, `finish_reason` when Gemini gives one, the usage chunk when asked for, then `[DONE]`.
 *
 * An error event before anything went out throws a classified ProviderError so the router can still retry; after
 * that it becomes an OpenAI error frame. A stream that ends without a finish reason throws.
 */
export async function* toChatChunks(
  body: AsyncIterable<Uint8Array | string>,
  options: StreamOptions,
): AsyncGenerator<string> {
  const newId = options.newId ?? newToolCallId;
  let id: string | undefined;
  let model = options.model;
  let usage: unknown;
  let started = false;
  /** Per candidate: tool calls sent so far, and whether it finished. */
  const toolCounts = new Map<number, number>();
  const finished = new Map<number, FinishReason>();

  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
    sseFrame({
      id,
      object: 'chat.completion.chunk',
      created: options.created,
      model,
      choices,
      ...extra,
    });

  for await (const message of readSse(body)) {
    const event = asRecord(parseJson(message.data));
    if (event === undefined)
      throw new ProviderError(
        'internal',
        `gemini sent an event that is not JSON: ${message.data.slice(0, 200)}`,
      );
    if (event.error !== undefined) {
      const error = googleFailure(asNumber(asRecord(event.error)?.code) ?? 500, event);
      if (!started) throw error;
      yield sseFrame({
        error: { message: error.message, type: 'api_error', param: null, code: error.upstreamCode ?? null },
      });
      return;
    }
    id ??= chatIdOf(event.responseId);
    model = asString(event.modelVersion) ?? model;
    if (event.usageMetadata !== undefined) usage = event.usageMetadata;
    if (!started) {
      started = true;
      yield chunk([
        { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      ]);
    }
    const candidates = asArray(event.candidates) ?? [];
    if (candidates.length === 0 && asString(asRecord(event.promptFeedback)?.blockReason) !== undefined) {
      finished.set(0, 'content_filter');
      yield chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'content_filter' }]);
    }
    for (const [position, item] of candidates.entries()) {
      const candidate = asRecord(item) ?? {};
      const index = asNumber(candidate.index) ?? position;
      const { text, reasoning, toolCalls } = readParts(candidate.content, newId);
      const delta: Record<string, unknown> = {};
      if (text !== '') delta.content = text;
      if (reasoning !== '') delta.reasoning_content = reasoning;
      if (toolCalls.length > 0) {
        const before = toolCounts.get(index) ?? 0;
        delta.tool_calls = toolCalls.map((call, offset) => ({ ...call, index: before + offset }));
        toolCounts.set(index, before + toolCalls.length);
      }
      const reason = candidate.finishReason;
      const finish = reason === undefined ? null : finishReasonOf(reason, (toolCounts.get(index) ?? 0) > 0);
      if (finish !== null) finished.set(index, finish);
      if (Object.keys(delta).length > 0 || finish !== null)
        yield chunk([{ index, delta, logprobs: null, finish_reason: finish }]);
    }
  }
  if (finished.size === 0) throw new ProviderError('internal', 'gemini stream ended before a finish reason');
  if (options.includeUsage) yield chunk([], { usage: usageOf(usage) });
  yield sseDone;
}

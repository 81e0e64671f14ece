import { ProviderError } from '../../upstream/errors.ts';
import { asNumber, asRecord, asString, parseJson } from '../json.ts';
import type { FinishReason } from '../anthropic/openai-wire.ts';
import { readSse, sseDone, sseFrame } from '../sse.ts';
import { finishReasonOf, usageOf } from './response.ts';

export interface StreamOptions {
  readonly created: number;
  readonly includeUsage: boolean;
  readonly model: string;
}

/**
 * Translates Cohere's v2 chat stream (SSE events `message-start`, `content-delta`, `tool-plan-delta`,
 * `tool-call-start`, `tool-call-delta`, `message-end`, ...) into OpenAI `chat.completion.chunk` frames.
 */
export async function* toChatChunks(
  body: AsyncIterable<Uint8Array | string>,
  options: StreamOptions,
): AsyncGenerator<string> {
  let id = 'chatcmpl-cohere';
  let finish: FinishReason | undefined;
  let usage: unknown;
  const chunk = (delta: Record<string, unknown>, finishReason: FinishReason | null = null): string =>
    sseFrame({
      id,
      object: 'chat.completion.chunk',
      created: options.created,
      model: options.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });
  for await (const message of readSse(body)) {
    if (message.data === '[DONE]') break;
    const event = asRecord(parseJson(message.data));
    if (event === undefined)
      throw new ProviderError(
        'internal',
        `cohere sent an event that is not JSON: ${message.data.slice(0, 200)}`,
      );
    const delta = asRecord(asRecord(event.delta)?.message) ?? {};
    const index = asNumber(event.index) ?? 0;
    switch (event.type) {
      case 'message-start':
        id = `chatcmpl-${asString(event.id) ?? 'cohere'}`;
        yield chunk({ role: 'assistant', content: '' });
        break;
      case 'content-delta': {
        const text = asString(asRecord(delta.content)?.text);
        if (text !== undefined && text !== '') yield chunk({ content: text });
        break;
      }
      case 'tool-plan-delta': {
        const plan = asString(delta.tool_plan);
        if (plan !== undefined && plan !== '') yield chunk({ reasoning_content: plan });
        break;
      }
      case 'tool-call-start': {
        const call = asRecord(delta.tool_calls) ?? {};
        const fn = asRecord(call.function) ?? {};
        yield chunk({
          tool_calls: [
            {
              index,
              id: asString(call.id) ?? '',
              type: 'function',
              function: { name: asString(fn.name) ?? '', arguments: asString(fn.arguments) ?? '' },
            },
          ],
        });
        break;
      }
      case 'tool-call-delta': {
        const args = asString(asRecord(asRecord(delta.tool_calls)?.function)?.arguments);
        if (args !== undefined && args !== '')
          yield chunk({ tool_calls: [{ index, function: { arguments: args } }] });
        break;
      }
      case 'message-end': {
        const end = asRecord(event.delta) ?? {};
        finish = finishReasonOf(end.finish_reason);
        usage = end.usage;
        yield chunk({}, finish);
        break;
      }
      default:
      // content-start/end, tool-call-end, citation events, and types Cohere may add later.
    }
  }
  if (finish === undefined) throw new ProviderError('internal', 'cohere stream ended before message-end');
  if (options.includeUsage)
    yield sseFrame({
      id,
      object: 'chat.completion.chunk',
      created: options.created,
      model: options.model,
      choices: [],
      usage: usageOf(usage),
    });
  yield sseDone;
}

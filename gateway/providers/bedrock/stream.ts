import { ProviderError } from '../../upstream/errors.ts';
import { asNumber, asRecord, asString, parseJson } from '../json.ts';
import type { FinishReason } from '../anthropic/openai-wire.ts';
import { sseDone, sseFrame } from '../sse.ts';
import { bedrockFailure, exceptionStatuses } from './errors.ts';
import { readEventStream } from './event-stream.ts';
import { finishReasonOf, usageOf } from './response.ts';

export interface StreamOptions {
  readonly created: number;
  readonly includeUsage: boolean;
  readonly model: string;
  readonly requestId: string;
}

/**
 * Translates ConverseStream (AWS event-stream frames: messageStart, contentBlockStart/Delta/Stop, messageStop,
 * metadata) into OpenAI `chat.completion.chunk` frames, ending with the usage chunk when asked for and `[DONE]`.
 * An exception before anything went out throws a classified ProviderError so the router can still retry; after,
 * it becomes an OpenAI error frame.
 */
export async function* toChatChunks(
  body: AsyncIterable<Uint8Array | string>,
  options: StreamOptions,
): AsyncGenerator<string> {
  const id = `chatcmpl-${options.requestId}`;
  let started = false;
  let finish: FinishReason | undefined;
  let usage: unknown;
  /** Content block index → OpenAI tool call index. */
  const toolIndexes = new Map<number, number>();
  const chunk = (delta: Record<string, unknown>, finishReason: FinishReason | null = null): string =>
    sseFrame({
      id,
      object: 'chat.completion.chunk',
      created: options.created,
      model: options.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });

  for await (const message of readEventStream(body)) {
    const type = message.headers[':message-type'];
    const payload = asRecord(parseJson(Buffer.from(message.payload).toString('utf8'))) ?? {};
    if (type === 'exception' || type === 'error') {
      const name = String(
        message.headers[':exception-type'] ?? message.headers[':error-code'] ?? 'internalServerException',
      );
      const text =
        asString(payload.message) ?? String(message.headers[':error-message'] ?? 'bedrock stream failed');
      const error = bedrockFailure(exceptionStatuses[name] ?? 500, { message: text }, name);
      if (!started) throw error;
      yield sseFrame({ error: { message: error.message, type: 'api_error', param: null, code: name } });
      return;
    }
    switch (message.headers[':event-type']) {
      case 'messageStart':
        started = true;
        yield chunk({ role: 'assistant', content: '' });
        break;
      case 'contentBlockStart': {
        const use = asRecord(asRecord(payload.start)?.toolUse);
        if (use === undefined) break;
        const toolIndex = toolIndexes.size;
        toolIndexes.set(asNumber(payload.contentBlockIndex) ?? toolIndex, toolIndex);
        yield chunk({
          tool_calls: [
            {
              index: toolIndex,
              id: asString(use.toolUseId) ?? '',
              type: 'function',
              function: { name: asString(use.name) ?? '', arguments: '' },
            },
          ],
        });
        break;
      }
      case 'contentBlockDelta': {
        const delta = asRecord(payload.delta) ?? {};
        const text = asString(delta.text);
        if (text !== undefined && text !== '') yield chunk({ content: text });
        const input = asString(asRecord(delta.toolUse)?.input);
        const toolIndex = toolIndexes.get(asNumber(payload.contentBlockIndex) ?? -1);
        if (input !== undefined && input !== '' && toolIndex !== undefined)
          yield chunk({ tool_calls: [{ index: toolIndex, function: { arguments: input } }] });
        const thought = asString(asRecord(delta.reasoningContent)?.text);
        if (thought !== undefined && thought !== '') yield chunk({ reasoning_content: thought });
        break;
      }
      case 'messageStop':
        finish = finishReasonOf(payload.stopReason);
        yield chunk({}, finish);
        break;
      case 'metadata':
        usage = payload.usage;
        break;
      default:
      // contentBlockStop, and event types AWS may add later.
    }
  }
  if (finish === undefined) throw new ProviderError('internal', 'bedrock stream ended before messageStop');
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

import { classifyStatus, ProviderError } from '../../upstream/errors.ts';
import { readSse, sseDone, sseFrame } from '../sse.ts';
import { asRecord, asString, parseJson } from '../json.ts';
import type { ChatCompletionChunk, ChunkDelta, FinishReason } from './openai-wire.ts';
import { chatIdOf, finishReasonOf, readUsage, usageOf } from './response.ts';
import type { Usage } from './wire.ts';

export interface StreamOptions {
  /** Seconds since the epoch, stamped on every chunk. */
  readonly created: number;
  /** The request's `stream_options.include_usage`: end with a usage chunk (`choices: []`). */
  readonly includeUsage: boolean;
  /** Reported until `message_start` names the model that answers. */
  readonly model: string;
}

/** HTTP status Anthropic gives each error type, to classify an `error` event like an error response. */
const statusOfErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/** OpenAI's error `type` for a status, for error frames. */
function openAIErrorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 429:
      return 'rate_limit_error';
    default:
      return status < 500 ? 'invalid_request_error' : 'api_error';
  }
}

/**
 * Translates an Anthropic Messages event stream (SSE bytes) into OpenAI `chat.completion.chunk` frames: a first
 * chunk with the assistant role, text and tool-call deltas, a chunk with `finish_reason`, the usage chunk when
 * asked for, then `data: [DONE]`.
 *
 * An `error` event before any frame went out throws a classified ProviderError, so the router can still retry
 * or fail over; after that it becomes an OpenAI error frame (`data: {"error":{...}}`) and the stream ends. A
 * stream that stops before `message_stop` throws.
 */
export async function* toChatChunks(
  body: AsyncIterable<Uint8Array | string>,
  options: StreamOptions,
): AsyncGenerator<string> {
  let id = chatIdOf('anthropic');
  let model = options.model;
  let usage: Partial<Usage> = {};
  let started = false;
  let finish: FinishReason | undefined;
  /** Content block index → OpenAI tool call index. */
  const toolIndexes = new Map<number, number>();

  const frame = (delta: ChunkDelta, finishReason: FinishReason | null = null): string => {
    const chunk: ChatCompletionChunk = {
      id,
      object: 'chat.completion.chunk',
      created: options.created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    return sseFrame(chunk);
  };

  for await (const message of readSse(body)) {
    const event = asRecord(parseJson(message.data));
    if (event === undefined)
      throw new ProviderError(
        'internal',
        `anthropic sent an event that is not JSON: ${message.data.slice(0, 200)}`,
      );
    switch (event.type) {
      case 'message_start': {
        const start = asRecord(event.message);
        id = chatIdOf(asString(start?.id) ?? 'anthropic');
        model = asString(start?.model) ?? model;
        usage = readUsage(start?.usage);
        started = true;
        yield frame({ role: 'assistant', content: '' });
        break;
      }
      case 'content_block_start': {
        const block = asRecord(event.content_block);
        const index = Number(event.index);
        if (block?.type === 'tool_use') {
          const toolIndex = toolIndexes.size;
          toolIndexes.set(index, toolIndex);
          yield frame({
            tool_calls: [
              {
                index: toolIndex,
                id: asString(block.id) ?? '',
                type: 'function',
                function: { name: asString(block.name) ?? '', arguments: '' },
              },
            ],
          });
        } else if (block?.type === 'text' && typeof block.text === 'string' && block.text !== '') {
          yield frame({ content: block.text });
        }
        break;
      }
      case 'content_block_delta': {
        const delta = asRecord(event.delta);
        const toolIndex = toolIndexes.get(Number(event.index));
        if (delta?.type === 'text_delta' && typeof delta.text === 'string') {
          yield frame({ content: delta.text });
        } else if (delta?.type === 'input_json_delta' && toolIndex !== undefined) {
          const partial = asString(delta.partial_json) ?? '';
          if (partial !== '')
            yield frame({ tool_calls: [{ index: toolIndex, function: { arguments: partial } }] });
        } else if (delta?.type === 'thinking_delta' && typeof delta.thinking === 'string') {
          yield frame({ reasoning_content: delta.thinking });
        }
        break;
      }
      case 'message_delta': {
        finish = finishReasonOf(asRecord(event.delta)?.stop_reason);
        usage = { ...usage, ...readUsage(event.usage) };
        yield frame({}, finish);
        break;
      }
      case 'message_stop': {
        if (finish === undefined) yield frame({}, 'stop');
        if (options.includeUsage) {
          const chunk: ChatCompletionChunk = {
            id,
            object: 'chat.completion.chunk',
            created: options.created,
            model,
            choices: [],
            usage: usageOf(usage),
          };
          yield sseFrame(chunk);
        }
        yield sseDone;
        return;
      }
      case 'error': {
        const error = errorOf(event.error);
        if (!started) throw error;
        const status = error.upstreamStatus ?? 500;
        yield sseFrame({
          error: {
            message: error.message,
            type: openAIErrorType(status),
            param: null,
            code: error.upstreamCode ?? null,
          },
        });
        return;
      }
      default:
      // ping, content_block_stop, and event types Anthropic may add later.
    }
  }
  throw new ProviderError('internal', 'anthropic stream ended before message_stop');
}

/** An `error` event, classified as its HTTP status would have been. */
function errorOf(value: unknown): ProviderError {
  const details = asRecord(value);
  const type = asString(details?.type) ?? 'api_error';
  const message = asString(details?.message) ?? 'anthropic stream failed';
  const status = statusOfErrorType[type] ?? 500;
  return new ProviderError(classifyStatus(status, message, type), message, { status, code: type });
}

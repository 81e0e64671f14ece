/**
 * Anthropic's Messages API served to clients (`POST /v1/messages` on the gateway) in front of any provider:
 * pure translations between Anthropic's shapes and the OpenAI chat shapes the router and providers speak.
 *
 * - {@link anthropicToChatRequest}: the client's Messages request → an OpenAI chat request for the router.
 * - {@link chatCompletionToAnthropic}: the routed `chat.completion` → a Messages response.
 * - {@link chatChunksToAnthropicEvents}: the routed OpenAI SSE frames → Anthropic's SSE event stream.
 * - {@link anthropicErrorBody} / {@link anthropicErrorOf}: an error as Anthropic's error body.
 */
import { GatewayError } from '../../errors.ts';
import { readSse } from '../sse.ts';
import type { RequestBody } from '../types.ts';
import { asArray, asNumber, asRecord, asString, parseJson } from '../json.ts';
import {
  errorTypeForStatus,
  type ErrorBody,
  type MessagesResponse,
  type ResponseBlock,
  type StopReason,
  type StreamEvent,
  type Usage,
} from './wire.ts';

function invalid(message: string, param: string | null = null): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

// ---------------------------------------------------------------------------------------------------------
// Requests

/**
 * Translates an Anthropic Messages request into an OpenAI chat request: `system` becomes a system message
 * (text blocks joined by blank lines), `tool_result` blocks become `tool` messages placed before the rest of their
 * user turn, `tool_use` blocks become `tool_calls`, images become `image_url` parts (base64 as data URLs),
 * `stop_sequences` → `stop`, `metadata.user_id` → `user`, and a stream asks for usage
 * (`stream_options.include_usage`) so `message_delta` can report it. Thinking blocks and `thinking` are not
 * sent on: OpenAI-shaped providers refuse them. Throws a GatewayError (`invalid_request`) for what cannot be
 * translated (server tools, documents, a malformed body).
 */
export function anthropicToChatRequest(body: unknown): RequestBody {
  const request = asRecord(body);
  if (request === undefined) throw invalid('request body must be a JSON object');
  const model = asString(request.model);
  if (model === undefined || model === '') throw invalid('model: Field required', 'model');
  const list = asArray(request.messages);
  if (list === undefined) throw invalid('messages: Field required', 'messages');
  const messages: Record<string, unknown>[] = [];
  const system = systemText(request.system);
  if (system !== undefined) messages.push({ role: 'system', content: system });
  list.forEach((item, index) => {
    messages.push(...chatMessagesOf(item, `messages.${index}`));
  });
  const chat: Record<string, unknown> = { model, messages };
  const maxTokens = asNumber(request.max_tokens);
  if (maxTokens !== undefined) chat.max_tokens = maxTokens;
  for (const name of ['temperature', 'top_p', 'top_k'] as const) {
    const value = asNumber(request[name]);
    if (value !== undefined) chat[name] = value;
  }
  const stop = (asArray(request.stop_sequences) ?? []).filter((item) => typeof item === 'string');
  if (stop.length > 0) chat.stop = stop;
  const user = asString(asRecord(request.metadata)?.user_id);
  if (user !== undefined && user !== '') chat.user = user;
  const tools = (asArray(request.tools) ?? []).map(chatToolOf);
  if (tools.length > 0) {
    chat.tools = tools;
    const choice = asRecord(request.tool_choice);
    const translated = chatToolChoiceOf(choice);
    if (translated !== undefined) chat.tool_choice = translated;
    if (choice?.disable_parallel_tool_use === true) chat.parallel_tool_calls = false;
  }
  if (request.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  return chat;
}

function systemText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value === '' ? undefined : value;
  const blocks = asArray(value);
  if (blocks === undefined) throw invalid('system: must be a string or a list of text blocks', 'system');
  const texts = blocks.map((item, index) => {
    const block = asRecord(item);
    if (block?.type !== 'text' || typeof block.text !== 'string')
      throw invalid(`system.${index}: only text blocks are supported`, 'system');
    return block.text;
  });
  return texts.length === 0 ? undefined : texts.join('\n\n');
}

function blocksOf(content: unknown, path: string): Record<string, unknown>[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const list = asArray(content);
  if (list === undefined) throw invalid(`${path}.content: must be a string or a list of blocks`, path);
  return list.map((item, index) => {
    const block = asRecord(item);
    if (block === undefined) throw invalid(`${path}.content.${index}: must be an object`, path);
    return block;
  });
}

function chatMessagesOf(item: unknown, path: string): Record<string, unknown>[] {
  const message = asRecord(item);
  if (message?.role === 'assistant') return [assistantMessageOf(message, path)];
  if (message?.role !== 'user') throw invalid(`${path}.role: Input should be 'user' or 'assistant'`, path);
  if (typeof message.content === 'string') return [{ role: 'user', content: message.content }];
  const tools: Record<string, unknown>[] = [];
  const parts: Record<string, unknown>[] = [];
  blocksOf(message.content, path).forEach((block, index) => {
    const blockPath = `${path}.content.${index}`;
    if (block.type === 'tool_result') {
      const result = toolResultOf(block, blockPath);
      tools.push(result.message);
      parts.push(...result.images);
    } else {
      parts.push(userPartOf(block, blockPath));
    }
  });
  if (parts.length === 0) return tools;
  const [only] = parts;
  const content = parts.length === 1 && only?.type === 'text' ? only.text : parts;
  return [...tools, { role: 'user', content }];
}

function userPartOf(block: Record<string, unknown>, path: string): Record<string, unknown> {
  if (block.type === 'text') {
    if (typeof block.text !== 'string') throw invalid(`${path}.text: Field required`, path);
    return { type: 'text', text: block.text };
  }
  if (block.type === 'image') return { type: 'image_url', image_url: { url: imageUrlOf(block, path) } };
  throw invalid(`${path}: content block type ${JSON.stringify(block.type)} is not supported here`, path);
}

function imageUrlOf(block: Record<string, unknown>, path: string): string {
  const source = asRecord(block.source);
  if (source?.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string')
    return `data:${source.media_type};base64,${source.data}`;
  if (source?.type === 'url' && typeof source.url === 'string') return source.url;
  throw invalid(`${path}.source: only base64 and url image sources are supported`, path);
}

/** A tool result as a `tool` message; its images (which tool messages cannot carry) go to the user turn. */
function toolResultOf(
  block: Record<string, unknown>,
  path: string,
): { message: Record<string, unknown>; images: Record<string, unknown>[] } {
  const id = asString(block.tool_use_id);
  if (id === undefined) throw invalid(`${path}.tool_use_id: Field required`, path);
  const content = block.content ?? '';
  if (typeof content === 'string')
    return { message: { role: 'tool', tool_call_id: id, content }, images: [] };
  const texts: string[] = [];
  const images: Record<string, unknown>[] = [];
  blocksOf(content, path).forEach((inner, index) => {
    const part = userPartOf(inner, `${path}.content.${index}`);
    if (part.type === 'text') texts.push(String(part.text));
    else images.push(part);
  });
  return { message: { role: 'tool', tool_call_id: id, content: texts.join('\n') }, images };
}

function assistantMessageOf(message: Record<string, unknown>, path: string): Record<string, unknown> {
  if (typeof message.content === 'string') return { role: 'assistant', content: message.content };
  const texts: string[] = [];
  const toolCalls: Record<string, unknown>[] = [];
  blocksOf(message.content, path).forEach((block, index) => {
    const blockPath = `${path}.content.${index}`;
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'tool_use') {
      const id = asString(block.id);
      const name = asString(block.name);
      if (id === undefined || name === undefined)
        throw invalid(`${blockPath}: tool_use needs an id and a name`, blockPath);
      toolCalls.push({
        id,
        type: 'function',
        function: { name, arguments: JSON.stringify(block.input ?? {}) },
      });
    } else if (block.type !== 'thinking' && block.type !== 'redacted_thinking')
      throw invalid(
        `${blockPath}: content block type ${JSON.stringify(block.type)} is not supported here`,
        blockPath,
      );
  });
  const chat: Record<string, unknown> = {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : null,
  };
  if (toolCalls.length > 0) chat.tool_calls = toolCalls;
  return chat;
}

function chatToolOf(item: unknown, index: number): Record<string, unknown> {
  const tool = asRecord(item);
  const name = asString(tool?.name);
  if (tool === undefined || name === undefined) throw invalid(`tools.${index}.name: Field required`, 'tools');
  if (tool.type !== undefined && tool.type !== 'custom')
    throw invalid(`tools.${index}: tool type ${JSON.stringify(tool.type)} is not supported here`, 'tools');
  const fn: Record<string, unknown> = {
    name,
    parameters: asRecord(tool.input_schema) ?? { type: 'object', properties: {} },
  };
  const description = asString(tool.description);
  if (description !== undefined) fn.description = description;
  return { type: 'function', function: fn };
}

function chatToolChoiceOf(choice: Record<string, unknown> | undefined): unknown {
  if (choice === undefined) return undefined;
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool': {
      const name = asString(choice.name);
      if (name === undefined) throw invalid('tool_choice.name: Field required', 'tool_choice');
      return { type: 'function', function: { name } };
    }
    default:
      throw invalid(`tool_choice.type ${JSON.stringify(choice.type)} is not supported`, 'tool_choice');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Responses

/** Anthropic's id for an OpenAI one: `chatcmpl-msg_x` back to `msg_x`, anything else prefixed with `msg_`. */
export function messageIdOf(chatId: string): string {
  const bare = chatId.startsWith('chatcmpl-') ? chatId.slice('chatcmpl-'.length) : chatId;
  return bare.startsWith('msg_') ? bare : `msg_${bare}`;
}

/** OpenAI's `finish_reason` as Anthropic's `stop_reason`; a turn that called tools always ends in `tool_use`. */
export function stopReasonOf(finishReason: unknown, calledTools: boolean): StopReason {
  if (calledTools || finishReason === 'tool_calls' || finishReason === 'function_call') return 'tool_use';
  if (finishReason === 'length') return 'max_tokens';
  if (finishReason === 'content_filter') return 'refusal';
  return 'end_turn';
}

/** OpenAI usage as Anthropic's: cached prompt tokens (and LiteLLM's cache writes) are counted apart. */
export function anthropicUsageOf(value: unknown): Usage {
  const usage = asRecord(value);
  const prompt = asNumber(usage?.prompt_tokens) ?? 0;
  const cacheRead =
    asNumber(asRecord(usage?.prompt_tokens_details)?.cached_tokens) ??
    asNumber(usage?.cache_read_input_tokens) ??
    0;
  const cacheWrite = asNumber(usage?.cache_creation_input_tokens) ?? 0;
  return {
    input_tokens: Math.max(0, prompt - cacheRead - cacheWrite),
    output_tokens: asNumber(usage?.completion_tokens) ?? 0,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

/**
 * Translates an OpenAI `chat.completion` into an Anthropic Messages response: thinking blocks (LiteLLM's
 * `thinking_blocks`, when a provider kept their signatures), then the text, then `tool_use` blocks.
 */
export function chatCompletionToAnthropic(completion: unknown): MessagesResponse {
  const body = asRecord(completion);
  const choice = asRecord(asArray(body?.choices)?.[0]);
  const message = asRecord(choice?.message);
  const content: ResponseBlock[] = [];
  for (const item of asArray(message?.thinking_blocks) ?? []) {
    const block = asRecord(item);
    if (
      block?.type === 'thinking' &&
      typeof block.thinking === 'string' &&
      typeof block.signature === 'string'
    )
      content.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
    else if (block?.type === 'redacted_thinking' && typeof block.data === 'string')
      content.push({ type: 'redacted_thinking', data: block.data });
  }
  const text = textOf(message?.content);
  if (text !== '') content.push({ type: 'text', text });
  const toolCalls = asArray(message?.tool_calls) ?? [];
  for (const item of toolCalls) {
    const call = asRecord(item);
    const fn = asRecord(call?.function);
    content.push({
      type: 'tool_use',
      id: asString(call?.id) ?? '',
      name: asString(fn?.name) ?? '',
      input: toolInputOf(fn?.arguments),
    });
  }
  return {
    id: messageIdOf(asString(body?.id) ?? 'gateway'),
    type: 'message',
    role: 'assistant',
    model: asString(body?.model) ?? '',
    content,
    stop_reason: stopReasonOf(choice?.finish_reason, toolCalls.length > 0),
    stop_sequence: null,
    usage: anthropicUsageOf(body?.usage),
  };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return (asArray(content) ?? []).map((part) => asString(asRecord(part)?.text) ?? '').join('');
}

/** Tool arguments as the object Anthropic's `input` must be; `{}` when they are not a JSON object. */
function toolInputOf(args: unknown): Record<string, unknown> {
  const parsed = typeof args === 'string' ? parseJson(args) : args;
  return asRecord(parsed) ?? {};
}

// ---------------------------------------------------------------------------------------------------------
// Streams

export interface AnthropicStreamOptions {
  /** Reported in `message_start` when the chunks name no model. */
  readonly model: string;
}

interface OpenBlock {
  readonly index: number;
  readonly kind: 'text' | 'tool';
}

/**
 * Translates OpenAI `chat.completion.chunk` SSE frames into Anthropic's event stream (`event:` + `data:` lines):
 * message_start, content_block_start (a ping after the first), content_block_delta (`text_delta`, and
 * `input_json_delta` for tool call arguments), content_block_stop, message_delta (stop_reason and the usage the
 * last chunk reported) and message_stop. An OpenAI error frame (`data: {"error":{...}}`) becomes an `error`
 * event and ends the stream. Tool calls are expected one after another, as OpenAI streams them.
 */
export async function* chatChunksToAnthropicEvents(
  frames: AsyncIterable<Uint8Array | string>,
  options: AnthropicStreamOptions,
): AsyncGenerator<string> {
  let started = false;
  let open: OpenBlock | undefined;
  let nextIndex = 0;
  let pinged = false;
  let finishReason: unknown = null;
  let usage: Usage = anthropicUsageOf(undefined);
  const toolBlocks = new Map<number, number>();

  const start = function* (chunk: Record<string, unknown> | undefined): Generator<string> {
    if (started) return;
    started = true;
    yield eventFrame({
      type: 'message_start',
      message: {
        id: messageIdOf(asString(chunk?.id) ?? 'gateway'),
        type: 'message',
        role: 'assistant',
        model: asString(chunk?.model) ?? options.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  };
  const close = function* (): Generator<string> {
    if (open === undefined) return;
    yield eventFrame({ type: 'content_block_stop', index: open.index });
    open = undefined;
  };
  const begin = function* (kind: OpenBlock['kind'], block: ResponseBlock): Generator<string> {
    yield* close();
    open = { index: nextIndex, kind };
    nextIndex += 1;
    yield eventFrame({ type: 'content_block_start', index: open.index, content_block: block });
    if (!pinged) {
      pinged = true;
      yield eventFrame({ type: 'ping' });
    }
  };

  for await (const message of readSse(frames)) {
    if (message.data === '[DONE]') break;
    const chunk = asRecord(parseJson(message.data));
    if (chunk === undefined) continue;
    const error = asRecord(chunk.error);
    if (error !== undefined) {
      yield* start(undefined);
      yield eventFrame(anthropicErrorFromOpenAI(undefined, chunk));
      return;
    }
    yield* start(chunk);
    if (chunk.usage !== undefined && chunk.usage !== null) usage = anthropicUsageOf(chunk.usage);
    const choice = asRecord(asArray(chunk.choices)?.[0]);
    const delta = asRecord(choice?.delta);
    const text = asString(delta?.content);
    if (text !== undefined && text !== '') {
      if (open?.kind !== 'text') yield* begin('text', { type: 'text', text: '' });
      yield eventFrame({
        type: 'content_block_delta',
        // The open text block is always the last one begun.
        index: nextIndex - 1,
        delta: { type: 'text_delta', text },
      });
    }
    for (const item of asArray(delta?.tool_calls) ?? []) {
      const call = asRecord(item);
      const fn = asRecord(call?.function);
      const toolIndex = asNumber(call?.index) ?? 0;
      let blockIndex = toolBlocks.get(toolIndex);
      if (blockIndex === undefined) {
        yield* begin('tool', {
          type: 'tool_use',
          id: asString(call?.id) ?? `toolu_gateway_${toolIndex}`,
          name: asString(fn?.name) ?? '',
          input: {},
        });
        blockIndex = nextIndex - 1;
        toolBlocks.set(toolIndex, blockIndex);
      }
      const args = asString(fn?.arguments) ?? '';
      if (args !== '')
        yield eventFrame({
          type: 'content_block_delta',
          index: blockIndex,
          delta: { type: 'input_json_delta', partial_json: args },
        });
    }
    if (choice?.finish_reason !== undefined && choice.finish_reason !== null)
      finishReason = choice.finish_reason;
  }
  yield* start(undefined);
  yield* close();
  yield eventFrame({
    type: 'message_delta',
    delta: { stop_reason: stopReasonOf(finishReason, toolBlocks.size > 0), stop_sequence: null },
    usage,
  });
  yield eventFrame({ type: 'message_stop' });
}

function eventFrame(event: StreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

// ---------------------------------------------------------------------------------------------------------
// Errors

const anthropicErrorTypes = new Set([
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'api_error',
  'overloaded_error',
]);

/** Anthropic's error type for an OpenAI one, when no status says better. */
const fromOpenAIType: Readonly<Record<string, string>> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  rate_limit_error: 'rate_limit_error',
};

/** Anthropic's error body for a status and message: `{"type":"error","error":{"type","message"}}`. */
export function anthropicErrorBody(status: number, message: string): ErrorBody {
  return { type: 'error', error: { type: errorTypeForStatus(status), message } };
}

/**
 * Anthropic's error body for an OpenAI error body (`{"error":{"message","type","code"}}`): an Anthropic error
 * type passed through as `code` (an upstream Anthropic error) is kept, else the status decides, else the type.
 */
export function anthropicErrorFromOpenAI(status: number | undefined, body: unknown): ErrorBody {
  const error = asRecord(asRecord(body)?.error);
  const message = asString(error?.message) ?? 'upstream error';
  const code = asString(error?.code);
  if (code !== undefined && anthropicErrorTypes.has(code))
    return { type: 'error', error: { type: code, message } };
  if (status !== undefined) return anthropicErrorBody(status, message);
  return {
    type: 'error',
    error: { type: fromOpenAIType[asString(error?.type) ?? ''] ?? 'api_error', message },
  };
}

/** A gateway error as Anthropic clients expect it: the same status and headers, Anthropic's body. */
export function anthropicErrorOf(error: GatewayError): {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: ErrorBody;
} {
  return {
    status: error.status,
    headers: error.headers,
    body: anthropicErrorFromOpenAI(error.status, error.toBody()),
  };
}

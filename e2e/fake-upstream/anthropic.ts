import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, type Protocol } from './server.ts';

/** Anthropic's documented `error.type` for each HTTP status it answers with. */
const errorTypes: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** Top-level fields the Messages API takes; anything else is refused as the real API does. */
const requestFields = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'tools',
  'tool_choice',
  'thinking',
  'service_tier',
  'container',
  'mcp_servers',
]);

/** When the last user text contains this, a streamed answer breaks off with an `overloaded_error` event. */
export const failMidStream = 'fail mid-stream';

type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

interface Reply {
  readonly blocks: Block[];
  readonly stopReason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';
  readonly stopSequence: string | null;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * Anthropic's Messages API wire format at `POST /v1/messages`: a key (`x-api-key`, or `Authorization: Bearer` as
 * recent official SDKs send it) and `anthropic-version` are required,
 * the answer is `echo: <last user text>` (cut at a stop sequence, or at `max_tokens` words), or a `get_weather`
 * tool use when tools are offered and the last user text mentions the weather. Streams are the real event
 * sequence with `event:` lines; errors are `{"type":"error","error":{"type","message"}}`.
 */
export function anthropicProtocol(): Protocol {
  let count = 0;
  return {
    matches: (method, path) => method === 'POST' && path === '/v1/messages',
    async answer(context) {
      const { request, response } = context;
      // Recent official SDKs send the key as `Authorization: Bearer`; the documented header is `x-api-key`.
      const bearer = /^Bearer \S+/.test(headerOf(request.headers.authorization));
      if (headerOf(request.headers['x-api-key']) === '' && !bearer) {
        sendAnthropicError(response, 401, 'x-api-key header is required');
        return;
      }
      if (headerOf(request.headers['anthropic-version']) === '') {
        sendAnthropicError(response, 401, 'anthropic-version header is required');
        return;
      }
      const body = asRecord(request.body);
      const invalid = body === undefined ? 'request body must be a JSON object' : validate(body);
      if (invalid !== undefined || body === undefined) {
        sendAnthropicError(response, 400, invalid ?? 'invalid request');
        return;
      }
      count += 1;
      const id = `msg_01Fake${String(count).padStart(6, '0')}`;
      const model = typeof body.model === 'string' ? body.model : 'unknown';
      const reply = replyOf(body);
      const headers = { 'request-id': `req_fake${String(count).padStart(6, '0')}` };
      if (body.stream === true) {
        await sendSse(
          context,
          streamEvents(id, model, reply, lastUserText(body).includes(failMidStream)),
          headers,
        );
        return;
      }
      sendJson(
        response,
        200,
        {
          id,
          type: 'message',
          role: 'assistant',
          model,
          content: reply.blocks,
          stop_reason: reply.stopReason,
          stop_sequence: reply.stopSequence,
          usage: {
            input_tokens: reply.inputTokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: reply.outputTokens,
          },
        },
        headers,
      );
    },
    sendError: sendAnthropicError,
  };
}

/** Anthropic's error body; `code`, when given, is used as `error.type`. */
export function sendAnthropicError(
  response: ServerResponse,
  status: number,
  message: string,
  code?: string,
): void {
  const type = code ?? errorTypes[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  sendJson(
    response,
    status,
    { type: 'error', error: { type, message }, request_id: 'req_fake_error' },
    { 'request-id': 'req_fake_error' },
  );
}

function validate(body: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(body))
    if (!requestFields.has(key)) return `${key}: Extra inputs are not permitted`;
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1)
    return 'max_tokens: Input should be greater than or equal to 1';
  if (!Array.isArray(body.messages)) return 'messages: Field required';
  if (body.messages.length === 0) return 'messages: at least one message is required';
  for (const [index, item] of (body.messages as unknown[]).entries()) {
    const message = asRecord(item);
    if (message?.role !== 'user' && message?.role !== 'assistant')
      return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    if (typeof message.content !== 'string' && !Array.isArray(message.content))
      return `messages.${index}.content: Input should be a valid list`;
  }
  return undefined;
}

function replyOf(body: Record<string, unknown>): Reply {
  const inputTokens = Math.max(1, Math.ceil(JSON.stringify([body.system, body.messages]).length / 4));
  const tools = Array.isArray(body.tools) ? (body.tools as { name?: unknown }[]) : [];
  if (tools.length > 0 && /\bweather\b/i.test(lastUserText(body))) {
    const names = tools.map((tool) => (typeof tool.name === 'string' ? tool.name : ''));
    const name = names.includes('get_weather') ? 'get_weather' : (names[0] ?? 'get_weather');
    return {
      blocks: [
        { type: 'text', text: 'Let me check the weather.' },
        { type: 'tool_use', id: 'toolu_01FakeWeather', name, input: { city: 'Paris' } },
      ],
      stopReason: 'tool_use',
      stopSequence: null,
      inputTokens,
      outputTokens: 12,
    };
  }
  let text = `echo: ${lastUserText(body) || lastToolResultText(body)}`;
  let stopReason: Reply['stopReason'] = 'end_turn';
  let stopSequence: string | null = null;
  const stops = Array.isArray(body.stop_sequences) ? (body.stop_sequences as unknown[]) : [];
  for (const stop of stops) {
    if (typeof stop !== 'string') continue;
    const at = text.indexOf(stop);
    if (at !== -1 && (stopSequence === null || at < text.indexOf(stopSequence))) {
      stopSequence = stop;
      stopReason = 'stop_sequence';
    }
  }
  if (stopSequence !== null) text = text.slice(0, text.indexOf(stopSequence));
  const words = text.split(' ');
  const maxTokens = Number(body.max_tokens);
  if (words.length > maxTokens) {
    text = words.slice(0, maxTokens).join(' ');
    stopReason = 'max_tokens';
    stopSequence = null;
  }
  return {
    blocks: [{ type: 'text', text }],
    stopReason,
    stopSequence,
    inputTokens,
    outputTokens: Math.min(words.length, maxTokens),
  };
}

function lastUser(body: Record<string, unknown>): unknown {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  return messages.findLast((message) => asRecord(message)?.role === 'user');
}

/** The text blocks of the last user message (its string content, when it is one). */
function lastUserText(body: Record<string, unknown>): string {
  const content = asRecord(lastUser(body))?.content;
  if (typeof content === 'string') return content;
  return blocksOf(content)
    .filter((block) => block.type === 'text')
    .map((block) => (typeof block.text === 'string' ? block.text : ''))
    .join(' ');
}

/** The content of the last user message's tool results, to answer a turn that only returns tool output. */
function lastToolResultText(body: Record<string, unknown>): string {
  return blocksOf(asRecord(lastUser(body))?.content)
    .filter((block) => block.type === 'tool_result')
    .map((block) =>
      typeof block.content === 'string'
        ? block.content
        : blocksOf(block.content)
            .map((inner) => (typeof inner.text === 'string' ? inner.text : ''))
            .join(' '),
    )
    .join(' ');
}

function blocksOf(content: unknown): Record<string, unknown>[] {
  if (!Array.isArray(content)) return [];
  return (content as unknown[]).flatMap((block) => {
    const record = asRecord(block);
    return record === undefined ? [] : [record];
  });
}

/** The real event sequence: message_start, per block start (ping after the first) / deltas / stop, then the end. */
function streamEvents(id: string, model: string, reply: Reply, breakOff: boolean): string[] {
  const events: Record<string, unknown>[] = [
    {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: reply.inputTokens,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 1,
        },
      },
    },
  ];
  for (const [index, block] of reply.blocks.entries()) {
    events.push({
      type: 'content_block_start',
      index,
      content_block: block.type === 'text' ? { type: 'text', text: '' } : { ...block, input: {} },
    });
    if (index === 0) events.push({ type: 'ping' });
    const deltas =
      block.type === 'text'
        ? block.text
            .split(' ')
            .map((word, at) => ({ type: 'text_delta', text: at === 0 ? word : ` ${word}` }))
        : jsonPieces(JSON.stringify(block.input)).map((piece) => ({
            type: 'input_json_delta',
            partial_json: piece,
          }));
    for (const delta of deltas) {
      events.push({ type: 'content_block_delta', index, delta });
      if (breakOff) {
        events.push({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
        return events.map(eventFrame);
      }
    }
    events.push({ type: 'content_block_stop', index });
  }
  events.push(
    {
      type: 'message_delta',
      delta: { stop_reason: reply.stopReason, stop_sequence: reply.stopSequence },
      usage: { output_tokens: reply.outputTokens },
    },
    { type: 'message_stop' },
  );
  return events.map(eventFrame);
}

/** Tool input as Anthropic streams it: an empty first piece, then the JSON in a few parts. */
function jsonPieces(json: string): string[] {
  const third = Math.ceil(json.length / 3);
  return ['', json.slice(0, third), json.slice(third, 2 * third), json.slice(2 * third)].filter(
    (piece, index) => index === 0 || piece !== '',
  );
}

function eventFrame(event: Record<string, unknown>): string {
  return `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`;
}

function headerOf(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, type Protocol } from './server.ts';

/** Fields of a v2 chat request; Cohere refuses any other. */
const chatFields = new Set([
  'model',
  'messages',
  'tools',
  'strict_tools',
  'documents',
  'citation_options',
  'response_format',
  'safety_mode',
  'max_tokens',
  'stop_sequences',
  'temperature',
  'seed',
  'frequency_penalty',
  'presence_penalty',
  'k',
  'p',
  'logprobs',
  'tool_choice',
  'thinking',
  'stream',
]);

/**
 * Cohere's v2 API: `POST /v2/chat` (JSON, or SSE events when `stream`) and `POST /v2/embed`, a bearer key
 * required. Chat echoes the last user text, or calls `get_weather` (with a `tool_plan`) when tools are offered and
 * the text mentions the weather. Errors are `{"id","message"}`.
 */
export function cohereProtocol(): Protocol {
  let count = 0;
  return {
    matches: (method, path) => method === 'POST' && (path === '/v2/chat' || path === '/v2/embed'),
    async answer(context) {
      const { request, response } = context;
      if (!/^Bearer \S+$/.test(headerOf(request.headers.authorization))) {
        sendCohereError(response, 401, 'no api key supplied');
        return;
      }
      const body = asRecord(request.body) ?? {};
      count += 1;
      const id = `fake-cohere-${String(count).padStart(4, '0')}`;
      if (request.path === '/v2/embed') {
        const texts = Array.isArray(body.texts) ? (body.texts as unknown[]) : [];
        if (texts.length === 0 || typeof body.input_type !== 'string') {
          sendCohereError(response, 400, 'invalid request: texts and input_type are required');
          return;
        }
        const size = typeof body.output_dimension === 'number' ? body.output_dimension : 4;
        sendJson(response, 200, {
          id,
          texts,
          embeddings: { float: texts.map((text) => vectorOf(String(text), size)) },
          meta: { api_version: { version: '2' }, billed_units: { input_tokens: texts.length * 2 } },
          response_type: 'embeddings_by_type',
        });
        return;
      }
      const invalid = validate(body);
      if (invalid !== undefined) {
        sendCohereError(response, 400, invalid);
        return;
      }
      const text = lastUserText(body);
      const inputTokens = Math.max(1, Math.ceil(JSON.stringify(body.messages).length / 4));
      const tools = Array.isArray(body.tools) ? (body.tools as unknown[]) : [];
      const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
      // A turn that hands back tool results is answered from them, not with another call.
      const answersTool = asRecord(messages.at(-1))?.role === 'tool';
      const callsTool =
        !answersTool && tools.length > 0 && body.tool_choice !== 'NONE' && /\bweather\b/i.test(text);
      const reply = callsTool ? '' : `echo: ${answersTool ? lastToolResult(body) : text}`;
      let words = reply === '' ? [] : reply.split(' ');
      let finish = callsTool ? 'TOOL_CALL' : 'COMPLETE';
      if (typeof body.max_tokens === 'number' && words.length > body.max_tokens) {
        words = words.slice(0, body.max_tokens);
        finish = 'MAX_TOKENS';
      }
      const outputTokens = callsTool ? 10 : words.length;
      const usage = {
        billed_units: { input_tokens: inputTokens, output_tokens: outputTokens },
        tokens: { input_tokens: inputTokens + 100, output_tokens: outputTokens },
      };
      const call = {
        id: 'get_weather_fake01',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      };
      const plan = 'I will check the weather in Paris.';
      if (body.stream !== true) {
        sendJson(response, 200, {
          id,
          finish_reason: finish,
          message: callsTool
            ? { role: 'assistant', tool_plan: plan, tool_calls: [call] }
            : { role: 'assistant', content: [{ type: 'text', text: words.join(' ') }] },
          usage,
        });
        return;
      }
      const events: Record<string, unknown>[] = [
        {
          type: 'message-start',
          id,
          delta: {
            message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] },
          },
        },
      ];
      if (callsTool) {
        events.push(
          { type: 'tool-plan-delta', delta: { message: { tool_plan: plan } } },
          {
            type: 'tool-call-start',
            index: 0,
            delta: { message: { tool_calls: { ...call, function: { name: 'get_weather', arguments: '' } } } },
          },
          {
            type: 'tool-call-delta',
            index: 0,
            delta: { message: { tool_calls: { function: { arguments: '{"city":' } } } },
          },
          {
            type: 'tool-call-delta',
            index: 0,
            delta: { message: { tool_calls: { function: { arguments: '"Paris"}' } } } },
          },
          { type: 'tool-call-end', index: 0 },
        );
      } else {
        events.push({
          type: 'content-start',
          index: 0,
          delta: { message: { content: { type: 'text', text: '' } } },
        });
        for (const [at, word] of words.entries())
          events.push({
            type: 'content-delta',
            index: 0,
            delta: { message: { content: { text: at === 0 ? word : ` ${word}` } } },
          });
        events.push({ type: 'content-end', index: 0 });
      }
      events.push({ type: 'message-end', delta: { finish_reason: finish, usage } });
      await sendSse(
        context,
        events.map((event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`),
      );
    },
    sendError: (response, status, message) => {
      sendCohereError(response, status, message);
    },
  };
}

export function sendCohereError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { id: 'fake-error-id', message });
}

function validate(body: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(body))
    if (!chatFields.has(key))
      return `invalid request: unknown field: parameter '${key}' is not a valid field`;
  if (typeof body.model !== 'string') return "invalid request: 'model' is required";
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  if (messages.length === 0) return 'invalid request: messages cannot be empty';
  for (const [index, item] of messages.entries()) {
    const message = asRecord(item) ?? {};
    if (!['system', 'user', 'assistant', 'tool'].includes(String(message.role)))
      return `invalid request: messages[${index}]: role must be one of system, user, assistant, tool`;
    if (message.role === 'assistant' && message.content === undefined && message.tool_calls === undefined)
      return `invalid request: messages[${index}]: assistant message must have content or tool_calls`;
    if (message.content === null) return `invalid request: messages[${index}].content must not be null`;
  }
  if (body.tool_choice !== undefined && body.tool_choice !== 'REQUIRED' && body.tool_choice !== 'NONE')
    return "invalid request: tool_choice must be one of 'REQUIRED', 'NONE'";
  return undefined;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  return (Array.isArray(content) ? (content as unknown[]) : [])
    .map((part) => asRecord(part)?.text)
    .filter((text): text is string => typeof text === 'string')
    .join(' ');
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  return contentText(asRecord(messages.findLast((message) => asRecord(message)?.role === 'user'))?.content);
}

function lastToolResult(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  return contentText(asRecord(messages.findLast((message) => asRecord(message)?.role === 'tool'))?.content);
}

function vectorOf(text: string, size: number): number[] {
  const vector = Array.from({ length: size }, () => 0);
  for (let index = 0; index < text.length; index++)
    vector[index % size] = (vector[index % size] ?? 0) + text.charCodeAt(index) / 1000;
  return vector;
}

function headerOf(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

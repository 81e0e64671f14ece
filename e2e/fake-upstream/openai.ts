import type { ServerResponse } from 'node:http';
import { sendJson, sendSse, type Protocol } from './server.ts';

/**
 * OpenAI's wire format (and Azure OpenAI's, which shares it under `/openai/deployments/<name>/...`):
 * chat completions echo the last user message, streams are `chat.completion.chunk` frames ending in `[DONE]`.
 */
export function openAIProtocol(options: { pathPrefix?: string } = {}): Protocol {
  const prefix = options.pathPrefix ?? '/v1';
  return {
    matches: (method, path) => method === 'POST' && path.startsWith(prefix) && routeOf(path) !== undefined,
    async answer(context) {
      const body = (context.request.body ?? {}) as Record<string, unknown>;
      const route = routeOf(context.request.path.split('?')[0] ?? '');
      if (route === 'embeddings') {
        sendJson(context.response, 200, embeddingResponse(body));
        return;
      }
      const text = replyText(body);
      if (body.stream === true) {
        await sendSse(context, chatChunks(body, text, route === 'completions'));
        return;
      }
      sendJson(
        context.response,
        200,
        route === 'completions' ? completionResponse(body, text) : chatResponse(body, text),
        {
          'x-request-id': 'req_fake',
        },
      );
    },
    sendError: sendOpenAIError,
  };
}

export function sendOpenAIError(
  response: ServerResponse,
  status: number,
  message: string,
  code?: string,
): void {
  const type =
    status === 429
      ? 'rate_limit_error'
      : status === 401
        ? 'invalid_request_error'
        : status >= 500
          ? 'server_error'
          : 'invalid_request_error';
  sendJson(response, status, { error: { message, type, param: null, code: code ?? null } });
}

function routeOf(path: string): 'chat' | 'completions' | 'embeddings' | undefined {
  if (path.endsWith('/chat/completions')) return 'chat';
  if (path.endsWith('/completions')) return 'completions';
  if (path.endsWith('/embeddings')) return 'embeddings';
  return undefined;
}

/** The reply the fake gives: `echo: <last user text>`, so tests can see which request produced it. */
export function replyText(body: Record<string, unknown>): string {
  if (typeof body.prompt === 'string') return `echo: ${body.prompt}`;
  const messages = Array.isArray(body.messages)
    ? (body.messages as { role?: string; content?: unknown }[])
    : [];
  const last = messages.filter((message) => message.role === 'user').at(-1);
  const content = last?.content;
  const text =
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? content.map((part: { text?: string }) => part.text ?? '').join('')
        : '';
  return `echo: ${text}`;
}

function usageOf(body: Record<string, unknown>, text: string) {
  const prompt = Math.max(1, Math.ceil(JSON.stringify(body.messages ?? body.prompt ?? '').length / 4));
  const completion = Math.max(1, text.split(' ').length);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function chatResponse(body: Record<string, unknown>, text: string) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: modelOf(body),
    system_fingerprint: 'fp_fake',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: usageOf(body, text),
  };
}

function completionResponse(body: Record<string, unknown>, text: string) {
  return {
    id: 'cmpl-fake',
    object: 'text_completion',
    created: 1_700_000_000,
    model: modelOf(body),
    choices: [{ index: 0, text, logprobs: null, finish_reason: 'stop' }],
    usage: usageOf(body, text),
  };
}

function chatChunks(body: Record<string, unknown>, text: string, legacy: boolean): string[] {
  const model = modelOf(body);
  const includeUsage =
    (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const base = {
    id: legacy ? 'cmpl-fake' : 'chatcmpl-fake',
    object: legacy ? 'text_completion' : 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
  };
  const choice = (delta: Record<string, unknown>, finish: string | null) =>
    legacy
      ? { index: 0, text: delta.content ?? '', logprobs: null, finish_reason: finish }
      : { index: 0, delta, logprobs: null, finish_reason: finish };
  const frames = [];
  if (!legacy) frames.push({ ...base, choices: [choice({ role: 'assistant', content: '' }, null)] });
  const words = text.split(' ');
  words.forEach((word, index) =>
    frames.push({ ...base, choices: [choice({ content: index === 0 ? word : ` ${word}` }, null)] }),
  );
  frames.push({ ...base, choices: [choice({}, 'stop')] });
  if (includeUsage) frames.push({ ...base, choices: [], usage: usageOf(body, text) });
  return [...frames.map((frame) => `data: ${JSON.stringify(frame)}\n\n`), 'data: [DONE]\n\n'];
}

function embeddingResponse(body: Record<string, unknown>) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  return {
    object: 'list',
    model: modelOf(body),
    data: inputs.map((input, index) => ({ object: 'embedding', index, embedding: vectorOf(String(input)) })),
    usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
  };
}

/** A small deterministic vector, so equal inputs give equal embeddings. */
function vectorOf(text: string): number[] {
  const vector = [0, 0, 0, 0];
  for (let index = 0; index < text.length; index++)
    vector[index % 4] = (vector[index % 4] ?? 0) + text.charCodeAt(index) / 1000;
  return vector;
}

function modelOf(body: Record<string, unknown>): string {
  return typeof body.model === 'string' ? body.model : 'unknown';
}

import type { ServerResponse } from 'node:http';
import { replyText } from './openai.ts';
import { sendJson, sleep, type ExchangeContext, type Protocol } from './server.ts';

/** Models `GET /api/tags` lists, as Ollama describes a pulled model. */
const installedModels = [
  { name: 'llama3.1:latest', family: 'llama', parameterSize: '8.0B', size: 4_920_753_328 },
  { name: 'nomic-embed-text:latest', family: 'nomic-bert', parameterSize: '137M', size: 274_302_450 },
];

/** Every answer is stamped from this instant (plus a millisecond per line), so tests can assert `created`. */
const epochMs = 1_700_000_000_000;

/**
 * Ollama's native wire format: `POST /api/chat`, `/api/generate`, `/api/embed` and `GET /api/tags`.
 * Chat and generate reply `echo: <last user text>` (the prompt for generate), streaming newline-delimited JSON
 * unless `stream: false`, as Ollama does. With tools given and "weather" in the text, chat calls `get_weather`.
 * `options.num_predict` cuts the reply to that many words with `done_reason: "length"`; `format` makes the
 * reply JSON. Model `missing` is not pulled (404); model `unstable` fails after its first streamed line.
 */
export function ollamaProtocol(): Protocol {
  return {
    matches: (method, path) =>
      (method === 'POST' && ['/api/chat', '/api/generate', '/api/embed'].includes(path)) ||
      (method === 'GET' && path === '/api/tags'),
    async answer(context) {
      const path = context.request.path.split('?')[0] ?? '';
      if (path === '/api/tags') {
        sendJson(context.response, 200, tags());
        return;
      }
      const body = (context.request.body ?? {}) as Record<string, unknown>;
      const model = typeof body.model === 'string' ? body.model : '';
      if (model === '') {
        sendOllamaError(context.response, 400, 'model is required');
        return;
      }
      if (model === 'missing') {
        sendOllamaError(context.response, 404, `model "${model}" not found, try pulling it first`);
        return;
      }
      if (path === '/api/embed') {
        sendJson(context.response, 200, embedAnswer(body, model));
        return;
      }
      await sendReply(context, body, model, path === '/api/chat' ? 'message' : 'response');
    },
    sendError: (response, status, message) => {
      sendOllamaError(response, status, message);
    },
  };
}

export function sendOllamaError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { error: message });
}

type Field = 'message' | 'response';

async function sendReply(
  context: ExchangeContext,
  body: Record<string, unknown>,
  model: string,
  field: Field,
): Promise<void> {
  const calls = field === 'message' ? toolCalls(body) : [];
  const { pieces, doneReason } = replyPieces(body);
  const promptTokens = Math.max(1, Math.ceil(JSON.stringify(body.messages ?? body.prompt ?? '').length / 4));
  const metrics = {
    total_duration: 1_250_000_000,
    load_duration: 25_000_000,
    prompt_eval_count: promptTokens,
    prompt_eval_duration: 120_000_000,
    eval_count: calls.length > 0 ? 12 : pieces.length,
    eval_duration: 1_100_000_000,
  };
  const line = (index: number, text: string, extra: Record<string, unknown> = {}) => ({
    model,
    created_at: new Date(epochMs + index).toISOString(),
    ...(field === 'message'
      ? { message: { role: 'assistant', content: text, ...extra } }
      : { response: text }),
  });
  const memory = field === 'response' ? { context: [128006, 882, 128007] } : {};

  if (body.stream === false) {
    const text = calls.length > 0 ? '' : pieces.join('');
    const extra = calls.length > 0 ? { tool_calls: calls } : {};
    sendJson(context.response, 200, {
      ...line(0, text, extra),
      done_reason: doneReason,
      done: true,
      ...memory,
      ...metrics,
    });
    return;
  }

  const lines: unknown[] =
    calls.length > 0
      ? [{ ...line(0, '', { tool_calls: calls }), done: false }]
      : pieces.map((piece, index) => ({ ...line(index, piece), done: false }));
  if (model === 'unstable') {
    lines.splice(1, lines.length, {
      error: 'an error was encountered while running the model: unexpected EOF',
    });
  } else {
    lines.push({ ...line(lines.length, ''), done_reason: doneReason, done: true, ...memory, ...metrics });
  }
  await sendNdjson(context, lines);
}

/** The reply in streamable pieces (`echo:`, ` hello`, ...), cut at `options.num_predict` words. */
function replyPieces(body: Record<string, unknown>): { pieces: string[]; doneReason: 'stop' | 'length' } {
  const text = body.format === undefined ? replyText(body) : JSON.stringify({ echo: replyText(body) });
  const pieces = text.split(' ').map((word, index) => (index === 0 ? word : ` ${word}`));
  const limit = (body.options as { num_predict?: unknown } | undefined)?.num_predict;
  if (typeof limit === 'number' && limit >= 0 && limit < pieces.length) {
    return { pieces: pieces.slice(0, limit), doneReason: 'length' };
  }
  return { pieces, doneReason: 'stop' };
}

/** `get_weather` for Paris when tools are offered and the last user message asks about the weather. */
function toolCalls(body: Record<string, unknown>): unknown[] {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  if (tools.length === 0 || !replyText(body).toLowerCase().includes('weather')) return [];
  return [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }];
}

function embedAnswer(body: Record<string, unknown>, model: string) {
  const inputs: unknown[] = Array.isArray(body.input) ? body.input : [body.input];
  const texts = inputs.map((input) => (typeof input === 'string' ? input : ''));
  return {
    model,
    embeddings: texts.map(vectorOf),
    total_duration: 14_143_917,
    load_duration: 1_019_500,
    prompt_eval_count: texts.reduce((sum, text) => sum + Math.max(1, Math.ceil(text.length / 4)), 0),
  };
}

/** A small unit vector from the text, the same for the same input. */
function vectorOf(text: string): number[] {
  const vector = [0, 0, 0, 0];
  for (let index = 0; index < text.length; index++)
    vector[index % 4] = (vector[index % 4] ?? 0) + text.charCodeAt(index) / 1000;
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

function tags() {
  return {
    models: installedModels.map((model, index) => ({
      name: model.name,
      model: model.name,
      modified_at: new Date(epochMs - index * 86_400_000).toISOString(),
      size: model.size,
      digest: `${String(index + 1).repeat(8)}${'0'.repeat(56)}`,
      details: {
        parent_model: '',
        format: 'gguf',
        family: model.family,
        families: [model.family],
        parameter_size: model.parameterSize,
        quantization_level: 'Q4_K_M',
      },
    })),
  };
}

/** Writes one JSON object per line, pausing between lines when asked, stopping if the client goes away. */
async function sendNdjson(context: ExchangeContext, lines: readonly unknown[]): Promise<void> {
  const { response } = context;
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const line of lines) {
    if (response.destroyed) return;
    response.write(`${JSON.stringify(line)}\n`);
    if (context.chunkDelayMs > 0) await sleep(context.chunkDelayMs);
  }
  response.end();
}

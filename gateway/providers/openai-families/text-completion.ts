/**
 * Chat requests served by a text-completions model (`text-completion-openai/gpt-3.5-turbo-instruct`): the
 * messages become one prompt, the `text_completion` answer (or its stream) becomes a `chat.completion`.
 */
import { ProviderError } from '../../upstream/errors.ts';
import { readSse, sseDone, sseFrame } from '../sse.ts';
import type { RequestBody } from '../types.ts';
import { asRecord } from '../upstream-call.ts';

/** Chat-only fields that the completions endpoint refuses. */
const chatOnlyFields = new Set([
  'messages',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
]);

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return (content as unknown[])
    .map((part) => {
      const record = asRecord(part);
      return record?.type === 'text' && typeof record.text === 'string' ? record.text : '';
    })
    .join('');
}

/**
 * One prompt from the messages: a single message is its text (LiteLLM's case); several are joined by newlines
 * (LiteLLM sends them as a list of prompts, which would answer with one choice per message).
 */
export function promptOf(messages: unknown): string {
  const list = Array.isArray(messages) ? (messages as unknown[]) : [];
  return list.map((message) => textOf(asRecord(message)?.content)).join('\n');
}

export function textCompletionRequest(body: RequestBody): RequestBody {
  const out: RequestBody = { prompt: promptOf(body.messages) };
  for (const [key, value] of Object.entries(body)) {
    if (chatOnlyFields.has(key)) continue;
    out[key === 'max_completion_tokens' ? 'max_tokens' : key] = value;
  }
  return out;
}

function chatIdOf(id: unknown): string {
  const text = typeof id === 'string' ? id : 'textcompletion';
  return text.startsWith('cmpl-') ? `chatcmpl-${text.slice('cmpl-'.length)}` : `chatcmpl-${text}`;
}

/** A `text_completion` answer as a `chat.completion`. */
export function chatFromTextCompletion(body: unknown): Record<string, unknown> {
  const completion = asRecord(body);
  if (completion === undefined || !Array.isArray(completion.choices))
    throw new ProviderError('internal', 'upstream answered with a body that is not a text completion', {
      status: 502,
    });
  return {
    id: chatIdOf(completion.id),
    object: 'chat.completion',
    created: completion.created ?? Math.floor(Date.now() / 1000),
    model: completion.model,
    choices: (completion.choices as unknown[]).map((item, position) => {
      const choice = asRecord(item) ?? {};
      return {
        index: choice.index ?? position,
        message: { role: 'assistant', content: typeof choice.text === 'string' ? choice.text : '' },
        logprobs: null,
        finish_reason: choice.finish_reason ?? 'stop',
      };
    }),
    ...(completion.usage === undefined ? {} : { usage: completion.usage }),
  };
}

/** A streamed `text_completion` as `chat.completion.chunk` frames: a role chunk first, then the texts. */
export async function* chatChunksFromTextCompletion(
  body: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<string> {
  let started = false;
  for await (const message of readSse(body)) {
    if (message.data === '[DONE]') break;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.data);
    } catch {
      throw new ProviderError(
        'internal',
        `upstream sent an event that is not JSON: ${message.data.slice(0, 200)}`,
      );
    }
    const chunk = asRecord(parsed) ?? {};
    if (chunk.error !== undefined) {
      yield sseFrame(chunk);
      return;
    }
    const base = {
      id: chatIdOf(chunk.id),
      object: 'chat.completion.chunk',
      created: chunk.created,
      model: chunk.model,
    };
    if (!started) {
      started = true;
      yield sseFrame({
        ...base,
        choices: [
          { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
        ],
      });
    }
    const choices = (Array.isArray(chunk.choices) ? (chunk.choices as unknown[]) : []).map((item) => {
      const choice = asRecord(item) ?? {};
      const text = typeof choice.text === 'string' ? choice.text : '';
      return {
        index: choice.index ?? 0,
        delta: text === '' ? {} : { content: text },
        logprobs: null,
        finish_reason: choice.finish_reason ?? null,
      };
    });
    yield sseFrame({ ...base, choices, ...(chunk.usage == null ? {} : { usage: chunk.usage }) });
  }
  yield sseDone;
}

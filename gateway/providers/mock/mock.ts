import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { networkFailure } from '../../upstream/http.ts';
import { ProviderError } from '../../upstream/errors.ts';
import { sseDone, sseFrame } from '../sse.ts';
import type { CallContext, Deployment, Provider, RequestBody } from '../types.ts';

/**
 * A built-in provider for demos and tests: deterministic replies, optional latency, a deterministic failure
 * rate (exactly that share of calls fail, evenly spread) and streaming with a pause between chunks.
 */
export function createMockProvider(): Provider {
  const callCounts = new Map<string, number>();
  return {
    name: 'mock',
    operations: new Set(['chat', 'completion', 'embedding']),
    defaultApiBase: undefined,
    async call(operation, body, deployment, context) {
      const { mock_latency_ms: latency = 0, mock_failure_rate: failureRate = 0 } = deployment.params;
      const count = callCounts.get(deployment.id) ?? 0;
      callCounts.set(deployment.id, count + 1);
      if (latency > 0) await wait(latency, context);
      if (Math.floor((count + 1) * failureRate) > Math.floor(count * failureRate)) {
        throw new ProviderError('internal', `mock deployment ${deployment.model} failed as configured`, {
          status: 500,
        });
      }
      if (operation === 'embedding') return { kind: 'json', body: embeddings(body, deployment) };
      const text = replyOf(body, deployment);
      if (body.stream === true)
        return {
          kind: 'stream',
          frames: streamOf(text, body, deployment, operation === 'completion', context),
        };
      return {
        kind: 'json',
        body: operation === 'completion' ? completion(text, body, deployment) : chat(text, body, deployment),
      };
    },
  };
}

async function wait(ms: number, context: CallContext): Promise<void> {
  try {
    await sleep(ms, undefined, { signal: context.signal });
  } catch (error) {
    throw networkFailure(error, context.signal, 'mock');
  }
}

function replyOf(body: RequestBody, deployment: Deployment): string {
  if (deployment.params.mock_response !== undefined) return deployment.params.mock_response;
  return `This is a mock reply from ${deployment.model} to: ${lastUserText(body).slice(0, 200)}`;
}

function lastUserText(body: RequestBody): string {
  if (typeof body.prompt === 'string') return body.prompt;
  const messages = Array.isArray(body.messages)
    ? (body.messages as { role?: unknown; content?: unknown }[])
    : [];
  const content = messages.filter((message) => message.role === 'user').at(-1)?.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : ''))
    .join(' ');
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function usage(body: RequestBody, text: string) {
  const prompt = estimateTokens(JSON.stringify(body.messages ?? body.prompt ?? ''));
  const completion = estimateTokens(text);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function chat(text: string, body: RequestBody, deployment: Deployment) {
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 0,
    model: deployment.model,
    choices: [
      { index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: 'stop' },
    ],
    usage: usage(body, text),
  };
}

function completion(text: string, body: RequestBody, deployment: Deployment) {
  return {
    id: 'cmpl-mock',
    object: 'text_completion',
    created: 0,
    model: deployment.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: 'stop' }],
    usage: usage(body, text),
  };
}

async function* streamOf(
  text: string,
  body: RequestBody,
  deployment: Deployment,
  legacy: boolean,
  context: CallContext,
): AsyncGenerator<string> {
  const delay = deployment.params.mock_stream_chunk_delay_ms ?? 0;
  const base = {
    id: legacy ? 'cmpl-mock' : 'chatcmpl-mock',
    object: legacy ? 'text_completion' : 'chat.completion.chunk',
    created: 0,
    model: deployment.model,
  };
  const choice = (content: string | undefined, finish: string | null) =>
    legacy
      ? { index: 0, text: content ?? '', logprobs: null, finish_reason: finish }
      : { index: 0, delta: content === undefined ? {} : { content }, logprobs: null, finish_reason: finish };
  if (!legacy)
    yield sseFrame({
      ...base,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    });
  const words = text.split(' ');
  for (const [index, word] of words.entries()) {
    if (delay > 0) await wait(delay, context);
    yield sseFrame({ ...base, choices: [choice(index === 0 ? word : ` ${word}`, null)] });
  }
  yield sseFrame({ ...base, choices: [choice(undefined, 'stop')] });
  if ((body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true) {
    yield sseFrame({ ...base, choices: [], usage: usage(body, text) });
  }
  yield sseDone;
}

function embeddings(body: RequestBody, deployment: Deployment) {
  const inputs: unknown[] = Array.isArray(body.input) ? body.input : [body.input];
  const data = inputs.map((input, index) => ({
    object: 'embedding',
    index,
    embedding: vectorOf(String(input)),
  }));
  const tokens = inputs.reduce<number>((sum, input) => sum + estimateTokens(String(input)), 0);
  return {
    object: 'list',
    model: deployment.model,
    data,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/** Eight numbers from a hash of the text: the same input gives the same unit vector. */
function vectorOf(text: string): number[] {
  const bytes = createHash('sha256').update(text).digest();
  const vector = Array.from({ length: 8 }, (_, index) => bytes.readInt16BE(index * 2));
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

import type { Deployment, RequestBody } from '../types.ts';
import { keepAliveOf } from './common-fields.ts';
import { invalid } from './content.ts';
import { ollamaOptions } from './options-table.ts';
import type { OllamaEmbedAnswer } from './wire.ts';

export interface OllamaEmbedRequest {
  model: string;
  input: string | string[];
  options?: Record<string, unknown>;
  keep_alive?: string | number;
}

/** An OpenAI embeddings request as Ollama's `POST /api/embed`, which takes one text or a list of texts. */
export function embedRequest(body: RequestBody, deployment: Deployment): OllamaEmbedRequest {
  const texts = body.input;
  if (typeof texts !== 'string' && !isTextList(texts)) {
    throw invalid('ollama embeds text: input must be a string or a list of strings', 'input');
  }
  const options = ollamaOptions(body, deployment.params);
  const keepAlive = keepAliveOf(body, deployment);
  return {
    model: deployment.model,
    input: texts,
    ...(Object.keys(options).length === 0 ? {} : { options }),
    ...(keepAlive === undefined ? {} : { keep_alive: keepAlive }),
  };
}

function isTextList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * Ollama's vectors as OpenAI's embeddings list. `encoding_format: base64` (the OpenAI SDKs' default) gets
 * little-endian float32 bytes in base64, as OpenAI sends them.
 */
export function embeddingList(answer: OllamaEmbedAnswer, body: RequestBody, model: string) {
  const base64 = body.encoding_format === 'base64';
  const tokens = answer.prompt_eval_count ?? 0;
  return {
    object: 'list',
    model: answer.model ?? model,
    data: answer.embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
    })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

import { asArray, asNumber, asRecord, badRequest } from '../json.ts';
import type { RequestBody } from '../types.ts';

function inputsOf(body: RequestBody): readonly string[] {
  const input = body.input;
  const list = typeof input === 'string' ? [input] : (asArray(input) ?? []);
  if (list.length === 0 || !list.every((item) => typeof item === 'string'))
    throw badRequest('vertex_ai embeddings take text input (a string or a list of strings), not tokens');
  return list;
}

/** OpenAI's embeddings request as Vertex's `:predict` for text embedding models (`text-embedding-005`, ...). */
export function toPredictRequest(body: RequestBody): Record<string, unknown> {
  const dimensions = asNumber(body.dimensions);
  const taskType = typeof body.task_type === 'string' ? body.task_type : undefined;
  return {
    instances: inputsOf(body).map((content) =>
      taskType === undefined ? { content } : { content, task_type: taskType },
    ),
    ...(dimensions === undefined ? {} : { parameters: { outputDimensionality: dimensions } }),
  };
}

/** `{"predictions":[{"embeddings":{"values","statistics":{"token_count"}}}]}` as OpenAI's list, with the counted tokens. */
export function toEmbeddingList(response: unknown, model: string): Record<string, unknown> {
  const predictions = asArray(asRecord(response)?.predictions) ?? [];
  let tokens = 0;
  const data = predictions.map((item, index) => {
    const embeddings = asRecord(asRecord(item)?.embeddings);
    tokens += asNumber(asRecord(embeddings?.statistics)?.token_count) ?? 0;
    return { object: 'embedding', index, embedding: asArray(embeddings?.values) ?? [] };
  });
  return { object: 'list', model, data, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

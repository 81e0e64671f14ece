import { asArray, asNumber, asRecord, badRequest } from '../json.ts';
import type { RequestBody } from '../types.ts';

function inputsOf(body: RequestBody): readonly string[] {
  const input = body.input;
  const list = typeof input === 'string' ? [input] : (asArray(input) ?? []);
  if (list.length === 0 || !list.every((item) => typeof item === 'string'))
    throw badRequest('cohere embeddings take text input (a string or a list of strings), not tokens');
  return list;
}

/** OpenAI's embeddings request as Cohere's v2 embed: floats, `search_document` unless the client names an `input_type`. */
export function toCohereEmbed(body: RequestBody, model: string): Record<string, unknown> {
  const dimensions = asNumber(body.dimensions);
  return {
    model,
    texts: inputsOf(body),
    input_type: typeof body.input_type === 'string' ? body.input_type : 'search_document',
    embedding_types: ['float'],
    ...(dimensions === undefined ? {} : { output_dimension: dimensions }),
  };
}

export function toEmbeddingList(response: unknown, model: string): Record<string, unknown> {
  const record = asRecord(response);
  const vectors = asArray(asRecord(record?.embeddings)?.float) ?? asArray(record?.embeddings) ?? [];
  const tokens = asNumber(asRecord(asRecord(record?.meta)?.billed_units)?.input_tokens) ?? 0;
  return {
    object: 'list',
    model,
    data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

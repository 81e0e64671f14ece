import { asArray, asNumber, asRecord, badRequest } from '../json.ts';
import type { RequestBody } from '../types.ts';

/** One InvokeModel call of an embedding model: its body, and how its answer is read. */
export interface EmbeddingCall {
  readonly body: Record<string, unknown>;
  read(response: unknown): { vectors: number[][]; tokens: number | undefined };
}

function inputsOf(body: RequestBody): readonly string[] {
  const input = body.input;
  const list = typeof input === 'string' ? [input] : (asArray(input) ?? []);
  if (list.length === 0 || !list.every((item) => typeof item === 'string'))
    throw badRequest('bedrock embeddings take text input (a string or a list of strings), not tokens');
  return list;
}

function numbers(value: unknown): number[] {
  return (asArray(value) ?? []).filter((item): item is number => typeof item === 'number');
}

/**
 * The InvokeModel calls for an embeddings request, by model family as LiteLLM has them: Titan takes one text a
 * call (`inputText`, `dimensions`), Cohere a list (`texts`, `input_type`).
 */
export function embeddingCalls(model: string, body: RequestBody): EmbeddingCall[] {
  const inputs = inputsOf(body);
  const dimensions = asNumber(body.dimensions);
  if (model.startsWith('amazon.titan-embed'))
    return inputs.map((text) => ({
      body: { inputText: text, ...(dimensions === undefined ? {} : { dimensions }) },
      read: (response) => ({
        vectors: [numbers(asRecord(response)?.embedding)],
        tokens: asNumber(asRecord(response)?.inputTextTokenCount),
      }),
    }));
  if (model.startsWith('cohere.embed'))
    return [
      {
        body: {
          texts: inputs,
          input_type: typeof body.input_type === 'string' ? body.input_type : 'search_document',
        },
        read: (response) => ({
          vectors: (asArray(asRecord(response)?.embeddings) ?? []).map(numbers),
          tokens: undefined,
        }),
      },
    ];
  throw badRequest(`bedrock embeddings support amazon.titan-embed-* and cohere.embed-* models, not ${model}`);
}

/** OpenAI's list; Cohere reports no token count, so that part of the usage is estimated (four characters a token). */
export function toEmbeddingList(
  model: string,
  body: RequestBody,
  results: readonly { vectors: number[][]; tokens: number | undefined }[],
): Record<string, unknown> {
  const estimate = inputsOf(body).reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
  const counted = results.every((result) => result.tokens !== undefined);
  const tokens = counted ? results.reduce((sum, result) => sum + (result.tokens ?? 0), 0) : estimate;
  return {
    object: 'list',
    model,
    data: results
      .flatMap((result) => result.vectors)
      .map((embedding, index) => ({ object: 'embedding', index, embedding })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

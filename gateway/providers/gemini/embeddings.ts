import { asArray, asNumber, asRecord, badRequest } from '../json.ts';
import type { RequestBody } from '../types.ts';

export interface BatchEmbedRequest {
  readonly requests: readonly {
    readonly model: string;
    readonly content: { readonly parts: readonly { readonly text: string }[] };
    readonly outputDimensionality?: number;
    readonly taskType?: string;
  }[];
}

function inputsOf(body: RequestBody): readonly string[] {
  const input = body.input;
  const list = typeof input === 'string' ? [input] : (asArray(input) ?? []);
  if (list.length === 0 || !list.every((item) => typeof item === 'string'))
    throw badRequest('gemini embeddings take text input (a string or a list of strings), not tokens');
  return list;
}

/** OpenAI's embeddings request as `batchEmbedContents`: one request per input, `dimensions` as `outputDimensionality`. */
export function toBatchEmbedRequest(body: RequestBody, model: string): BatchEmbedRequest {
  const dimensions = asNumber(body.dimensions);
  const taskType = typeof body.task_type === 'string' ? body.task_type : undefined;
  return {
    requests: inputsOf(body).map((text) => ({
      model: `models/${model}`,
      content: { parts: [{ text }] },
      ...(dimensions === undefined ? {} : { outputDimensionality: dimensions }),
      ...(taskType === undefined ? {} : { taskType }),
    })),
  };
}

/**
 * `{"embeddings":[{"values":[...]}]}` as OpenAI's list. Gemini reports no token counts for embeddings: the usage
 * is an estimate (four characters a token), so budgets and rate limits still see the call.
 */
export function toEmbeddingList(
  response: unknown,
  body: RequestBody,
  model: string,
): Record<string, unknown> {
  const embeddings = asArray(asRecord(response)?.embeddings) ?? [];
  const tokens = inputsOf(body).reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
  return {
    object: 'list',
    model,
    data: embeddings.map((item, index) => ({
      object: 'embedding',
      index,
      embedding: asArray(asRecord(item)?.values) ?? [],
    })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

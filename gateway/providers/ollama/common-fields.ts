import { GatewayError } from '../../errors.ts';
import { asRecord } from '../upstream-call.ts';
import type { Deployment, RequestBody } from '../types.ts';
import { ollamaOptions } from './options-table.ts';

/** Fields every `/api/chat` and `/api/generate` request carries besides the messages or prompt. */
export interface CommonFields {
  model: string;
  /** Always sent: Ollama streams unless told `false`. */
  stream: boolean;
  format?: 'json' | Record<string, unknown>;
  options?: Record<string, unknown>;
  keep_alive?: string | number;
}

export function commonFields(body: RequestBody, deployment: Deployment): CommonFields {
  const options = ollamaOptions(body, deployment.params);
  const format = formatOf(body.response_format);
  const keepAlive = keepAliveOf(body, deployment);
  return {
    model: deployment.model,
    stream: body.stream === true,
    ...(format === undefined ? {} : { format }),
    ...(Object.keys(options).length === 0 ? {} : { options }),
    ...(keepAlive === undefined ? {} : { keep_alive: keepAlive }),
  };
}

/** OpenAI's `response_format` as Ollama's `format`: `json` for JSON mode, the schema itself for structured output. */
export function formatOf(responseFormat: unknown): CommonFields['format'] {
  const format = asRecord(responseFormat);
  if (format === undefined || format.type === 'text') return undefined;
  if (format.type === 'json_object') return 'json';
  if (format.type === 'json_schema') {
    const schema = asRecord(asRecord(format.json_schema)?.schema);
    if (schema !== undefined) return schema;
    throw new GatewayError(
      'invalid_request',
      'response_format.json_schema.schema must be a JSON schema object',
      {
        param: 'response_format',
      },
    );
  }
  throw new GatewayError(
    'invalid_request',
    `response_format type ${JSON.stringify(format.type)} is not supported`,
    {
      param: 'response_format',
    },
  );
}

/** How long Ollama keeps the model loaded after the call (`5m`, `-1`, `0`): the request's, else the deployment's. */
export function keepAliveOf(body: RequestBody, deployment: Deployment): string | number | undefined {
  for (const value of [body.keep_alive, (deployment.params as Record<string, unknown>).keep_alive]) {
    if (typeof value === 'string' || typeof value === 'number') return value;
  }
  return undefined;
}

/** `stream_options.include_usage`: the client wants a last chunk with the token counts. */
export function includeUsage(body: RequestBody): boolean {
  return asRecord(body.stream_options)?.include_usage === true;
}

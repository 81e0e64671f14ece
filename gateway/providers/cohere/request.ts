import { asArray, asNumber, asRecord, asString, badRequest } from '../json.ts';
import type { RequestBody } from '../types.ts';

export interface CohereOptions {
  readonly model: string;
  readonly dropParams: boolean;
}

/** OpenAI parameters Cohere's v2 chat has no equivalent for: refused, or dropped under `drop_params`. */
const unsupportedParams: readonly (readonly [string, (value: unknown) => boolean])[] = [
  ['n', (value) => typeof value === 'number' && value > 1],
  ['logit_bias', (value) => Object.keys(asRecord(value) ?? {}).length > 0],
  ['top_logprobs', (value) => value !== undefined && value !== null],
  ['audio', (value) => value !== undefined && value !== null],
  ['prediction', (value) => value !== undefined && value !== null],
];

/** Renames into Cohere's fields that need no logic; later rows win (`max_completion_tokens`). */
const renames: readonly (readonly [string, string])[] = [
  ['max_tokens', 'max_tokens'],
  ['max_completion_tokens', 'max_tokens'],
  ['temperature', 'temperature'],
  ['top_p', 'p'],
  ['top_k', 'k'],
  ['seed', 'seed'],
  ['frequency_penalty', 'frequency_penalty'],
  ['presence_penalty', 'presence_penalty'],
];

/** Cohere's own chat fields, passed through when a client sends them (LiteLLM passes them too). */
const passthrough = ['documents', 'citation_options', 'safety_mode', 'strict_tools', 'thinking'] as const;

/**
 * Translates an OpenAI chat request into Cohere's v2 chat: the messages are nearly OpenAI's (developer becomes
 * system, a null assistant content is left out), sampling fields renamed, `tool_choice` upper-cased, and a choice
 * of one named function sent as `REQUIRED` with only that tool, since Cohere cannot name one.
 */
export function toCohereChat(body: RequestBody, options: CohereOptions): Record<string, unknown> {
  const refused = unsupportedParams.filter(([name, asked]) => asked(body[name])).map(([name]) => name);
  if (refused.length > 0 && !options.dropParams)
    throw badRequest(
      `cohere does not support the parameter${refused.length > 1 ? 's' : ''} ${refused.map((name) => `'${name}'`).join(', ')} ` +
        `(model ${options.model}). Remove it, or set litellm_settings.drop_params: true to drop unsupported parameters.`,
    );
  const request: Record<string, unknown> = { model: options.model, messages: messagesOf(body.messages) };
  for (const [from, to] of renames) {
    const value = body[from];
    if (value === undefined || value === null) continue;
    if (asNumber(value) === undefined) throw badRequest(`'${from}' must be a number`);
    request[to] = value;
  }
  const stop = typeof body.stop === 'string' ? [body.stop] : (asArray(body.stop) ?? []);
  if (stop.length > 0) request.stop_sequences = stop;
  if (body.logprobs === true) request.logprobs = true;
  const format = asRecord(body.response_format);
  if (format?.type === 'json_object') request.response_format = { type: 'json_object' };
  if (format?.type === 'json_schema') {
    const schema = asRecord(asRecord(format.json_schema)?.schema);
    request.response_format =
      schema === undefined ? { type: 'json_object' } : { type: 'json_object', json_schema: schema };
  }
  let tools = asArray(body.tools) ?? [];
  const choice = body.tool_choice;
  const named = asString(asRecord(asRecord(choice)?.function)?.name);
  if (named !== undefined) {
    tools = tools.filter((tool) => asString(asRecord(asRecord(tool)?.function)?.name) === named);
    request.tool_choice = 'REQUIRED';
  } else if (choice === 'required') request.tool_choice = 'REQUIRED';
  else if (choice === 'none') request.tool_choice = 'NONE';
  if (tools.length > 0) request.tools = tools;
  for (const name of passthrough) if (body[name] !== undefined) request[name] = body[name];
  if (body.stream === true) request.stream = true;
  return request;
}

function messagesOf(value: unknown): Record<string, unknown>[] {
  const list = asArray(value);
  if (list === undefined) throw badRequest("'messages' must be a list");
  return list.map((item, index) => {
    const message = asRecord(item);
    if (message === undefined) throw badRequest(`messages[${index}] must be an object`);
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: message.content };
      case 'user':
        return { role: 'user', content: message.content };
      case 'assistant': {
        const out: Record<string, unknown> = { role: 'assistant' };
        if (message.content !== null && message.content !== undefined && message.content !== '')
          out.content = message.content;
        if ((asArray(message.tool_calls)?.length ?? 0) > 0) out.tool_calls = message.tool_calls;
        return out;
      }
      case 'tool':
        return { role: 'tool', tool_call_id: message.tool_call_id, content: message.content };
      default:
        throw badRequest(
          `messages[${index}].role ${JSON.stringify(message.role)} is not supported by cohere`,
        );
    }
  });
}

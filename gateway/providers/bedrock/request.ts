import {
  asArray,
  asNumber,
  asRecord,
  asString,
  badRequest,
  parseJson,
  type Mutable,
  contentParts,
} from '../json.ts';
import type { RequestBody } from '../types.ts';
import type {
  ContentBlock,
  ConverseRequest,
  ImageFormat,
  InferenceConfig,
  Message,
  ToolChoice,
  ToolSpec,
} from './wire.ts';

export interface ConverseOptions {
  readonly model: string;
  readonly dropParams: boolean;
  /** `litellm_params` of the deployment: Converse's own fields there are defaults for the request's. */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Converse fields LiteLLM passes through from litellm_params or the request (`guardrailConfig`, ...). */
const converseFields = ['guardrailConfig', 'performanceConfig', 'requestMetadata'] as const;

/** OpenAI parameters Converse cannot carry: refused, or dropped under `drop_params`. */
const unsupportedParams: readonly (readonly [string, (value: unknown) => boolean])[] = [
  ['n', (value) => typeof value === 'number' && value > 1],
  ['logprobs', (value) => value === true],
  ['top_logprobs', isSet],
  ['logit_bias', (value) => Object.keys(asRecord(value) ?? {}).length > 0],
  ['presence_penalty', (value) => isSet(value) && value !== 0],
  ['frequency_penalty', (value) => isSet(value) && value !== 0],
  ['seed', isSet],
  ['response_format', (value) => isSet(value) && asRecord(value)?.type !== 'text'],
  ['audio', isSet],
  ['prediction', isSet],
  ['functions', isSet],
  ['function_call', isSet],
];

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

const imageFormats: Readonly<Record<string, ImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/**
 * Translates an OpenAI chat request into a Converse request: system and developer messages become `system`,
 * tool calls `toolUse` blocks and tool results `toolResult` blocks in the next user turn, consecutive turns of one
 * role merged (Converse wants them alternating). Images must be base64 data URLs: Bedrock fetches no URLs and the
 * gateway does not download them for the client.
 */
export function toConverseRequest(body: RequestBody, options: ConverseOptions): ConverseRequest {
  const refused = unsupportedParams.filter(([name, asked]) => asked(body[name])).map(([name]) => name);
  if (refused.length > 0 && !options.dropParams)
    throw badRequest(
      `bedrock does not support the parameter${refused.length > 1 ? 's' : ''} ${refused.map((name) => `'${name}'`).join(', ')} ` +
        `(model ${options.model}). Remove it, or set litellm_settings.drop_params: true to drop unsupported parameters.`,
    );
  const { system, messages } = translateMessages(body.messages);
  const request: Mutable<ConverseRequest> = { messages };
  if (system.length > 0) request.system = system.map((text) => ({ text }));
  const inference = inferenceConfigOf(body);
  if (Object.keys(inference).length > 0) request.inferenceConfig = inference;
  const tools = toolSpecs(body.tools);
  if (tools.length > 0) {
    // Converse has no `none`: the tools stay declared (earlier turns may use them) and the model chooses.
    const choice = body.tool_choice === 'none' ? undefined : toolChoiceOf(body.tool_choice);
    request.toolConfig = choice === undefined ? { tools } : { tools, toolChoice: choice };
  }
  const topK = asNumber(body.top_k);
  if (topK !== undefined) request.additionalModelRequestFields = { top_k: topK };
  const thinking = asRecord(body.thinking);
  if (thinking !== undefined)
    request.additionalModelRequestFields = { ...request.additionalModelRequestFields, thinking };
  for (const name of converseFields) {
    const value = asRecord(body[name]) ?? asRecord(options.params?.[name]);
    if (value !== undefined) request[name] = value as Record<string, string>;
  }
  return request;
}

function inferenceConfigOf(body: RequestBody): InferenceConfig {
  const config: Mutable<InferenceConfig> = {};
  for (const name of ['max_completion_tokens', 'max_tokens'] as const) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      throw badRequest(`'${name}' must be a positive integer`);
    config.maxTokens = value;
    break;
  }
  for (const [from, to] of [
    ['temperature', 'temperature'],
    ['top_p', 'topP'],
  ] as const) {
    const value = body[from];
    if (value === undefined || value === null) continue;
    const number = asNumber(value);
    if (number === undefined) throw badRequest(`'${from}' must be a number`);
    config[to] = number;
  }
  const stop = typeof body.stop === 'string' ? [body.stop] : (asArray(body.stop) ?? []);
  const stops = stop.filter((item): item is string => typeof item === 'string' && item !== '');
  if (stops.length > 0) config.stopSequences = stops;
  return config;
}

interface Turn {
  role: Message['role'];
  content: ContentBlock[];
}

function translateMessages(value: unknown): { system: string[]; messages: Message[] } {
  const list = asArray(value);
  if (list === undefined) throw badRequest("'messages' must be a list");
  const system: string[] = [];
  const turns: Turn[] = [];
  list.forEach((item, index) => {
    const path = `messages[${index}]`;
    const message = asRecord(item);
    if (message === undefined) throw badRequest(`${path} must be an object`);
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...textsOf(message.content, `${path}.content`));
        break;
      case 'user':
        addTurn(turns, 'user', userBlocks(message.content, `${path}.content`));
        break;
      case 'assistant':
        addTurn(turns, 'assistant', assistantBlocks(message, path));
        break;
      case 'tool':
        addTurn(turns, 'user', [toolResult(message, path)]);
        break;
      default:
        throw badRequest(`${path}.role ${JSON.stringify(message.role)} is not supported by bedrock`);
    }
  });
  if (turns.length === 0) throw badRequest('bedrock needs at least one user or assistant message');
  return { system, messages: turns };
}

function addTurn(turns: Turn[], role: Turn['role'], content: ContentBlock[]): void {
  if (content.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...content);
  else turns.push({ role, content });
}

/** Converse refuses empty text blocks, so they are left out. */
function textsOf(content: unknown, path: string): string[] {
  return contentParts(content, path).flatMap((part, index) => {
    if (part.type !== 'text') throw badRequest(`${path}[${index}]: only text parts are supported here`);
    const text = asString(part.text);
    if (text === undefined) throw badRequest(`${path}[${index}].text must be a string`);
    return text.trim() === '' ? [] : [text];
  });
}

function userBlocks(content: unknown, path: string): ContentBlock[] {
  return contentParts(content, path).flatMap((part, index): ContentBlock[] => {
    const partPath = `${path}[${index}]`;
    if (part.type === 'text') {
      const text = asString(part.text);
      if (text === undefined) throw badRequest(`${partPath}.text must be a string`);
      return text.trim() === '' ? [] : [{ text }];
    }
    if (part.type === 'image_url') return [imageBlock(part.image_url, partPath)];
    throw badRequest(
      `${partPath}: content part type ${JSON.stringify(part.type)} is not supported by bedrock`,
    );
  });
}

function imageBlock(value: unknown, path: string): ContentBlock {
  const url = asString(value) ?? asString(asRecord(value)?.url) ?? '';
  const comma = url.indexOf(',');
  const [mediaType = '', ...flags] = (
    url.startsWith('data:') && comma !== -1 ? url.slice(5, comma) : ''
  ).split(';');
  const format = imageFormats[mediaType.toLowerCase()];
  if (format === undefined || !flags.includes('base64'))
    throw badRequest(
      `${path}.image_url.url must be a base64 data URL of a png, jpeg, gif or webp image for bedrock`,
    );
  return { image: { format, source: { bytes: url.slice(comma + 1) } } };
}

function assistantBlocks(message: Record<string, unknown>, path: string): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  contentParts(message.content, `${path}.content`).forEach((part) => {
    const text = asString(part.text);
    if (part.type === 'text' && text !== undefined && text.trim() !== '') blocks.push({ text });
  });
  (asArray(message.tool_calls) ?? []).forEach((item, index) => {
    const call = asRecord(item);
    const fn = asRecord(call?.function);
    const id = asString(call?.id);
    const name = asString(fn?.name);
    if (id === undefined || name === undefined)
      throw badRequest(`${path}.tool_calls[${index}] must have an id and a function.name`);
    const text = asString(fn?.arguments)?.trim() ?? '';
    const input = text === '' ? {} : asRecord(parseJson(text));
    if (input === undefined)
      throw badRequest(`${path}.tool_calls[${index}].function.arguments must be a JSON object`);
    blocks.push({ toolUse: { toolUseId: id, name, input } });
  });
  return blocks;
}

function toolResult(message: Record<string, unknown>, path: string): ContentBlock {
  const id = asString(message.tool_call_id);
  if (id === undefined) throw badRequest(`${path}.tool_call_id must be a string`);
  const content = message.content;
  const text =
    typeof content === 'string'
      ? content
      : contentParts(content, `${path}.content`)
          .map((part) => asString(part.text) ?? '')
          .join('');
  // Converse refuses an empty text block, also inside a tool result.
  return { toolResult: { toolUseId: id, content: [{ text: text === '' ? ' ' : text }] } };
}

function toolSpecs(value: unknown): ToolSpec[] {
  return (asArray(value) ?? []).map((item, index) => {
    const tool = asRecord(item);
    if (tool?.type !== 'function')
      throw badRequest(
        `tools[${index}]: only function tools can be sent to bedrock (got ${JSON.stringify(tool?.type)})`,
      );
    const fn = asRecord(tool.function);
    const name = asString(fn?.name);
    if (name === undefined) throw badRequest(`tools[${index}].function.name must be a string`);
    const description = asString(fn?.description);
    const json = asRecord(fn?.parameters) ?? { type: 'object', properties: {} };
    return {
      toolSpec: { name, ...(description === undefined ? {} : { description }), inputSchema: { json } },
    };
  });
}

function toolChoiceOf(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto') return { auto: {} };
  if (value === 'required') return { any: {} };
  const name = asString(asRecord(asRecord(value)?.function)?.name);
  if (name !== undefined) return { tool: { name } };
  throw badRequest(`tool_choice ${JSON.stringify(value)} is not supported by bedrock`);
}

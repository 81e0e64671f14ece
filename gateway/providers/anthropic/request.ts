import type { RequestBody } from '../types.ts';
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
import type {
  CacheControl,
  ContentBlock,
  ImageBlock,
  MessageParam,
  MessagesRequest,
  TextBlock,
  ThinkingBlock,
  Tool,
  ToolChoice,
  ToolResultBlock,
  ToolUseBlock,
} from './wire.ts';

/** LiteLLM's `max_tokens` for Anthropic when neither the request nor `litellm_params` sets one. */
export const defaultMaxTokens = 4096;

export interface RequestOptions {
  /** The provider's model id (`claude-sonnet-4-5`), sent as `model`. */
  readonly model: string;
  /** `drop_params`: drop what Anthropic cannot take instead of refusing the request. */
  readonly dropParams: boolean;
  /** `litellm_params.max_tokens`: used when the request sets neither `max_tokens` nor `max_completion_tokens`. */
  readonly maxTokens?: number | undefined;
}

/** OpenAI parameters Anthropic has no equivalent for, each with the test for "the client really asked for it". */
const unsupportedParams: readonly (readonly [string, (value: unknown) => boolean])[] = [
  ['n', (value) => typeof value === 'number' && value > 1],
  ['logprobs', (value) => value === true],
  ['top_logprobs', isSet],
  ['logit_bias', (value) => isSet(value) && Object.keys(asRecord(value) ?? {}).length > 0],
  ['presence_penalty', (value) => isSet(value) && value !== 0],
  ['frequency_penalty', (value) => isSet(value) && value !== 0],
  ['seed', isSet],
  ['response_format', (value) => isSet(value) && asRecord(value)?.type !== 'text'],
  ['functions', isSet],
  ['function_call', isSet],
  ['audio', isSet],
  ['modalities', (value) => (asArray(value) ?? []).some((modality) => modality !== 'text')],
  ['prediction', isSet],
  ['reasoning_effort', isSet],
  ['web_search_options', isSet],
];

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/**
 * Translates an OpenAI chat request into an Anthropic Messages request, as LiteLLM does: system and developer
 * messages become `system`, tool calls and results become `tool_use`/`tool_result` blocks, consecutive turns of
 * one role are merged. Parameters Anthropic cannot take are dropped with `dropParams`, else refused (400).
 */
export function toMessagesRequest(body: RequestBody, options: RequestOptions): MessagesRequest {
  const refused = unsupportedParams.filter(([name, asked]) => asked(body[name])).map(([name]) => name);
  if (refused.length > 0 && !options.dropParams) {
    const names = refused.map((name) => `'${name}'`).join(', ');
    throw badRequest(
      `anthropic does not support the parameter${refused.length > 1 ? 's' : ''} ${names} (model ${options.model}). ` +
        'Remove it, or set litellm_settings.drop_params: true to drop unsupported parameters.',
    );
  }
  const { system, messages } = translateMessages(body.messages);
  const request: Mutable<MessagesRequest> = {
    model: options.model,
    messages,
    max_tokens: maxTokensOf(body, options),
  };
  if (system.length > 0) request.system = systemOf(system);
  const stop = stopSequencesOf(body.stop);
  if (stop.length > 0) request.stop_sequences = stop;
  for (const name of ['temperature', 'top_p', 'top_k'] as const) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    const number = asNumber(value);
    if (number === undefined) throw badRequest(`'${name}' must be a number`);
    request[name] = number;
  }
  const user = asString(body.user);
  if (user !== undefined && user !== '') request.metadata = { user_id: user };
  const tools = toolsOf(body.tools);
  if (tools.length > 0) {
    request.tools = tools;
    const choice = toolChoiceOf(body.tool_choice, body.parallel_tool_calls === false);
    if (choice !== undefined) request.tool_choice = choice;
  }
  const thinking = asRecord(body.thinking);
  if (thinking !== undefined) request.thinking = thinking;
  if (body.stream === true) request.stream = true;
  return request;
}

function maxTokensOf(body: RequestBody, options: RequestOptions): number {
  for (const name of ['max_completion_tokens', 'max_tokens'] as const) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
      throw badRequest(`'${name}' must be a positive integer`);
    return value;
  }
  return options.maxTokens !== undefined && options.maxTokens > 0 ? options.maxTokens : defaultMaxTokens;
}

/** One block, when it is plain; text blocks otherwise (so `cache_control` and the parts' order survive). */
function systemOf(blocks: readonly TextBlock[]): string | readonly TextBlock[] {
  const [only] = blocks;
  return blocks.length === 1 && only !== undefined && only.cache_control === undefined ? only.text : blocks;
}

/** Anthropic refuses empty or whitespace-only stop sequences, so they are left out. */
function stopSequencesOf(stop: unknown): string[] {
  const list = typeof stop === 'string' ? [stop] : (asArray(stop) ?? []);
  return list.filter((item): item is string => typeof item === 'string' && item.trim() !== '');
}

interface Turn {
  role: 'user' | 'assistant';
  blocks: ContentBlock[];
}

function translateMessages(value: unknown): { system: TextBlock[]; messages: MessageParam[] } {
  const list = asArray(value);
  if (list === undefined) throw badRequest("'messages' must be a list");
  const system: TextBlock[] = [];
  const turns: Turn[] = [];
  list.forEach((item, index) => {
    const path = `messages[${index}]`;
    const message = asRecord(item);
    if (message === undefined) throw badRequest(`${path} must be an object`);
    const role = message.role;
    switch (role) {
      case 'system':
      case 'developer':
        system.push(...withMessageCache(message, textParts(message.content, `${path}.content`)));
        break;
      case 'user':
        addTurn(turns, 'user', withMessageCache(message, userBlocks(message.content, `${path}.content`)));
        break;
      case 'assistant':
        addTurn(turns, 'assistant', withMessageCache(message, assistantBlocks(message, path)));
        break;
      case 'tool':
        addTurn(turns, 'user', withMessageCache(message, [toolResult(message, path)]));
        break;
      default:
        throw badRequest(`${path}.role ${JSON.stringify(role)} is not supported by anthropic`);
    }
  });
  return { system, messages: turns.map(messageOf) };
}

/** Anthropic wants user and assistant turns to alternate: a turn of the same role as the last one joins it. */
function addTurn(turns: Turn[], role: Turn['role'], blocks: ContentBlock[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.blocks.push(...blocks);
  else turns.push({ role, blocks });
}

function messageOf(turn: Turn): MessageParam {
  // Tool results must open the user turn that answers a tool use.
  const blocks =
    turn.role === 'user'
      ? [
          ...turn.blocks.filter((block) => block.type === 'tool_result'),
          ...turn.blocks.filter((block) => block.type !== 'tool_result'),
        ]
      : turn.blocks;
  const [only] = blocks;
  if (blocks.length === 1 && only?.type === 'text' && only.cache_control === undefined)
    return { role: turn.role, content: only.text };
  return { role: turn.role, content: blocks };
}

/** A message-level `cache_control` (LiteLLM's form) marks the message's last block. */
function withMessageCache<T extends ContentBlock>(message: Record<string, unknown>, blocks: T[]): T[] {
  const cache = cacheControlOf(message.cache_control);
  const last = blocks.at(-1);
  if (
    cache === undefined ||
    last === undefined ||
    last.type === 'thinking' ||
    last.type === 'redacted_thinking'
  )
    return blocks;
  return [...blocks.slice(0, -1), { ...last, cache_control: cache }];
}

function cacheControlOf(value: unknown): CacheControl | undefined {
  const record = asRecord(value);
  return record?.type === 'ephemeral' ? (record as unknown as CacheControl) : undefined;
}

function withPartCache<T extends TextBlock | ImageBlock>(block: T, part: Record<string, unknown>): T {
  const cache = cacheControlOf(part.cache_control);
  return cache === undefined ? block : { ...block, cache_control: cache };
}

/** Text parts only (system, developer and tool messages). Empty texts are left out: Anthropic refuses them. */
function textParts(content: unknown, path: string): TextBlock[] {
  return contentParts(content, path).flatMap((part, index) => {
    if (part.type !== 'text') throw unsupportedPart(part, `${path}[${index}]`);
    return textBlock(part, `${path}[${index}]`);
  });
}

function textBlock(part: Record<string, unknown>, path: string): TextBlock[] {
  const text = asString(part.text);
  if (text === undefined) throw badRequest(`${path}.text must be a string`);
  return text === '' ? [] : [withPartCache({ type: 'text', text }, part)];
}

function unsupportedPart(part: Record<string, unknown>, path: string): Error {
  return badRequest(`${path}: content part type ${JSON.stringify(part.type)} is not supported by anthropic`);
}

function userBlocks(content: unknown, path: string): (TextBlock | ImageBlock)[] {
  return contentParts(content, path).flatMap((part, index): (TextBlock | ImageBlock)[] => {
    const partPath = `${path}[${index}]`;
    if (part.type === 'text') return textBlock(part, partPath);
    if (part.type === 'image_url') return [withPartCache(imageBlock(part.image_url, partPath), part)];
    throw unsupportedPart(part, partPath);
  });
}

/** `data:<type>;base64,...` becomes a base64 source, an http(s) URL a url source. */
function imageBlock(value: unknown, path: string): ImageBlock {
  const url = asString(value) ?? asString(asRecord(value)?.url);
  if (url === undefined) throw badRequest(`${path}.image_url.url must be a string`);
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    const header = comma === -1 ? '' : url.slice('data:'.length, comma);
    const [mediaType = '', ...flags] = header.split(';');
    if (!flags.includes('base64') || mediaType === '')
      throw badRequest(`${path}.image_url.url must be a base64 data URL (data:image/png;base64,...)`);
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: url.slice(comma + 1) } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw badRequest(`${path}.image_url.url must be an http(s) URL or a base64 data URL`);
}

function assistantBlocks(message: Record<string, unknown>, path: string): ContentBlock[] {
  const blocks: ContentBlock[] = [...thinkingBlocks(message.thinking_blocks)];
  contentParts(message.content, `${path}.content`).forEach((part, index) => {
    const partPath = `${path}.content[${index}]`;
    if (part.type === 'text') blocks.push(...textBlock(part, partPath));
    else if (part.type !== 'refusal') throw unsupportedPart(part, partPath);
  });
  (asArray(message.tool_calls) ?? []).forEach((call, index) => {
    blocks.push(toolUse(call, `${path}.tool_calls[${index}]`));
  });
  return blocks;
}

/** LiteLLM's `thinking_blocks` on an assistant message, sent back so extended thinking can go on. */
function thinkingBlocks(value: unknown): ContentBlock[] {
  return (asArray(value) ?? []).flatMap((item): ContentBlock[] => {
    const block = asRecord(item);
    if (block?.type === 'thinking' && typeof block.thinking === 'string')
      return [
        { type: 'thinking', thinking: block.thinking, signature: asString(block.signature) ?? '' },
      ] satisfies ThinkingBlock[];
    if (block?.type === 'redacted_thinking' && typeof block.data === 'string')
      return [{ type: 'redacted_thinking', data: block.data }];
    return [];
  });
}

function toolUse(value: unknown, path: string): ToolUseBlock {
  const call = asRecord(value);
  const fn = asRecord(call?.function);
  const id = asString(call?.id);
  const name = asString(fn?.name);
  if (id === undefined || name === undefined) throw badRequest(`${path} must have an id and a function.name`);
  const args = fn?.arguments;
  const text = typeof args === 'string' ? args.trim() : undefined;
  const input = text === '' ? {} : text === undefined ? (args ?? {}) : parseJson(text);
  if (asRecord(input) === undefined)
    throw badRequest(`${path}.function.arguments must be a JSON object (got ${JSON.stringify(args)})`);
  return { type: 'tool_use', id, name, input };
}

function toolResult(message: Record<string, unknown>, path: string): ToolResultBlock {
  const id = asString(message.tool_call_id);
  if (id === undefined) throw badRequest(`${path}.tool_call_id must be a string`);
  const content = message.content;
  if (typeof content === 'string') return { type: 'tool_result', tool_use_id: id, content };
  return { type: 'tool_result', tool_use_id: id, content: textParts(content, `${path}.content`) };
}

function toolsOf(value: unknown): Tool[] {
  return (asArray(value) ?? []).map((item, index) => {
    const path = `tools[${index}]`;
    const tool = asRecord(item);
    if (tool?.type !== 'function')
      throw badRequest(
        `${path}: only function tools can be sent to anthropic (got ${JSON.stringify(tool?.type)})`,
      );
    const fn = asRecord(tool.function);
    const name = asString(fn?.name);
    if (name === undefined) throw badRequest(`${path}.function.name must be a string`);
    const description = asString(fn?.description);
    const translated: Mutable<Tool> = {
      name,
      input_schema: asRecord(fn?.parameters) ?? { type: 'object', properties: {} },
    };
    if (description !== undefined) translated.description = description;
    const cache = cacheControlOf(tool.cache_control);
    if (cache !== undefined) translated.cache_control = cache;
    return translated;
  });
}

function toolChoiceOf(value: unknown, serial: boolean): ToolChoice | undefined {
  const choice = translateToolChoice(value);
  if (!serial || choice?.type === 'none') return choice;
  return { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
}

function translateToolChoice(value: unknown): ToolChoice | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'auto') return { type: 'auto' };
  if (value === 'required') return { type: 'any' };
  if (value === 'none') return { type: 'none' };
  const record = asRecord(value);
  const name = asString(asRecord(record?.function)?.name);
  if (record?.type === 'function' && name !== undefined) return { type: 'tool', name };
  throw badRequest(`tool_choice ${JSON.stringify(value)} is not supported by anthropic`);
}

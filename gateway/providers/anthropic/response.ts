import { ProviderError } from '../../upstream/errors.ts';
import { asArray, asNumber, asRecord, asString, type Mutable } from '../json.ts';
import type {
  ChatCompletion,
  ChatMessage,
  ChatToolCall,
  ChatUsage,
  FinishReason,
  ThinkingBlockOut,
} from './openai-wire.ts';
import type { Usage } from './wire.ts';

/** OpenAI's id for an Anthropic message: `chatcmpl-msg_...`, so the Anthropic id stays visible. */
export function chatIdOf(messageId: string): string {
  return `chatcmpl-${messageId}`;
}

/** Anthropic's `stop_reason` as OpenAI's `finish_reason`. */
export function finishReasonOf(stopReason: unknown): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn
      return 'stop';
  }
}

/**
 * Anthropic's usage as OpenAI's: the prompt counts the cached and cache-writing input tokens too (Anthropic
 * counts them apart), and `prompt_tokens_details.cached_tokens` keeps the cache reads.
 */
export function usageOf(usage: Partial<Usage> | undefined): ChatUsage {
  const input = usage?.input_tokens ?? 0;
  const cacheWrite = usage?.cache_creation_input_tokens ?? 0;
  const cacheRead = usage?.cache_read_input_tokens ?? 0;
  const prompt = input + cacheWrite + cacheRead;
  const completion = usage?.output_tokens ?? 0;
  const result: Mutable<ChatUsage> = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead },
  };
  if (cacheWrite > 0) result.cache_creation_input_tokens = cacheWrite;
  if (cacheRead > 0) result.cache_read_input_tokens = cacheRead;
  return result;
}

/** Reads a usage object of a response or stream event, ignoring what is not a count. */
export function readUsage(value: unknown): Partial<Usage> {
  const record = asRecord(value) ?? {};
  const usage: Mutable<Partial<Usage>> = {};
  for (const name of [
    'input_tokens',
    'output_tokens',
    'cache_creation_input_tokens',
    'cache_read_input_tokens',
  ] as const) {
    const count = asNumber(record[name]);
    if (count !== undefined) usage[name] = count;
  }
  return usage;
}

/**
 * Translates an Anthropic Messages response into an OpenAI `chat.completion`: text blocks joined into
 * `content`, `tool_use` blocks as `tool_calls`, thinking as LiteLLM's `reasoning_content`/`thinking_blocks`.
 * `created` (seconds) is the caller's, so this stays pure.
 */
export function toChatCompletion(body: unknown, created: number): ChatCompletion {
  const message = asRecord(body);
  const id = asString(message?.id);
  const blocks = asArray(message?.content);
  if (message === undefined || id === undefined || blocks === undefined)
    throw new ProviderError('internal', 'anthropic answered with a body that is not a message', {
      status: 502,
    });
  const texts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  const thinking: ThinkingBlockOut[] = [];
  for (const item of blocks) {
    const block = asRecord(item);
    if (block?.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block?.type === 'tool_use')
      toolCalls.push({
        id: asString(block.id) ?? '',
        type: 'function',
        function: { name: asString(block.name) ?? '', arguments: JSON.stringify(block.input ?? {}) },
      });
    else if (block?.type === 'thinking')
      thinking.push({
        type: 'thinking',
        thinking: asString(block.thinking) ?? '',
        signature: asString(block.signature) ?? '',
      });
    else if (block?.type === 'redacted_thinking')
      thinking.push({ type: 'redacted_thinking', data: asString(block.data) ?? '' });
  }
  const chatMessage: Mutable<ChatMessage> = {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : null,
    refusal: null,
  };
  if (toolCalls.length > 0) chatMessage.tool_calls = toolCalls;
  if (thinking.length > 0) {
    chatMessage.reasoning_content = thinking.map((block) => block.thinking ?? '').join('');
    chatMessage.thinking_blocks = thinking;
  }
  return {
    id: chatIdOf(id),
    object: 'chat.completion',
    created,
    model: asString(message.model) ?? '',
    choices: [
      { index: 0, message: chatMessage, logprobs: null, finish_reason: finishReasonOf(message.stop_reason) },
    ],
    usage: usageOf(readUsage(message.usage)),
  };
}

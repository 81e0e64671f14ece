import { ProviderError } from '../../upstream/errors.ts';
import { asArray, asNumber, asRecord, asString } from '../json.ts';
import type { FinishReason } from '../anthropic/openai-wire.ts';

/** Converse's `stopReason` as OpenAI's `finish_reason`. */
export const finishReasons: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

export function finishReasonOf(stopReason: unknown): FinishReason {
  return finishReasons[asString(stopReason) ?? ''] ?? 'stop';
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

/** Converse counts cache reads and writes apart from `inputTokens`; OpenAI's prompt counts them all. */
export function usageOf(value: unknown): ChatUsage {
  const usage = asRecord(value) ?? {};
  const read = asNumber(usage.cacheReadInputTokens) ?? 0;
  const write = asNumber(usage.cacheWriteInputTokens) ?? 0;
  const prompt = (asNumber(usage.inputTokens) ?? 0) + read + write;
  const completion = asNumber(usage.outputTokens) ?? 0;
  const result: ChatUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
  if (read > 0 || write > 0) {
    result.prompt_tokens_details = { cached_tokens: read };
    if (read > 0) result.cache_read_input_tokens = read;
    if (write > 0) result.cache_creation_input_tokens = write;
  }
  return result;
}

export interface CompletionOptions {
  readonly created: number;
  readonly model: string;
  /** Bedrock's `x-amzn-requestid`, kept visible in the OpenAI id. */
  readonly requestId: string;
}

/**
 * Translates a Converse response into an OpenAI `chat.completion`: text blocks joined, `toolUse` blocks as
 * `tool_calls`, reasoning blocks as LiteLLM's `reasoning_content`.
 */
export function toChatCompletion(body: unknown, options: CompletionOptions): Record<string, unknown> {
  const response = asRecord(body);
  const message = asRecord(asRecord(response?.output)?.message);
  const blocks = asArray(message?.content);
  if (response === undefined || blocks === undefined)
    throw new ProviderError('internal', 'bedrock answered with a body that is not a Converse response', {
      status: 502,
    });
  let text = '';
  let reasoning = '';
  const toolCalls: Record<string, unknown>[] = [];
  for (const item of blocks) {
    const block = asRecord(item) ?? {};
    if (typeof block.text === 'string') text += block.text;
    const use = asRecord(block.toolUse);
    if (use !== undefined)
      toolCalls.push({
        id: asString(use.toolUseId) ?? '',
        type: 'function',
        function: { name: asString(use.name) ?? '', arguments: JSON.stringify(use.input ?? {}) },
      });
    const thought = asString(asRecord(asRecord(block.reasoningContent)?.reasoningText)?.text);
    if (thought !== undefined) reasoning += thought;
  }
  const chatMessage: Record<string, unknown> = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (toolCalls.length > 0) chatMessage.tool_calls = toolCalls;
  if (reasoning !== '') chatMessage.reasoning_content = reasoning;
  return {
    id: `chatcmpl-${options.requestId}`,
    object: 'chat.completion',
    created: options.created,
    model: options.model,
    choices: [
      { index: 0, message: chatMessage, logprobs: null, finish_reason: finishReasonOf(response.stopReason) },
    ],
    usage: usageOf(response.usage),
  };
}

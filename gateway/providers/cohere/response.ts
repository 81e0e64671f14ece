import { ProviderError } from '../../upstream/errors.ts';
import { asArray, asNumber, asRecord, asString } from '../json.ts';
import type { FinishReason } from '../anthropic/openai-wire.ts';

/** Cohere's `finish_reason` as OpenAI's. */
export const finishReasons: Readonly<Record<string, FinishReason>> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_calls',
};

export function finishReasonOf(reason: unknown): FinishReason {
  return finishReasons[asString(reason) ?? ''] ?? 'stop';
}

/** `usage.tokens` (what the model read and wrote), else the billed units. */
export function usageOf(value: unknown): {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
} {
  const usage = asRecord(value);
  const counts = asRecord(usage?.tokens) ?? asRecord(usage?.billed_units) ?? {};
  const prompt = asNumber(counts.input_tokens) ?? 0;
  const completion = asNumber(counts.output_tokens) ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return (asArray(content) ?? [])
    .map((part) => {
      const record = asRecord(part);
      return record?.type === 'text' && typeof record.text === 'string' ? record.text : '';
    })
    .join('');
}

/** A v2 chat response as an OpenAI `chat.completion`; `tool_plan` (Cohere's reasoning before tools) as `reasoning_content`. */
export function toChatCompletion(
  body: unknown,
  options: { created: number; model: string },
): Record<string, unknown> {
  const response = asRecord(body);
  const message = asRecord(response?.message);
  if (response === undefined || message === undefined)
    throw new ProviderError('internal', 'cohere answered with a body that is not a chat response', {
      status: 502,
    });
  const toolCalls = (asArray(message.tool_calls) ?? []).map((item) => {
    const call = asRecord(item) ?? {};
    const fn = asRecord(call.function) ?? {};
    const args = fn.arguments;
    return {
      id: asString(call.id) ?? '',
      type: 'function',
      function: {
        name: asString(fn.name) ?? '',
        arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
      },
    };
  });
  const text = textOf(message.content);
  const chatMessage: Record<string, unknown> = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
  };
  if (toolCalls.length > 0) chatMessage.tool_calls = toolCalls;
  const plan = asString(message.tool_plan);
  if (plan !== undefined && plan !== '') chatMessage.reasoning_content = plan;
  return {
    id: `chatcmpl-${asString(response.id) ?? 'cohere'}`,
    object: 'chat.completion',
    created: options.created,
    model: options.model,
    choices: [
      {
        index: 0,
        message: chatMessage,
        logprobs: null,
        finish_reason: finishReasonOf(response.finish_reason),
      },
    ],
    usage: usageOf(response.usage),
  };
}

import { randomBytes } from 'node:crypto';
import { ProviderError } from '../../upstream/errors.ts';
import { asArray, asNumber, asRecord, asString } from '../json.ts';
import type { FinishReason as ChatFinishReason } from '../anthropic/openai-wire.ts';
import type { UsageMetadata } from './wire.ts';

/** Gemini's `finishReason` as OpenAI's; every block by a safety filter is `content_filter`. */
export const finishReasons: Readonly<Record<string, ChatFinishReason>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
};

export function finishReasonOf(reason: unknown, calledTools: boolean): ChatFinishReason {
  const mapped = finishReasons[asString(reason) ?? ''] ?? 'stop';
  return calledTools && mapped === 'stop' ? 'tool_calls' : mapped;
}

/** Gemini names no call ids (or only sometimes): OpenAI clients need one per call to send results back. */
export function newToolCallId(): string {
  return `call_${randomBytes(12).toString('hex')}`;
}

/** `chatcmpl-<responseId>`, or a random id when Gemini gives none. */
export function chatIdOf(responseId: unknown): string {
  return `chatcmpl-${typeof responseId === 'string' ? responseId : randomBytes(12).toString('hex')}`;
}

export interface ChatUsageOut {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

/** Thinking tokens are billed as output, so they count as completion tokens (and as reasoning tokens). */
export function usageOf(value: unknown): ChatUsageOut {
  const usage = (asRecord(value) ?? {}) as UsageMetadata;
  const prompt = (asNumber(usage.promptTokenCount) ?? 0) + (asNumber(usage.toolUsePromptTokenCount) ?? 0);
  const thoughts = asNumber(usage.thoughtsTokenCount) ?? 0;
  const completion = (asNumber(usage.candidatesTokenCount) ?? 0) + thoughts;
  const result: ChatUsageOut = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: asNumber(usage.totalTokenCount) ?? prompt + completion,
  };
  const cached = asNumber(usage.cachedContentTokenCount);
  if (cached !== undefined) result.prompt_tokens_details = { cached_tokens: cached };
  if (thoughts > 0) result.completion_tokens_details = { reasoning_tokens: thoughts };
  return result;
}

export interface ToolCallOut {
  index?: number;
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The text, thoughts and function calls of a candidate's parts. */
export function readParts(
  content: unknown,
  newId: () => string,
): { text: string; reasoning: string; toolCalls: ToolCallOut[] } {
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCallOut[] = [];
  for (const item of asArray(asRecord(content)?.parts) ?? []) {
    const part = asRecord(item);
    if (part === undefined) continue;
    if (typeof part.text === 'string') {
      if (part.thought === true) reasoning += part.text;
      else text += part.text;
    }
    const call = asRecord(part.functionCall);
    if (call !== undefined)
      toolCalls.push({
        id: asString(call.id) ?? newId(),
        type: 'function',
        function: { name: asString(call.name) ?? '', arguments: JSON.stringify(call.args ?? {}) },
      });
  }
  return { text, reasoning, toolCalls };
}

export interface CompletionOptions {
  readonly created: number;
  /** The deployment's model id, reported when Gemini names no `modelVersion`. */
  readonly model: string;
  readonly newId?: () => string;
}

/**
 * Translates a `generateContent` response into an OpenAI `chat.completion`: one choice per candidate, function
 * calls as `tool_calls`, thought summaries as `reasoning_content`. A prompt blocked before any candidate answers
 * with one empty choice ending in `content_filter`, as LiteLLM does.
 */
export function toChatCompletion(body: unknown, options: CompletionOptions): Record<string, unknown> {
  const response = asRecord(body);
  if (response === undefined)
    throw new ProviderError('internal', 'gemini answered with a body that is not JSON', { status: 502 });
  const newId = options.newId ?? newToolCallId;
  const candidates = asArray(response.candidates) ?? [];
  const blocked = asString(asRecord(response.promptFeedback)?.blockReason);
  const choices =
    candidates.length === 0
      ? [
          {
            index: 0,
            message: { role: 'assistant', content: null, refusal: null },
            logprobs: null,
            finish_reason: blocked === undefined ? 'stop' : 'content_filter',
          },
        ]
      : candidates.map((item, position) => {
          const candidate = asRecord(item) ?? {};
          const { text, reasoning, toolCalls } = readParts(candidate.content, newId);
          const message: Record<string, unknown> = {
            role: 'assistant',
            content: text === '' && (toolCalls.length > 0 || candidate.content === undefined) ? null : text,
            refusal: null,
          };
          if (toolCalls.length > 0) message.tool_calls = toolCalls;
          if (reasoning !== '') message.reasoning_content = reasoning;
          return {
            index: asNumber(candidate.index) ?? position,
            message,
            logprobs: null,
            finish_reason: finishReasonOf(candidate.finishReason, toolCalls.length > 0),
          };
        });
  return {
    id: chatIdOf(response.responseId),
    object: 'chat.completion',
    created: options.created,
    model: asString(response.modelVersion) ?? options.model,
    choices,
    usage: usageOf(response.usageMetadata),
  };
}

import { unixSeconds, type OllamaAnswer, type OllamaToolCall } from './wire.ts';

/** What a translated answer needs besides Ollama's reply: our id for it, and the model to name if Ollama names none. */
export interface AnswerMeta {
  readonly id: string;
  readonly model: string;
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface OpenAIToolCall {
  index?: number;
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** `/api/chat`'s or `/api/generate`'s text: `message.content` for chat, `response` for generate. */
export function answerText(answer: OllamaAnswer): string {
  return answer.message?.content ?? answer.response ?? '';
}

/** The model's reasoning, when a thinking model was asked to think. */
export function answerThinking(answer: OllamaAnswer): string {
  return answer.message?.thinking ?? answer.thinking ?? '';
}

/** `length` when Ollama hit `num_predict`, `tool_calls` when the model called tools, else `stop`. */
export function finishReason(answer: OllamaAnswer, calledTools: boolean): 'stop' | 'length' | 'tool_calls' {
  if (calledTools) return 'tool_calls';
  return answer.done_reason === 'length' ? 'length' : 'stop';
}

export function usageOf(answer: OllamaAnswer): OpenAIUsage {
  const prompt = answer.prompt_eval_count ?? 0;
  const completion = answer.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Ollama's tool calls in OpenAI's shape: arguments as a JSON string, ids `call_<n>` counted from `first`. */
export function openAIToolCalls(calls: readonly OllamaToolCall[], first = 0): OpenAIToolCall[] {
  return calls.map((call, offset) => ({
    id: call.id ?? `call_${first + offset}`,
    type: 'function',
    function: {
      name: call.function.name,
      arguments:
        typeof call.function.arguments === 'string'
          ? call.function.arguments
          : JSON.stringify(call.function.arguments ?? {}),
    },
  }));
}

/** A whole `/api/chat` or `/api/generate` answer as OpenAI's `chat.completion`. */
export function chatCompletion(answer: OllamaAnswer, meta: AnswerMeta) {
  const toolCalls = openAIToolCalls(answer.message?.tool_calls ?? []);
  const text = answerText(answer);
  const thinking = answerThinking(answer);
  return {
    id: meta.id,
    object: 'chat.completion',
    created: unixSeconds(answer.created_at),
    model: answer.model ?? meta.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          ...(thinking === '' ? {} : { reasoning_content: thinking }),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: finishReason(answer, toolCalls.length > 0),
      },
    ],
    usage: usageOf(answer),
  };
}

/** A whole `/api/generate` answer as OpenAI's legacy `text_completion`. */
export function textCompletion(answer: OllamaAnswer, meta: AnswerMeta) {
  return {
    id: meta.id,
    object: 'text_completion',
    created: unixSeconds(answer.created_at),
    model: answer.model ?? meta.model,
    choices: [
      { index: 0, text: answerText(answer), logprobs: null, finish_reason: finishReason(answer, false) },
    ],
    usage: usageOf(answer),
  };
}

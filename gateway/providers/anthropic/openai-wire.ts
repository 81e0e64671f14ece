/** OpenAI chat completion shapes, as this folder writes them (answers) and reads them (the Messages API). */

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ChatToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
}

export interface ChatUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  readonly prompt_tokens_details?: { readonly cached_tokens: number };
  /** LiteLLM's extra usage fields for Anthropic's prompt caching. */
  readonly cache_creation_input_tokens?: number;
  readonly cache_read_input_tokens?: number;
}

export interface ThinkingBlockOut {
  readonly type: 'thinking' | 'redacted_thinking';
  readonly thinking?: string;
  readonly signature?: string;
  readonly data?: string;
}

export interface ChatMessage {
  readonly role: 'assistant';
  readonly content: string | null;
  readonly refusal: null;
  readonly tool_calls?: readonly ChatToolCall[];
  /** LiteLLM's fields for extended thinking. */
  readonly reasoning_content?: string;
  readonly thinking_blocks?: readonly ThinkingBlockOut[];
}

export interface ChatCompletion {
  readonly id: string;
  readonly object: 'chat.completion';
  readonly created: number;
  readonly model: string;
  readonly choices: readonly [
    {
      readonly index: 0;
      readonly message: ChatMessage;
      readonly logprobs: null;
      readonly finish_reason: FinishReason;
    },
  ];
  readonly usage: ChatUsage;
}

export interface ChunkToolCall {
  readonly index: number;
  readonly id?: string;
  readonly type?: 'function';
  readonly function: { readonly name?: string; readonly arguments: string };
}

export interface ChunkDelta {
  readonly role?: 'assistant';
  readonly content?: string;
  readonly reasoning_content?: string;
  readonly tool_calls?: readonly ChunkToolCall[];
}

export interface ChatCompletionChunk {
  readonly id: string;
  readonly object: 'chat.completion.chunk';
  readonly created: number;
  readonly model: string;
  readonly choices: readonly {
    readonly index: number;
    readonly delta: ChunkDelta;
    readonly logprobs: null;
    readonly finish_reason: FinishReason | null;
  }[];
  readonly usage?: ChatUsage;
}

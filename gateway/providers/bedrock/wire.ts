/**
 * Bedrock Converse API wire types (`POST /model/{modelId}/converse` and `/converse-stream`): the parts this gateway
 * writes and reads. Readers tolerate fields AWS adds later.
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export type ToolResultContent = { readonly text: string } | { readonly json: unknown };

export type ContentBlock =
  | { readonly text: string }
  | { readonly image: { readonly format: ImageFormat; readonly source: { readonly bytes: string } } }
  | { readonly toolUse: { readonly toolUseId: string; readonly name: string; readonly input: unknown } }
  | {
      readonly toolResult: {
        readonly toolUseId: string;
        readonly content: readonly ToolResultContent[];
        readonly status?: 'success' | 'error';
      };
    }
  | { readonly cachePoint: { readonly type: 'default' } };

export interface Message {
  readonly role: 'user' | 'assistant';
  readonly content: readonly ContentBlock[];
}

export interface InferenceConfig {
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stopSequences?: readonly string[];
}

export interface ToolSpec {
  readonly toolSpec: {
    readonly name: string;
    readonly description?: string;
    readonly inputSchema: { readonly json: Readonly<Record<string, unknown>> };
  };
}

export type ToolChoice =
  | { readonly auto: Record<string, never> }
  | { readonly any: Record<string, never> }
  | { readonly tool: { readonly name: string } };

export interface ConverseRequest {
  readonly messages: readonly Message[];
  readonly system?: readonly { readonly text: string }[];
  readonly inferenceConfig?: InferenceConfig;
  readonly toolConfig?: { readonly tools: readonly ToolSpec[]; readonly toolChoice?: ToolChoice };
  /** Model-specific fields Converse does not model (`top_k` for Anthropic, thinking). */
  readonly additionalModelRequestFields?: Readonly<Record<string, unknown>>;
  readonly guardrailConfig?: Readonly<Record<string, unknown>>;
  readonly performanceConfig?: Readonly<Record<string, unknown>>;
  readonly requestMetadata?: Readonly<Record<string, string>>;
}

export type StopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'model_context_window_exceeded';

export interface ConverseUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  readonly cacheReadInputTokens?: number;
  readonly cacheWriteInputTokens?: number;
}

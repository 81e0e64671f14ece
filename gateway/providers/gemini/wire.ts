/**
 * Gemini `generateContent` wire types (Google AI Studio `v1beta` and Vertex AI `v1` share them): the parts this
 * gateway writes and reads. Readers tolerate fields Google adds later.
 */

export interface InlineData {
  readonly mimeType: string;
  readonly data: string;
}

export interface FunctionCall {
  readonly name: string;
  readonly args?: Readonly<Record<string, unknown>>;
  readonly id?: string;
}

export interface FunctionResponse {
  readonly name: string;
  readonly response: Readonly<Record<string, unknown>>;
  readonly id?: string;
}

/** One part: exactly one of the data fields is set. `thought` marks a thinking summary. */
export interface Part {
  readonly text?: string;
  readonly inlineData?: InlineData;
  readonly fileData?: { readonly mimeType?: string; readonly fileUri: string };
  readonly functionCall?: FunctionCall;
  readonly functionResponse?: FunctionResponse;
  readonly thought?: boolean;
  readonly thoughtSignature?: string;
}

export type Role = 'user' | 'model';

export interface Content {
  readonly role?: Role;
  readonly parts: readonly Part[];
}

export interface FunctionDeclaration {
  readonly name: string;
  readonly description?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

export interface Tool {
  readonly functionDeclarations: readonly FunctionDeclaration[];
}

export interface ToolConfig {
  readonly functionCallingConfig: {
    readonly mode: 'AUTO' | 'ANY' | 'NONE';
    readonly allowedFunctionNames?: readonly string[];
  };
}

export interface GenerationConfig {
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly maxOutputTokens?: number;
  readonly stopSequences?: readonly string[];
  readonly candidateCount?: number;
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
  readonly seed?: number;
  readonly responseLogprobs?: boolean;
  readonly logprobs?: number;
  readonly responseMimeType?: string;
  readonly responseJsonSchema?: Readonly<Record<string, unknown>>;
  readonly thinkingConfig?: { readonly thinkingBudget?: number; readonly includeThoughts?: boolean };
}

export interface SafetySetting {
  readonly category: string;
  readonly threshold: string;
}

export interface GenerateContentRequest {
  readonly contents: readonly Content[];
  readonly systemInstruction?: Content;
  readonly tools?: readonly Tool[];
  readonly toolConfig?: ToolConfig;
  readonly generationConfig?: GenerationConfig;
  readonly safetySettings?: readonly SafetySetting[];
}

export type FinishReason =
  | 'FINISH_REASON_UNSPECIFIED'
  | 'STOP'
  | 'MAX_TOKENS'
  | 'SAFETY'
  | 'RECITATION'
  | 'LANGUAGE'
  | 'OTHER'
  | 'BLOCKLIST'
  | 'PROHIBITED_CONTENT'
  | 'SPII'
  | 'MALFORMED_FUNCTION_CALL'
  | 'IMAGE_SAFETY';

export interface Candidate {
  readonly content?: Content;
  readonly finishReason?: FinishReason;
  readonly index?: number;
  readonly safetyRatings?: readonly Readonly<Record<string, unknown>>[];
}

export interface UsageMetadata {
  readonly promptTokenCount?: number;
  readonly candidatesTokenCount?: number;
  readonly totalTokenCount?: number;
  readonly cachedContentTokenCount?: number;
  readonly thoughtsTokenCount?: number;
  readonly toolUsePromptTokenCount?: number;
}

export interface GenerateContentResponse {
  readonly candidates?: readonly Candidate[];
  readonly promptFeedback?: { readonly blockReason?: string };
  readonly usageMetadata?: UsageMetadata;
  readonly modelVersion?: string;
  readonly responseId?: string;
}

/** Google's error body, for every status: `{"error":{"code","message","status","details"}}`. */
export interface GoogleErrorBody {
  readonly error: {
    readonly code: number;
    readonly message: string;
    readonly status: string;
    readonly details?: readonly Readonly<Record<string, unknown>>[];
  };
}

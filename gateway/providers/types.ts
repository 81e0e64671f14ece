import type { LitellmParams } from '../config/schema.ts';
import type { Secret } from '../config/secret.ts';
import type { UpstreamHttp } from '../upstream/http.ts';

export type Operation = 'chat' | 'completion' | 'embedding';

/** A request body as the client sent it (OpenAI shape), already validated at the route. */
export type RequestBody = Record<string, unknown>;

/** One servable `model_list` entry, resolved. */
export interface Deployment {
  /** Stable across pods and restarts for the same config: used for cooldowns and usage. */
  readonly id: string;
  /** The model group (`model_name`) clients ask for. */
  readonly modelName: string;
  readonly provider: string;
  /** The provider's own model id, prefix removed (`gpt-4o` for `openai/gpt-4o`). */
  readonly model: string;
  readonly apiBase: string | undefined;
  /** `api_key`, `azure_ad_token` and other credential params, re-read when they are file references. */
  readonly credentials: ReadonlyMap<string, Secret>;
  readonly params: LitellmParams;
  readonly modelInfo: Readonly<Record<string, unknown>>;
}

/** What a provider needs for one call. */
export interface CallContext {
  readonly http: UpstreamHttp;
  readonly signal: AbortSignal;
  readonly requestId: string;
  /** Unsupported OpenAI parameters are dropped instead of refused (`drop_params`). */
  readonly dropParams: boolean;
  /** Longest silence allowed between two chunks of an upstream body. */
  readonly idleTimeoutMs: number;
}

/** A provider's answer, always in OpenAI's shape. */
export type ProviderResult =
  /**
   * `raw`, when given, is `body` as the upstream sent it: the route sends it on without serializing again.
   * `usage`, when present, is `body.usage` read without parsing `body` (json-result.ts); read it with `usageOf`.
   */
  | { readonly kind: 'json'; readonly body: unknown; readonly raw?: string; readonly usage?: unknown }
  /** Complete SSE frames (`data: {...}\n\n`, ending with `data: [DONE]\n\n`), as bytes or text. */
  | { readonly kind: 'stream'; readonly frames: AsyncIterable<Uint8Array | string> };

export interface Provider {
  readonly name: string;
  readonly operations: ReadonlySet<Operation>;
  /** A default API base, or undefined when the deployment must give one. */
  readonly defaultApiBase: string | undefined;
  /** Returns a message when a deployment cannot be served (e.g. a missing `api_base`). */
  check?(params: LitellmParams): string | undefined;
  call(
    operation: Operation,
    body: RequestBody,
    deployment: Deployment,
    context: CallContext,
  ): Promise<ProviderResult>;
}

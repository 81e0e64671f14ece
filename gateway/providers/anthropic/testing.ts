/** Helpers for this folder's tests: a deployment and a call context pointing at a fake upstream. */
import type { LitellmParams } from '../../config/schema.ts';
import { constantSecret } from '../../config/secret.ts';
import type { UpstreamHttp } from '../../upstream/http.ts';
import type { CallContext, Deployment } from '../types.ts';

export function anthropicDeployment(
  apiBase: string,
  params: Partial<LitellmParams> = {},
  apiKey = 'sk-ant-test',
): Deployment {
  return {
    id: 'anthropic-test',
    modelName: 'claude',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    apiBase,
    credentials: new Map([['api_key', constantSecret(apiKey)]]),
    params: { model: 'anthropic/claude-sonnet-4-5', ...params },
    modelInfo: {},
  };
}

export function callContext(http: UpstreamHttp, overrides: Partial<CallContext> = {}): CallContext {
  return {
    http,
    signal: AbortSignal.timeout(10_000),
    requestId: 'req-test',
    dropParams: false,
    idleTimeoutMs: 5_000,
    ...overrides,
  };
}

/** Every frame of a stream, as text. */
export async function collect(frames: AsyncIterable<Uint8Array | string>): Promise<string[]> {
  const decoder = new TextDecoder();
  const out: string[] = [];
  for await (const frame of frames) out.push(typeof frame === 'string' ? frame : decoder.decode(frame));
  return out;
}

/** The JSON payloads of OpenAI SSE frames, `[DONE]` left out. */
export function payloadsOf(frames: readonly string[]): Record<string, unknown>[] {
  return frames
    .join('')
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: ') && frame !== 'data: [DONE]')
    .map((frame) => JSON.parse(frame.slice('data: '.length)) as Record<string, unknown>);
}

/** A list as the async iterable a body or a stream is. */
export async function* fromList<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

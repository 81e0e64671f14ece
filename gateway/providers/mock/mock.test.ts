import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../upstream/errors.ts';
import { UpstreamHttp } from '../../upstream/http.ts';
import type { LitellmParams } from '../../config/schema.ts';
import type { CallContext, Deployment } from '../types.ts';
import { createMockProvider } from './mock.ts';

function deployment(params: Partial<LitellmParams> = {}): Deployment {
  return {
    id: 'mock-1',
    modelName: 'm',
    provider: 'mock',
    model: 'mock-gpt',
    apiBase: undefined,
    credentials: new Map(),
    params: { model: 'mock/mock-gpt', ...params },
    modelInfo: {},
  };
}

function context(signal = new AbortController().signal): CallContext {
  return { http: new UpstreamHttp(), signal, requestId: 'r', dropParams: false, idleTimeoutMs: 1_000 };
}

const chat = { messages: [{ role: 'user', content: 'ping' }] };

describe('mock provider', () => {
  it('answers deterministically, or with mock_response', async () => {
    const mock = createMockProvider();
    const first = await mock.call('chat', chat, deployment(), context());
    const second = await mock.call('chat', chat, deployment(), context());
    expect(first).toEqual(second);
    expect(JSON.stringify(first)).toContain('This is a mock reply from mock-gpt to: ping');
    const fixed = await mock.call('chat', chat, deployment({ mock_response: 'fixed' }), context());
    expect(fixed).toMatchObject({ kind: 'json', body: { choices: [{ message: { content: 'fixed' } }] } });
  });

  it('fails exactly the configured share of calls, evenly spread', async () => {
    const mock = createMockProvider();
    const outcomes: string[] = [];
    for (let index = 0; index < 8; index++) {
      outcomes.push(
        await mock.call('chat', chat, deployment({ mock_failure_rate: 0.25 }), context()).then(
          () => 'ok',
          (error: unknown) => (error instanceof ProviderError ? 'fail' : 'other'),
        ),
      );
    }
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'fail', 'ok', 'ok', 'ok', 'fail']);
  });

  it('streams OpenAI chunks with usage when asked, and honours latency and aborts', async () => {
    const mock = createMockProvider();
    const result = await mock.call(
      'chat',
      { ...chat, stream: true, stream_options: { include_usage: true } },
      deployment({ mock_response: 'a b c' }),
      context(),
    );
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const frames: string[] = [];
    for await (const frame of result.frames) frames.push(String(frame));
    expect(frames.at(-1)).toBe('data: [DONE]\n\n');
    expect(frames.filter((frame) => frame.includes('"usage"'))).toHaveLength(1);
    const text = frames
      .slice(0, -1)
      .map((frame) => JSON.parse(frame.slice(6)) as { choices: { delta?: { content?: string } }[] })
      .map((chunk) => chunk.choices[0]?.delta?.content ?? '')
      .join('');
    expect(text).toBe('a b c');

    const abort = new AbortController();
    const slow = mock.call('chat', chat, deployment({ mock_latency_ms: 5_000 }), context(abort.signal));
    abort.abort(new Error('gone'));
    await expect(slow).rejects.toBeInstanceOf(ProviderError);
  });

  it('embeds with the same vector for the same input', async () => {
    const mock = createMockProvider();
    const result = await mock.call('embedding', { input: ['x', 'y', 'x'] }, deployment(), context());
    const data = (result as { body: { data: { embedding: number[] }[] } }).body.data;
    expect(data).toHaveLength(3);
    expect(data[0]?.embedding).toEqual(data[2]?.embedding);
    expect(data[0]?.embedding).not.toEqual(data[1]?.embedding);
  });
});

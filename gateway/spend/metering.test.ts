import { EventEmitter } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalKeyRateLimiter } from '../auth/key-limits.ts';
import type { StoredKey } from '../auth/stored-key.ts';
import { VirtualKeyPolicy } from '../auth/virtual-key-policy.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { Router } from '../router/router.ts';
import { loadTestConfig } from '../test-support/operations.ts';
import { UpstreamHttp } from '../upstream/http.ts';
import { createMetering } from './metering.ts';
import type { SpendRecord } from './spend-record.ts';

const config = loadTestConfig(`
model_list:
  - model_name: priced
    litellm_params: { model: mock/priced, input_cost_per_token: 0.001, output_cost_per_token: 0.002 }
`);
const http = new UpstreamHttp();
const router = new Router(config, { http, registry: createProviderRegistry() });
const deployment = router.deploymentsOf('priced')[0];
if (deployment === undefined) throw new Error('no deployment');

const key: StoredKey = {
  hash: 'hash-of-a-key',
  keyName: null,
  alias: 'a-key',
  source: { kind: 'api' },
  models: [],
  maxBudget: null,
  budgetDuration: null,
  budgetResetAt: null,
  spend: 0,
  rpmLimit: null,
  tpmLimit: null,
  maxParallelRequests: 1,
  expires: null,
  metadata: {},
  blocked: false,
  createdAt: null,
};

/** The parts of a response the meter watches, as Node's ServerResponse has them. */
class FakeResponse extends EventEmitter {
  destroyed = false;
  writableFinished = false;

  /** The client went away (Node marks the response destroyed, then emits close). */
  clientLeft(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

function setup() {
  const rows: SpendRecord[] = [];
  const metering = createMetering({
    buffer: { add: (record) => rows.push(record) },
    limiter: new LocalKeyRateLimiter(),
    router: () => router,
    now: () => 1_000,
    recordsUnkeyed: true,
  });
  const policy = new VirtualKeyPolicy(key, { loadedAt: 0, unflushed: 0 });
  const begin = (cacheHit = false) => {
    const response = new FakeResponse();
    const request = {
      id: `request-${String(rows.length)}`,
      principal: { kind: 'virtual', keyAlias: 'a-key', policy },
      headers: { 'content-length': '400' },
      routed: null,
      cacheHit,
    } as unknown as FastifyRequest;
    const reply = { raw: response } as unknown as FastifyReply;
    return { meter: metering.begin(request, reply, 'chat', 'priced', {}), response };
  };
  return { rows, begin };
}

const frames = [
  'data: {"choices":[{"delta":{"content":"one"}}]}\n\n',
  'data: {"choices":[{"delta":{"content":" two"}}]}\n\n',
  'data: [DONE]\n\n',
];

/** The upstream's stream, as the router hands it on. */
async function* words(): AsyncGenerator<string> {
  for (const frame of frames) yield await Promise.resolve(frame);
}

const streamed = { result: { kind: 'stream' as const, frames: words() }, deployment, attempts: 1 };

afterAll(() => http.close());

describe('request meter', () => {
  it('settles a stream the client left before it was read: once, at 499, and frees the key slot', async () => {
    const { rows, begin } = setup();
    const { meter, response } = begin();
    expect(() => begin()).toThrow(/max_parallel_requests/);
    const sent = meter.succeeded(streamed);
    if (sent.result.kind !== 'stream') throw new Error('not a stream');
    response.clientLeft();
    // What fastify does with the stream it never got to send: an unstarted generator's `finally` never runs.
    await sent.result.frames[Symbol.asyncIterator]().return?.();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 499, keyHash: key.hash, completionTokens: 0, cacheHit: false });
    expect(rows[0]?.cost).toBeGreaterThan(0); // the prompt was sent upstream
    expect(() => begin()).not.toThrow();
  });

  it('settles at once when the client left while the upstream was being called', () => {
    const { rows, begin } = setup();
    const { meter, response } = begin();
    response.destroyed = true;
    meter.succeeded(streamed);
    expect(rows.map((row) => row.status)).toEqual([499]);
    expect(() => begin()).not.toThrow();
  });

  it('settles a stream read to the end once, at 200, with what it streamed', async () => {
    const { rows, begin } = setup();
    const { meter, response } = begin();
    const sent = meter.succeeded({ ...streamed, result: { kind: 'stream', frames: words() } });
    if (sent.result.kind !== 'stream') throw new Error('not a stream');
    const received = [];
    for await (const frame of sent.result.frames) received.push(frame);
    response.writableFinished = true;
    response.emit('close');
    expect(received).toEqual(frames);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 200, promptTokens: 100 });
    expect(rows[0]?.completionTokens).toBeGreaterThan(0);
  });

  it('marks a response-cache hit in the spend log, at no cost', () => {
    const { rows, begin } = setup();
    const { meter } = begin(true);
    meter.succeeded({ result: { kind: 'json', body: {} }, deployment, attempts: 0 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 200, cacheHit: true, cost: 0 });
  });
});

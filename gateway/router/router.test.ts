import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openAIProtocol } from '../../e2e/fake-upstream/openai.ts';
import { sleep, startFakeUpstream, type FakeUpstream } from '../../e2e/fake-upstream/server.ts';
import { loadConfigText } from '../config/load.ts';
import { GatewayError } from '../errors.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { UpstreamHttp } from '../upstream/http.ts';
import { ClientAbortError } from '../upstream/errors.ts';
import { ClientLink } from './client-link.ts';
import { seededRandom } from './random.ts';
import { Router, type RouteRequest } from './router.ts';

let upstream: FakeUpstream;
const http = new UpstreamHttp();

beforeAll(async () => {
  upstream = await startFakeUpstream([openAIProtocol()]);
});
afterAll(async () => {
  await http.close();
  await upstream.close();
});
afterEach(() => {
  upstream.reset();
});

/** A group of deployments on the fake upstream, told apart by the model name each sends. */
function routerFor(yaml: string): Router {
  const config = loadConfigText(yaml.replaceAll('UPSTREAM', `${upstream.url}/v1`), {
    registry: createProviderRegistry(),
    env: {},
  });
  return new Router(config, {
    http,
    registry: createProviderRegistry(),
    random: seededRandom(7),
    backoff: { initialMs: 10, maxMs: 40 },
  });
}

function deploymentYaml(group: string, model: string, extra = ''): string {
  return `  - model_name: ${group}\n    litellm_params: { model: openai/${model}, api_base: UPSTREAM, api_key: k${extra} }\n`;
}

function request(modelGroup: string, overrides: Partial<RouteRequest> = {}): RouteRequest {
  return {
    operation: 'chat',
    modelGroup,
    body: { model: modelGroup, messages: [{ role: 'user', content: 'hi' }] },
    client: new ClientLink(),
    requestId: 'test',
    estimatedTokens: 10,
    ...overrides,
  };
}

const modelsSent = () => upstream.requests.map((sent) => (sent.body as { model: string }).model);

describe('retries per error class', () => {
  const router = () =>
    routerFor(`model_list:\n${deploymentYaml('g', 'only')}router_settings:
  num_retries: 1
  disable_cooldowns: true
  retry_policy: { RateLimitErrorRetries: 3, TimeoutErrorRetries: 2, BadRequestErrorRetries: 0, ContentPolicyViolationErrorRetries: 1 }
`);

  it.each([
    ['rate limit', 429, 'slow down', 4],
    ['internal error (num_retries)', 500, 'boom', 2],
    ['authentication error (0 by default)', 401, 'bad key', 1],
    ['bad request', 400, 'invalid param', 1],
    ['content policy', 400, 'flagged by our content_filter policy', 2],
  ])('%s: %s is tried the allowed number of times', async (_name, status, message, calls) => {
    upstream.fail({ kind: 'error', status, message }, 10);
    await expect(router().route(request('g'))).rejects.toBeInstanceOf(GatewayError);
    expect(upstream.requests).toHaveLength(calls);
  });

  it('connection errors count as internal errors and a later success is returned', async () => {
    upstream.fail({ kind: 'drop' });
    const result = await router().route(request('g'));
    expect(result.attempts).toBe(2);
    expect(result.result.kind).toBe('json');
  });

  it("honours the upstream's Retry-After when no other deployment can take the retry", async () => {
    upstream.fail({ kind: 'error', status: 429, message: 'wait', headers: { 'retry-after-ms': '300' } });
    await router().route(request('g'));
    const [first, second] = upstream.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(290);
  });
});

describe('fallbacks', () => {
  const yaml = `model_list:
${deploymentYaml('primary', 'primary-model')}${deploymentYaml('second', 'second-model')}${deploymentYaml('third', 'third-model')}${deploymentYaml('big', 'big-context-model')}${deploymentYaml('default', 'default-model')}
router_settings: { num_retries: 0, disable_cooldowns: true }
litellm_settings:
  fallbacks: [{ primary: [second, third] }]
  context_window_fallbacks: [{ primary: [big] }]
  default_fallbacks: [default]
`;

  it('tries the fallback groups in order', async () => {
    upstream.fail({ kind: 'error', status: 500, message: 'down' }, 2);
    const result = await routerFor(yaml).route(request('primary'));
    expect(modelsSent()).toEqual(['primary-model', 'second-model', 'third-model']);
    expect(result.deployment.modelName).toBe('third');
    expect(result.attempts).toBe(3);
  });

  it('goes to context_window_fallbacks on a context-length error', async () => {
    upstream.fail({
      kind: 'error',
      status: 400,
      message: "This model's maximum context length is 8192 tokens",
      code: 'context_length_exceeded',
    });
    await routerFor(yaml).route(request('primary'));
    expect(modelsSent()).toEqual(['primary-model', 'big-context-model']);
  });

  it('uses default_fallbacks for a group without its own list, and a per-request list over the configured one', async () => {
    upstream.fail({ kind: 'error', status: 500, message: 'down' });
    await routerFor(yaml).route(request('second'));
    expect(modelsSent()).toEqual(['second-model', 'default-model']);
    upstream.requests.length = 0;
    upstream.fail({ kind: 'error', status: 500, message: 'down' });
    await routerFor(yaml).route(request('primary', { fallbacks: ['big'] }));
    expect(modelsSent()).toEqual(['primary-model', 'big-context-model']);
  });

  it('returns the last error when every fallback fails', async () => {
    upstream.fail({ kind: 'error', status: 500, message: 'down' }, 3);
    await expect(routerFor(yaml).route(request('primary'))).rejects.toMatchObject({ status: 502 });
  });
});

describe('cooldowns', () => {
  const yaml = `model_list:
${deploymentYaml('g', 'flaky')}${deploymentYaml('g', 'steady')}
router_settings: { routing_strategy: least-busy, num_retries: 0, allowed_fails: 1, cooldown_time: 0.3 }
`;

  it('skips a deployment after more than allowed_fails failures in a minute, and uses it again after cooldown_time', async () => {
    const router = routerFor(yaml);
    const toFlaky = (sent: { body: unknown }) => (sent.body as { model: string }).model === 'flaky';
    upstream.fail({ kind: 'error', status: 500, message: 'down' }, 2, toFlaky);
    for (let index = 0; index < 20 && upstream.requests.filter(toFlaky).length < 2; index++) {
      await router.route(request('g')).catch(() => undefined);
    }
    const flaky = router.deploymentsOf('g').find((deployment) => deployment.model === 'flaky');
    expect(router.cooldowns.isCoolingDown(flaky?.id ?? '')).toBe(true);
    upstream.reset();
    for (let index = 0; index < 10; index++) await router.route(request('g'));
    expect(new Set(modelsSent())).toEqual(new Set(['steady']));
    await sleep(350);
    expect(router.cooldowns.isCoolingDown(flaky?.id ?? '')).toBe(false);
    upstream.reset();
    for (let index = 0; index < 10; index++) await router.route(request('g'));
    expect(new Set(modelsSent())).toEqual(new Set(['steady', 'flaky']));
  });

  it('still calls a cooled-down deployment when it is the only one', async () => {
    const router = routerFor(
      `model_list:\n${deploymentYaml('solo', 'solo')}router_settings: { num_retries: 0, allowed_fails: 0, cooldown_time: 60 }\n`,
    );
    upstream.fail({ kind: 'error', status: 500, message: 'down' });
    await expect(router.route(request('solo'))).rejects.toMatchObject({ status: 502 });
    expect(router.cooldowns.isCoolingDown(router.deploymentsOf('solo')[0]?.id ?? '')).toBe(true);
    await expect(router.route(request('solo'))).resolves.toMatchObject({ attempts: 1 });
  });

  it('answers 503 with Retry-After when every deployment of a group is cooling down', async () => {
    const router = routerFor(
      `model_list:\n${deploymentYaml('pair', 'p1')}${deploymentYaml('pair', 'p2')}router_settings: { num_retries: 1, allowed_fails: 0, cooldown_time: 30 }\n`,
    );
    upstream.fail({ kind: 'error', status: 500, message: 'down' }, 2);
    await expect(router.route(request('pair'))).rejects.toMatchObject({ status: 502 });
    const error = (await router.route(request('pair')).catch((caught: unknown) => caught)) as GatewayError;
    expect(error.status).toBe(503);
    expect(Number(error.headers['retry-after'])).toBeGreaterThan(25);
  });
});

describe('timeouts and aborts', () => {
  it('times out a call after the deployment timeout and retries elsewhere', async () => {
    const router = routerFor(
      `model_list:\n${deploymentYaml('g', 'slow', ', timeout: 0.2')}router_settings: { num_retries: 1, disable_cooldowns: true }\n`,
    );
    upstream.fail({ kind: 'hang' });
    const started = performance.now();
    const result = await router.route(request('g'));
    expect(result.attempts).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(upstream.requests[0]?.aborted).toBe(true);
  });

  it('gives a stream stream_timeout to its first chunk, then lets it run', async () => {
    const router = routerFor(
      `model_list:\n${deploymentYaml('g', 'streamer', ', timeout: 5, stream_timeout: 0.2')}router_settings: { num_retries: 0 }\n`,
    );
    upstream.fail({ kind: 'delay', ms: 500 });
    const body = { model: 'g', messages: [{ role: 'user', content: 'a b c' }], stream: true };
    await expect(router.route(request('g', { body }))).rejects.toMatchObject({ status: 504 });

    upstream.setChunkDelay(300);
    try {
      const result = await router.route(request('g', { body }));
      if (result.result.kind !== 'stream') throw new Error('expected a stream');
      let frames = 0;
      for await (const frame of result.result.frames) frames += String(frame).length > 0 ? 1 : 0;
      expect(frames).toBeGreaterThan(3);
    } finally {
      upstream.setChunkDelay(0);
    }
  });

  it('cuts a stream that stalls between chunks for longer than stream_idle_timeout', async () => {
    const router = routerFor(
      `model_list:\n${deploymentYaml('g', 'staller', ', timeout: 20, stream_idle_timeout: 0.5')}router_settings: { num_retries: 0 }\n`,
    );
    // undici checks body timeouts on a coarse timer (about a second): the stall must be well past it.
    upstream.setChunkDelay(2500);
    try {
      const body = { model: 'g', messages: [{ role: 'user', content: 'a b c' }], stream: true };
      const result = await router.route(request('g', { body }));
      if (result.result.kind !== 'stream') throw new Error('expected a stream');
      const { frames } = result.result;
      const read = async () => {
        let count = 0;
        for await (const frame of frames) count += String(frame).length;
        return count;
      };
      await expect(read()).rejects.toMatchObject({ failure: 'timeout', upstreamStatus: 504 });
    } finally {
      upstream.setChunkDelay(0);
    }
  });

  it('aborts the upstream call when the client goes away', async () => {
    const router = routerFor(`model_list:\n${deploymentYaml('g', 'm')}`);
    upstream.fail({ kind: 'hang' });
    const client = new ClientLink();
    const pending = router.route(request('g', { client }));
    await sleep(100);
    client.disconnect();
    await expect(pending).rejects.toBeInstanceOf(ClientAbortError);
    await sleep(50);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]?.aborted).toBe(true);
  });

  it('stops waiting to retry when the client goes away, and calls no more', async () => {
    const router = routerFor(`model_list:\n${deploymentYaml('g', 'm')}router_settings: { num_retries: 3 }\n`);
    upstream.fail({ kind: 'error', status: 429, message: 'wait', headers: { 'retry-after-ms': '5000' } }, 10);
    const client = new ClientLink();
    const started = performance.now();
    const pending = router.route(request('g', { client }));
    await sleep(100);
    client.disconnect();
    await expect(pending).rejects.toBeInstanceOf(ClientAbortError);
    expect(performance.now() - started).toBeLessThan(2000);
    await sleep(50);
    expect(upstream.requests).toHaveLength(1);
  });

  it('does not call the upstream for a client that has left already', async () => {
    const router = routerFor(`model_list:\n${deploymentYaml('g', 'm')}`);
    const client = new ClientLink();
    client.disconnect();
    await expect(router.route(request('g', { client }))).rejects.toBeInstanceOf(ClientAbortError);
    expect(upstream.requests).toHaveLength(0);
  });
});

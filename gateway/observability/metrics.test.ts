import { spawnSync } from 'node:child_process';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAIProtocol } from '../../e2e/fake-upstream/openai.ts';
import { startFakeUpstream, type FakeUpstream } from '../../e2e/fake-upstream/server.ts';
import { eventually, startOpsGateway, type OpsGateway } from '../test-support/operations.ts';
import { KeyAliasLabel } from './key-alias-label.ts';

const masterKey = 'sk-metrics-master-0123456789';
let upstream: FakeUpstream;
let gateway: OpsGateway;
let client: OpenAI;

/** Every family the issue lists that exists today, and the ones other components feed. */
const families = [
  'switchyard_requests_total',
  'switchyard_request_duration_seconds',
  'switchyard_gateway_overhead_seconds',
  'switchyard_time_to_first_token_seconds',
  'switchyard_input_tokens_total',
  'switchyard_output_tokens_total',
  'switchyard_retries_total',
  'switchyard_fallbacks_total',
  'switchyard_deployment_state',
  'switchyard_requests_in_flight',
  'switchyard_requests_shed_total',
  'switchyard_event_loop_lag_seconds',
  'switchyard_process_resident_memory_bytes',
  'switchyard_config_last_reload_successful',
  'switchyard_spend_usd_total',
  'switchyard_key_budget_remaining_usd',
  'switchyard_cache_hits_total',
  'switchyard_cache_misses_total',
  'switchyard_db_pool_connections',
  'switchyard_db_pool_waiting_clients',
  'switchyard_db_query_errors_total',
  'switchyard_redis_latency_seconds',
  'switchyard_redis_breaker_state',
  'switchyard_rate_limit_admissions_total',
  'switchyard_spend_buffer_size',
];

beforeAll(async () => {
  upstream = await startFakeUpstream([openAIProtocol()]);
  gateway = await startOpsGateway(
    `
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}/v1, api_key: sk-upstream-metrics }
  - model_name: flaky
    litellm_params: { model: openai/flaky, api_base: ${upstream.url}/v1, api_key: sk-upstream-metrics }
router_settings:
  num_retries: 1
  fallbacks: [{ flaky: [gpt] }]
general_settings: { master_key: ${masterKey} }
`,
    { operations: { maxInFlight: 3 } },
  );
  client = new OpenAI({ apiKey: masterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const ask = (model = 'gpt') =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content: 'count me' }] });

async function scrape(headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${gateway.url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

describe('GET /metrics after traffic', () => {
  it('counts requests, tokens, streams, retries, fallbacks and shed requests, and passes promtool', async () => {
    for (let index = 0; index < 3; index++) await ask();
    const stream = await client.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'a b c' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let chunks = 0;
    for await (const chunk of stream) chunks += chunk.choices.length > 0 ? 1 : 0;
    expect(chunks).toBeGreaterThan(1);
    upstream.fail({ kind: 'error', status: 500, message: 'boom' }, 1);
    await ask(); // one retry
    const flaky = (request: { body: unknown }) => (request.body as { model?: string }).model === 'flaky';
    upstream.fail({ kind: 'error', status: 500, message: 'flaky down' }, 2, flaky);
    expect((await ask('flaky')).choices[0]?.message.content).toBe('echo: count me'); // via the fallback
    await expect(
      new OpenAI({
        apiKey: 'sk-wrong-key-000000',
        baseURL: `${gateway.url}/v1`,
        maxRetries: 0,
      }).models.list(),
    ).rejects.toThrow();

    // Three slow requests fill the in-flight cap; the next ones are refused at once with Retry-After.
    upstream.fail({ kind: 'delay', ms: 1500 }, 3);
    const slow = [ask(), ask(), ask()];
    await eventually(() => gateway.lifecycle.inFlight === 3, 10_000, 'three requests in flight');
    const refused = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'one too many' }] }),
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    await Promise.all(slow);
    await eventually(() => gateway.lifecycle.inFlight === 0, 10_000, 'nothing in flight');

    const text = await scrape();
    for (const family of families) expect(text, family).toContain(`# TYPE ${family} `);
    expect(text).toMatch(
      /switchyard_requests_total\{model_group="gpt",deployment="[0-9a-f]+",status_class="2xx",key_alias="master"\} (\d+)/,
    );
    expect(text).toMatch(/switchyard_retries_total\{model_group="gpt"\} [1-9]/);
    expect(text).toContain('switchyard_fallbacks_total{model_group="flaky",fallback_group="gpt"} 1');
    expect(text).toContain('switchyard_requests_shed_total{reason="in_flight_cap"} 1');
    expect(text).toMatch(/switchyard_time_to_first_token_seconds_count\{model_group="gpt"\} 1/);
    expect(text).toMatch(/switchyard_input_tokens_total\{model_group="gpt",key_alias="master"\} [1-9]/);
    expect(text).toMatch(/switchyard_output_tokens_total\{model_group="gpt",key_alias="master"\} [1-9]/);
    expect(text).toMatch(/switchyard_requests_total\{model_group="",deployment="",status_class="4xx"/);
    expect(text).not.toContain(masterKey);
    expect(text).not.toContain('sk-upstream-metrics');

    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(promtool.error, 'promtool must be installed (Debian: apt-get install prometheus)').toBeUndefined();
    expect(`${promtool.stdout}${promtool.stderr}`).toBe('');
    expect(promtool.status).toBe(0);
  });

  it('shows what components register: pool, spend buffer, budgets, cache, Redis', async () => {
    const components = gateway.metrics.components;
    components.databasePool(() => ({ total: 5, idle: 3, waiting: 1 }));
    components.databaseQueryFailed();
    components.spendBuffer(() => 7);
    components.spendRecorded('gpt', 'team-a', 0.25);
    components.budgets(() => [{ keyAlias: 'team-a', remainingUsd: 9.75 }]);
    components.cacheLookup(true);
    components.cacheLookup(false);
    components.redisRoundTrip('evalsha', 0.002);
    components.redisBreaker(() => 'open');
    components.rateLimitAdmissions(() => ({ script: 4, claim: 40, per_pod: 1 }));
    const text = await scrape();
    expect(text).toContain('switchyard_db_pool_connections{state="total"} 5');
    expect(text).toContain('switchyard_db_pool_connections{state="idle"} 3');
    expect(text).toContain('switchyard_db_pool_waiting_clients 1');
    expect(text).toContain('switchyard_db_query_errors_total 1');
    expect(text).toContain('switchyard_spend_buffer_size 7');
    expect(text).toContain('switchyard_spend_usd_total{model_group="gpt",key_alias="team-a"} 0.25');
    expect(text).toContain('switchyard_key_budget_remaining_usd{key_alias="team-a"} 9.75');
    expect(text).toContain('switchyard_cache_hits_total 1');
    expect(text).toContain('switchyard_redis_breaker_state 2');
    expect(text).toContain('switchyard_redis_latency_seconds_count{operation="evalsha"} 1');
    expect(text).toContain('switchyard_rate_limit_admissions_total{path="claim"} 40');
    expect(spawnSync('promtool', ['check', 'metrics'], { input: text }).status).toBe(0);
  });
});

describe('metrics options', () => {
  it('requires the master key when require_auth_for_metrics_endpoint is set', async () => {
    const guarded = await startOpsGateway(`
model_list:
  - model_name: m
    litellm_params: { model: mock/m }
litellm_settings: { require_auth_for_metrics_endpoint: true }
general_settings: { master_key: ${masterKey} }
`);
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      const allowed = await fetch(`${guarded.url}/metrics`, {
        headers: { authorization: `Bearer ${masterKey}` },
      });
      expect(allowed.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('caps key aliases (the rest are "other") or leaves the label out', () => {
    const capped = new KeyAliasLabel({ enabled: true, max: 2 });
    expect(['a', 'b', 'c', 'a', 'd'].map((alias) => capped.of(alias))).toEqual([
      'a',
      'b',
      'other',
      'a',
      'other',
    ]);
    expect(new KeyAliasLabel({ enabled: false, max: 10 }).of('a')).toBe('');
  });
});

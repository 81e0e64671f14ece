import { afterEach, describe, expect, it } from 'vitest';
import type { DependencyReport } from '../observability/dependencies.ts';
import { Dependencies } from '../observability/dependencies.ts';
import { Lifecycle } from '../observability/lifecycle.ts';
import { startOpsGateway, type OpsGateway } from '../test-support/operations.ts';
import { readinessOf } from './health.ts';

const config = `
model_list:
  - model_name: m
    litellm_params: { model: mock/m }
  - model_name: broken
    litellm_params: { model: mock/broken, mock_failure_rate: 1 }
general_settings: { master_key: sk-health-master-1234 }
`;

let gateway: OpsGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function readiness(target: OpsGateway) {
  const response = await target.app.inject({ method: 'GET', url: '/health/readiness' });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
}

describe('liveness', () => {
  it('answers LiteLLM\'s "I\'m alive!" on both spellings, without a key', async () => {
    gateway = await startOpsGateway(config);
    for (const url of ['/health/liveliness', '/health/liveness']) {
      const response = await gateway.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain("I'm alive!");
    }
  });
});

describe('readiness', () => {
  it('is 200 with db, redis, cache, config and gateway versions in the body', async () => {
    gateway = await startOpsGateway(config);
    const { status, body } = await readiness(gateway);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'healthy',
      db: 'not_configured',
      redis: 'not_configured',
      cache: 'not_configured',
      config_version: gateway.currentConfig().version,
    });
    expect(typeof body.gateway_version).toBe('string');
  });

  it('is 503 until a registered database is reached once, then 200 with the database down after a later outage', async () => {
    let report: DependencyReport = { status: 'down', reachedOnce: false, detail: 'connection refused' };
    gateway = await startOpsGateway(config, {
      prepare: (built) => {
        built.dependencies.register('db', () => report);
      },
    });
    const starting = await readiness(gateway);
    expect(starting.status).toBe(503);
    expect(starting.body).toMatchObject({ status: 'starting', db: 'disconnected' });
    expect(String(starting.body.reasons)).toContain('db');

    report = { status: 'up', reachedOnce: true };
    expect(await readiness(gateway)).toMatchObject({ status: 200, body: { db: 'connected' } });

    report = { status: 'down', reachedOnce: true, detail: 'connection refused' };
    const outage = await readiness(gateway);
    expect(outage.status).toBe(200);
    expect(outage.body).toMatchObject({
      status: 'healthy',
      db: 'disconnected',
      dependencies: { db: { status: 'down', reached_once: true, detail: 'connection refused' } },
    });
  });

  it('is 503 at once when the pod drains', async () => {
    gateway = await startOpsGateway(config);
    gateway.lifecycle.drain('SIGTERM');
    const { status, body } = await readiness(gateway);
    expect(status).toBe(503);
    expect(body.status).toBe('draining');
  });

  it('is 503 while no valid config is loaded, and API requests get 503 meanwhile', async () => {
    const lifecycle = new Lifecycle();
    lifecycle.waitForConfig('config not loaded: 1 problem(s)');
    gateway = await startOpsGateway(config, { lifecycle });
    expect(await readiness(gateway)).toMatchObject({ status: 503, body: { status: 'starting' } });
    const refused = await gateway.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
  });

  it('turns 503 only after shedding without pause for the configured time', () => {
    let now = 0;
    const lifecycle = new Lifecycle(() => now);
    const sources = {
      lifecycle,
      dependencies: new Dependencies(),
      configVersion: () => 'v',
      shedUnreadyAfterMs: 10_000,
    };
    for (; now <= 9_000; now += 500) lifecycle.recordShed();
    expect(readinessOf(sources).ready).toBe(true);
    for (; now <= 12_000; now += 500) lifecycle.recordShed();
    expect(readinessOf(sources)).toMatchObject({ ready: false, body: { status: 'overloaded' } });
    now += 5_000; // a pause: the run is over
    expect(readinessOf(sources).ready).toBe(true);
  });
});

describe('GET /health', () => {
  it('needs the master key and reports each deployment from a minimal call', async () => {
    gateway = await startOpsGateway(config);
    expect((await gateway.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(401);
    const response = await gateway.app.inject({
      method: 'GET',
      url: '/health',
      headers: { authorization: 'Bearer sk-health-master-1234' },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json<{
      healthy_count: number;
      unhealthy_count: number;
      unhealthy_endpoints: { model_group: string; error: string }[];
    }>();
    expect(body.healthy_count).toBe(1);
    expect(body.unhealthy_count).toBe(1);
    expect(body.unhealthy_endpoints[0]?.model_group).toBe('broken');
    expect(body.unhealthy_endpoints[0]?.error).toContain('failed as configured');
  });
});

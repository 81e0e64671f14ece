import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openAIProtocol } from '../../e2e/fake-upstream/openai.ts';
import { startFakeUpstream, type FakeUpstream } from '../../e2e/fake-upstream/server.ts';
import { startOpsGateway, type OpsGateway } from '../test-support/operations.ts';

const masterKey = 'sk-background-health-1234';
const config = (upstream: string, intervalSeconds: number) => `
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream}/v1, api_key: sk-upstream }
  - model_name: broken
    litellm_params: { model: mock/broken, mock_failure_rate: 1 }
general_settings:
  master_key: ${masterKey}
  background_health_checks: true
  health_check_interval: ${intervalSeconds}
`;

let upstream: FakeUpstream;
let gateway: OpsGateway | undefined;
beforeAll(async () => {
  upstream = await startFakeUpstream([openAIProtocol()]);
});
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  upstream.reset();
});
afterAll(async () => {
  await upstream.close();
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('general_settings.background_health_checks', () => {
  it('checks every deployment at start and answers GET /health from that round, spending nothing more', async () => {
    gateway = await startOpsGateway(config(upstream.url, 3600));
    await until(() => upstream.requests.length === 1);
    const get = (url: string) =>
      gateway?.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${masterKey}` } });
    let body: Record<string, unknown> = {};
    for (let index = 0; index < 3; index++) body = (await get('/health'))?.json() ?? {};
    expect(upstream.requests).toHaveLength(1);
    expect(body).toMatchObject({ healthy_count: 1, unhealthy_count: 1 });
    expect(Date.parse(String(body.checked_at))).toBeGreaterThan(Date.now() - 60_000);

    const metrics = (await get('/metrics'))?.body ?? '';
    expect(metrics).toMatch(
      /switchyard_deployment_health_check_up\{model_group="gpt",deployment="[^"]+"\} 1/,
    );
    expect(metrics).toMatch(
      /switchyard_deployment_health_check_up\{model_group="broken",deployment="[^"]+"\} 0/,
    );
  });

  it('checks again every health_check_interval', async () => {
    gateway = await startOpsGateway(config(upstream.url, 0.2));
    await until(() => upstream.requests.length >= 3);
    expect(upstream.requests.length).toBeGreaterThanOrEqual(3);
  });
});

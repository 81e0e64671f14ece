import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startGateway } from './test-support/gateway.ts';

/** One request on a connection of its own that ends with the answer: its status. */
function postOnce(url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', connection: 'close' } },
      (response) => {
        response.resume();
        response.on('end', () => {
          resolve(response.statusCode ?? 0);
        });
      },
    );
    sent.on('error', reject);
    sent.end(JSON.stringify(body));
  });
}

describe('closing with a connection that never sent a request', () => {
  it('ends it, and lets a request in flight finish', async () => {
    const gateway = await startGateway(`
model_list:
  - model_name: slow
    litellm_params: { model: mock/slow, mock_latency_ms: 300 }
`);
    const { hostname, port } = new URL(gateway.url);
    // A load balancer's preconnect, or a client pool's socket opened after an abort: connected, silent.
    const silent = connect(Number(port), hostname);
    silent.on('error', () => undefined);
    await once(silent, 'connect');
    const answer = postOnce(`${gateway.url}/v1/chat/completions`, {
      model: 'slow',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ended = once(silent, 'close');
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      gateway.close().then(() => 'closed'),
      new Promise((resolve) => {
        timer = setTimeout(() => {
          resolve('still open');
        }, 5_000);
      }),
    ]);
    clearTimeout(timer);
    silent.destroy();
    expect(closed).toBe('closed');
    await ended;
    expect(await answer).toBe(200);
  });
});

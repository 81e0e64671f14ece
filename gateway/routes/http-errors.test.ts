import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../test-support/gateway.ts';
import { nestedDeeperThan } from './http-errors.ts';

/** Sends raw bytes and reads until the server closes the connection. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      resolve(answer);
    });
    socket.end(bytes);
  });
}

const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;
/** OpenAI's error shape, with a message that says what was wrong. */
function expectOpenAIError(body: unknown): void {
  expect(body).toMatchObject({
    error: { type: 'invalid_request_error', param: null, code: 'invalid_request' },
  });
  expect((body as { error: { message: unknown } }).error.message).toMatch(/\w/);
}

describe('requests that are not valid HTTP, URLs or JSON', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startGateway(`
model_list:
  - model_name: chat
    litellm_params: { model: mock/chat, mock_response: "ok" }
`);
  });
  afterAll(() => gateway.close());

  const post = (body: string, path = '/v1/chat/completions') =>
    fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('answers a body nested too deep with a 400 before routing, and the model keeps serving', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const body = `{"model":"chat","messages":[{"role":"user","content":"hi","extra":${deep}}]}`;
    for (let i = 0; i < 5; i++) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expectOpenAIError(await response.json());
    }
    const fine = await post('{"model":"chat","messages":[{"role":"user","content":"hi"}]}');
    expect(fine.status).toBe(200);
  });

  it('still refuses prototype poisoning, as fastify’s own parser does', async () => {
    const response = await post('{"model":"chat","messages":[],"__proto__":{"polluted":true}}');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'malformed_json' } });
  });

  it('answers a malformed URL in OpenAI’s shape', async () => {
    const response = await post('{}', '/v1/chat/completions%zz');
    expect(response.status).toBe(400);
    expectOpenAIError(await response.json());
  });

  it('answers malformed HTTP and oversized headers in OpenAI’s shape, then closes', async () => {
    const badLine = await rawExchange(gateway.url, 'GARBAGE\r\n\r\n');
    expect(badLine).toMatch(/^HTTP\/1\.1 400 /);
    expectOpenAIError(bodyOf(badLine));
    const conflicting = await rawExchange(
      gateway.url,
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}',
    );
    expect(conflicting).toMatch(/^HTTP\/1\.1 400 /);
    expectOpenAIError(bodyOf(conflicting));
    const noHost = await rawExchange(gateway.url, 'GET /v1/models HTTP/1.1\r\nConnection: close\r\n\r\n');
    // Without Host, Node itself would answer an empty 400; the gateway serves it like any request.
    expect(noHost).toMatch(/^HTTP\/1\.1 200 /);
    expect(bodyOf(noHost)).toMatchObject({ object: 'list' });
    const huge = await rawExchange(
      gateway.url,
      `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expectOpenAIError(bodyOf(huge));
  });
});

describe('nestedDeeperThan', () => {
  it('counts objects and arrays, not scalars, at any depth without recursion', () => {
    expect(nestedDeeperThan({ a: [1, { b: 'x' }] }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: [1, { b: 'x' }] }, 2)).toBe(true);
    expect(nestedDeeperThan('text', 0)).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nestedDeeperThan(deep, 100)).toBe(true);
  });
});

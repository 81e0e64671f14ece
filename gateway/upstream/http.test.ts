import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from './errors.ts';
import { UpstreamHttp, type UpstreamRequest } from './http.ts';

function answer(label: string) {
  return (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ label, url: request.url }));
  };
}

async function listen(server: ReturnType<typeof createHttpServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function post(
  url: string,
  tls: UpstreamRequest['tls'] = { verify: true, caFile: undefined },
): UpstreamRequest {
  return { url, headers: {}, body: '{}', signal: new AbortController().signal, tls, idleTimeoutMs: 5_000 };
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-tls-'));
const direct = createHttpServer(answer('direct'));
const proxy = createHttpServer(answer('proxy'));
let tlsServer: ReturnType<typeof createHttpsServer>;
let directHost = '';
let proxyHost = '';
let tlsHost = '';

beforeAll(async () => {
  // A self-signed certificate for 127.0.0.1, as a private endpoint would have.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  tlsServer = createHttpsServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    answer('tls'),
  );
  directHost = await listen(direct);
  proxyHost = await listen(proxy);
  tlsHost = await listen(tlsServer);
});

afterAll(() => {
  for (const server of [direct, proxy, tlsServer]) server.close();
});

async function labelOf(
  http: UpstreamHttp,
  request: UpstreamRequest,
): Promise<{ label: string; url: string }> {
  const response = await http.request(request);
  return JSON.parse(await response.body.text()) as { label: string; url: string };
}

describe('upstream HTTP', () => {
  it('goes through HTTP_PROXY, and straight past it for NO_PROXY hosts', async () => {
    const viaProxy = new UpstreamHttp({ env: { HTTP_PROXY: `http://${proxyHost}` } });
    const proxied = await labelOf(viaProxy, post(`http://${directHost}/v1/chat/completions`));
    expect(proxied).toEqual({ label: 'proxy', url: `http://${directHost}/v1/chat/completions` });
    await viaProxy.close();

    const bypass = new UpstreamHttp({ env: { http_proxy: `http://${proxyHost}`, no_proxy: '127.0.0.1' } });
    expect((await labelOf(bypass, post(`http://${directHost}/v1/chat/completions`))).label).toBe('direct');
    await bypass.close();
  });

  it('refuses an unknown certificate, and accepts it with a CA bundle or ssl_verify: false', async () => {
    const http = new UpstreamHttp({ env: {} });
    const url = `https://${tlsHost}/v1/chat/completions`;
    const refused = await http.request(post(url)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ProviderError);
    expect((refused as ProviderError).message).not.toContain('BEGIN');
    expect((await labelOf(http, post(url, { verify: true, caFile: join(dir, 'cert.pem') }))).label).toBe(
      'tls',
    );
    expect((await labelOf(http, post(url, { verify: false, caFile: undefined }))).label).toBe('tls');
    await http.close();
  });
});

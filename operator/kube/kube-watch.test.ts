import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fromKubeconfigFile } from './kube-connection.ts';
import type { KubeConnection } from './kube-connection.ts';
import { getJson } from './kube-request.ts';
import { KubeWatch } from './kube-watch.ts';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => {
    if (server === undefined) resolve();
    else
      server.close(() => {
        resolve();
      });
  });
  server = undefined;
});

/** A plain-HTTP apiserver stand-in and a connection to it (a token, TLS verification off). */
async function apiserver(
  handle: (url: URL, response: ServerResponse, authorization: string | undefined) => void,
): Promise<KubeConnection> {
  server = createServer((request, response) => {
    handle(new URL(request.url ?? '/', 'http://x'), response, request.headers.authorization);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const path = join(mkdtempSync(join(tmpdir(), 'kube-watch-')), 'kubeconfig');
  writeFileSync(
    path,
    JSON.stringify({
      'current-context': 'x',
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      clusters: [
        { name: 'c', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } },
      ],
      users: [{ name: 'u', user: { token: 'abc' } }],
    }),
  );
  const connection = fromKubeconfigFile(path);
  if (connection === undefined) throw new Error('not served natively');
  return connection;
}

describe('KubeWatch', () => {
  it('delivers one event per line and ends once when the apiserver closes the watch', async () => {
    let query: URLSearchParams | undefined;
    const connection = await apiserver((url, response) => {
      query = url.searchParams;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"2"}}}\n');
      // An event split across writes, then a line that is not JSON (skipped).
      response.write('{"type":"MODIFIED","object":{"metadata":');
      response.end('{"name":"a","resourceVersion":"3"}}}\nnot json\n');
    });
    const events: string[] = [];
    const ended = new Promise<unknown>((resolve) => {
      void new KubeWatch(connection).watch(
        '/api/v1/namespaces/ns/secrets',
        { resourceVersion: '1', labelSelector: undefined },
        (type, object) => events.push(`${type} ${JSON.stringify(object)}`),
        resolve,
      );
    });
    expect(await ended).toBeNull();
    expect(events).toEqual([
      'ADDED {"metadata":{"name":"a","resourceVersion":"2"}}',
      'MODIFIED {"metadata":{"name":"a","resourceVersion":"3"}}',
    ]);
    expect(query?.get('watch')).toBe('true');
    expect(query?.get('resourceVersion')).toBe('1');
    expect(query?.has('labelSelector')).toBe(false);
  });

  it('ends with the status code when the apiserver refuses the watch', async () => {
    const connection = await apiserver((_url, response) => {
      response.writeHead(410).end('{"kind":"Status","code":410}');
    });
    const error = await new Promise<unknown>((resolve) => {
      void new KubeWatch(connection).watch('/api/v1/secrets', {}, () => undefined, resolve);
    });
    expect(error).toMatchObject({ statusCode: 410, message: 'Gone' });
  });

  it('ends once when its caller aborts it (list-watch.ts stops before it aborts, so the reason is not read)', async () => {
    const connection = await apiserver((_url, response) => {
      response.writeHead(200).write('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"5"}}}\n');
    });
    let ends = 0;
    let events = 0;
    const opened = await new KubeWatch(connection).watch(
      '/api/v1/secrets',
      {},
      () => (events += 1),
      () => (ends += 1),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).toBe(1);
    opened.abort();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ends).toBe(1);
  });
});

describe('kube requests over node http', () => {
  it('sends the token and reads the JSON answer', async () => {
    const connection = await apiserver((_url, response, authorization) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ authorization }));
    });
    expect(await getJson(connection, '/api/v1/namespaces/ns/secrets/s')).toEqual({
      authorization: 'Bearer abc',
    });
  });

  it('throws a refusal with its status code', async () => {
    const connection = await apiserver((_url, response) => {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"kind":"Status","code":404,"reason":"NotFound","message":"secrets \\"s\\" not found"}');
    });
    await expect(getJson(connection, '/api/v1/namespaces/ns/secrets/s')).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});

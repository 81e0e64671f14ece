import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClientAbortError } from './errors.ts';
import { UpstreamHttp, type UpstreamRequest } from './http.ts';

/** What the upstream does with the next request: the test sets it, the server runs it. */
let behave: (response: ServerResponse) => void = (response) => response.end();
const closed: string[] = [];
const server = createServer((request, response) => {
  request.resume();
  response.on('close', () => closed.push(response.writableFinished ? 'finished' : 'cut'));
  behave(response);
});
const http = new UpstreamHttp();
let base = '';

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  closed.length = 0;
});
afterAll(async () => {
  await http.close();
  server.closeAllConnections();
  server.close();
});

const call = (signal = new AbortController().signal): UpstreamRequest => ({
  url: `${base}/v1/chat/completions`,
  headers: { 'content-type': 'application/json' },
  body: '{}',
  signal,
  tls: { verify: true, caFile: undefined },
  idleTimeoutMs: 5_000,
});

/** An upstream that promises 100 bytes of JSON, sends a few and drops the connection `ms` later. */
const cutShortAfter = (ms: number) => (response: ServerResponse) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
  response.write('{"partial":');
  setTimeout(() => response.socket?.destroy(), ms);
};

const cutSeen = async () => {
  while (!closed.includes('cut')) await sleep(5);
};

/** Fires `abort` while `pending` waits: `pending` fails with the reason, and the upstream is hung up on. */
const abortWhileWaiting = async (abort: AbortController, pending: Promise<unknown>) => {
  await sleep(50);
  abort.abort(new ClientAbortError());
  await expect(pending).rejects.toBeInstanceOf(ClientAbortError);
  await cutSeen();
};

describe('upstream responses through the dispatch handler', () => {
  it('passes a body larger than the buffers whole, read slowly (paused and resumed)', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    behave = (response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 64; i++) response.write(chunk);
      response.end('end');
    };
    const response = await http.request(call());
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain');
    let length = 0;
    for await (const part of response.body) {
      length += part.length;
      await sleep(1);
    }
    expect(length).toBe(64 * chunk.length + 3);
  });

  it('reads a JSON answer whole with text()', async () => {
    behave = (response) =>
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{}}');
    const response = await http.request(call());
    expect([response.status, await response.body.text()]).toEqual([400, '{"error":{}}']);
  });

  it('reads with text() a body that comes in pieces after the call, larger than the buffers', async () => {
    const chunk = 'y'.repeat(64 * 1024);
    behave = (response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('[');
      let sent = 0;
      const timer = setInterval(() => {
        if (++sent < 8) response.write(chunk);
        else {
          clearInterval(timer);
          response.end(']');
        }
      }, 5);
    };
    const response = await http.request(call());
    const text = await response.body.text();
    expect(text).toBe(`[${chunk.repeat(7)}]`);
    await expect(response.body.text()).rejects.toThrow('already being read');
  });

  it('holds a body nobody reads yet, pausing the upstream past 16 KB, and gives all of it to text()', async () => {
    const chunk = 'z'.repeat(8 * 1024);
    behave = (response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 32; i++) response.write(chunk);
      response.end();
    };
    const response = await http.request(call());
    await sleep(100); // the first chunks arrive and wait, the rest waits in the socket
    expect(await response.body.text()).toBe(chunk.repeat(32));
  });

  it('iterates a body that arrived whole before the iteration, in order', async () => {
    behave = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: 1\n\n');
      response.end('data: 2\n\n');
    };
    const response = await http.request(call());
    await sleep(50);
    const parts: string[] = [];
    for await (const part of response.body) parts.push(String(part));
    expect(parts.join('')).toBe('data: 1\n\ndata: 2\n\n');
    expect(() => response.body[Symbol.asyncIterator]()).toThrow('already being read');
    await expect(response.body.text()).rejects.toThrow('already being read');
  });

  it('fails text() when the upstream cuts the body short', async () => {
    behave = cutShortAfter(20);
    const response = await http.request(call());
    await expect(response.body.text()).rejects.toThrow();
  });

  it('fails text() asked after the upstream cut the body short', async () => {
    behave = cutShortAfter(10);
    const response = await http.request(call());
    await sleep(100);
    await expect(response.body.text()).rejects.toThrow();
  });

  it('ends a text() in progress when the signal fires', async () => {
    behave = (response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"slow":'); // and nothing more
    };
    const abort = new AbortController();
    const response = await http.request(call(abort.signal));
    await abortWhileWaiting(abort, response.body.text());
  });

  it('gives up waiting for the headers when the signal fires, and hangs up on the upstream', async () => {
    behave = () => undefined; // never answers
    const abort = new AbortController();
    await abortWhileWaiting(abort, http.request(call(abort.signal)));
  });

  it('ends a body in progress when the signal fires', async () => {
    behave = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {}\n\n'); // and nothing more
    };
    const abort = new AbortController();
    const response = await http.request(call(abort.signal));
    const read = (async () => {
      for await (const part of response.body) expect(String(part)).toBe('data: {}\n\n');
    })();
    await abortWhileWaiting(abort, read);
  });

  it('hangs up on the upstream when a stream is left before its end', async () => {
    behave = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: 1\n\n');
      setTimeout(() => response.write('data: 2\n\n'), 20);
    };
    const response = await http.request(call());
    for await (const part of response.body) {
      expect(String(part)).toBe('data: 1\n\n');
      break; // the consumer stops: the body is destroyed
    }
    await cutSeen();
  });

  it('does not start a request whose signal fired while it waited to be sent', async () => {
    const abort = new AbortController();
    abort.abort(new ClientAbortError());
    let seen = 0;
    behave = (response) => {
      seen++;
      response.end();
    };
    await expect(http.request(call(abort.signal))).rejects.toBeInstanceOf(ClientAbortError);
    expect(seen).toBe(0);
  });
});

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received, for tests to assert on. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
  /** When it arrived (ms, performance.now()), to check backoffs. */
  readonly at: number;
  /** True when the client went away before the answer was complete (e.g. the gateway aborted). */
  aborted: boolean;
}

/** What to do instead of the normal answer, for the next request(s). */
export type Fault =
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly message: string;
      readonly headers?: Record<string, string>;
      readonly code?: string;
    }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'drop' };

export interface ExchangeContext {
  readonly request: RecordedRequest;
  readonly response: ServerResponse;
  /** Milliseconds to wait between streamed chunks. */
  readonly chunkDelayMs: number;
}

/** One provider's wire format: which paths it answers, its success bodies and its error bodies. */
export interface Protocol {
  matches(method: string, path: string): boolean;
  answer(context: ExchangeContext): Promise<void>;
  sendError(response: ServerResponse, status: number, message: string, code?: string): void;
}

export interface FakeUpstream {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Queue faults for the next requests, in order (`times` copies); `match` limits which requests take them. */
  fail(fault: Fault, times?: number, match?: (request: RecordedRequest) => boolean): void;
  /** Forget queued faults, recorded requests and the chunk delay. */
  reset(): void;
  setChunkDelay(ms: number): void;
  close(): Promise<void>;
}

/** `host`: the address to listen on (default loopback), e.g. one that pods of a kind cluster reach. */
export async function startFakeUpstream(
  protocols: readonly Protocol[],
  { host = '127.0.0.1' }: { host?: string } = {},
): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const faults: { fault: Fault; match: (request: RecordedRequest) => boolean }[] = [];
  let chunkDelayMs = 0;

  const server = createServer((incoming, response) => {
    void (async () => {
      const text = await readBody(incoming);
      const path = incoming.url ?? '/';
      const request: RecordedRequest = {
        method: incoming.method ?? 'GET',
        path,
        headers: incoming.headers,
        body: parseJson(text),
        at: performance.now(),
        aborted: false,
      };
      requests.push(request);
      response.on('close', () => {
        if (!response.writableFinished) request.aborted = true;
      });
      const protocol = protocols.find((candidate) =>
        candidate.matches(request.method, path.split('?')[0] ?? path),
      );
      if (protocol === undefined) {
        response
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"error":{"message":"no such route"}}');
        return;
      }
      const queued = faults.findIndex((entry) => entry.match(request));
      const fault = queued === -1 ? undefined : faults.splice(queued, 1)[0]?.fault;
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'drop') {
        response.socket?.destroy();
        return;
      }
      if (fault?.kind === 'delay') await sleep(fault.ms);
      if (fault?.kind === 'error') {
        for (const [name, value] of Object.entries(fault.headers ?? {})) response.setHeader(name, value);
        protocol.sendError(response, fault.status, fault.message, fault.code);
        return;
      }
      await protocol.answer({ request, response, chunkDelayMs });
    })();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests,
    fail(fault, times = 1, match = () => true) {
      for (let index = 0; index < times; index++) faults.push({ fault, match });
    },
    reset() {
      faults.length = 0;
      requests.length = 0;
      chunkDelayMs = 0;
    },
    setChunkDelay(ms) {
      chunkDelayMs = ms;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Writes SSE frames with an optional pause between them, stopping if the client goes away. */
export async function sendSse(
  context: ExchangeContext,
  frames: readonly string[],
  headers: Record<string, string> = {},
): Promise<void> {
  const { response } = context;
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  for (const frame of frames) {
    if (response.destroyed) return;
    response.write(frame);
    if (context.chunkDelayMs > 0) await sleep(context.chunkDelayMs);
  }
  response.end();
}

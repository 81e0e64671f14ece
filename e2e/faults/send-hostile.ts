import { connect } from 'node:net';
import { Agent, request } from 'undici';
import type { HostileRequest } from './hostile-requests.ts';
import type { Answer } from './response-oracle.ts';

/** A connection pool of its own: a hostile request that ends its connection must not disturb another's. */
const agent = new Agent({ connections: 8, headersTimeout: 30_000, bodyTimeout: 30_000 });

/** Sends one request as it is (no retries, no redirects); an answer, or the reason there was none. */
export async function sendHostile(
  baseUrl: string,
  hostile: HostileRequest,
): Promise<Answer | { failed: string }> {
  try {
    const response = await request(`${baseUrl}${hostile.path}`, {
      method: hostile.method,
      headers: hostile.headers,
      ...(hostile.body === undefined ? {} : { body: hostile.body }),
      dispatcher: agent,
    });
    return {
      method: hostile.method,
      path: hostile.path,
      status: response.statusCode,
      headers: response.headers,
      body: await response.body.text(),
    };
  } catch (error) {
    return {
      failed: `${hostile.method} ${hostile.path.slice(0, 80)}: no answer: ${(error as Error).message}`,
    };
  }
}

export function closeHostileAgent(): Promise<void> {
  return agent.close();
}

/**
 * Writes raw bytes on a fresh connection and reads the first answer: what no HTTP client library would send
 * (broken request lines, framing, headers). Resolves undefined when the server sent nothing within `waitMs`.
 */
export function sendRaw(port: number, bytes: string, waitMs = 3_000): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(received));
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const answer = parseAnswer(received);
      if (answer !== undefined && Buffer.byteLength(answer.body) >= contentLengthOf(answer)) finish();
    });
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(bytes);
  });
}

function contentLengthOf(answer: Answer): number {
  const value = answer.headers['content-length'];
  return typeof value === 'string' ? Number(value) : 0;
}

function parseAnswer(bytes: Buffer): Answer | undefined {
  const text = bytes.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isFinite(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { method: 'RAW', path: '(raw)', status, headers, body: text.slice(end + 4) };
}

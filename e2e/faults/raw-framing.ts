import fc from 'fast-check';
import type { Credentials } from './hostile-requests.ts';

/**
 * Requests broken below JSON, at the HTTP layer, as raw bytes: request lines, header syntax, framing
 * (Content-Length, chunked, both at once), oversized headers. Node's parser refuses these before any route
 * runs; what the client gets back must still be an OpenAI-shaped error.
 */
export function rawFraming(credentials: Credentials): fc.Arbitrary<string> {
  const auth = `Authorization: Bearer ${credentials.masterKey}\r\n`;
  const body = '{"model":"chat","messages":[{"role":"user","content":"hi"}]}';
  const line = fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength: 40,
  });
  const post = (headers: string, payload = body) =>
    `POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\n${auth}Content-Type: application/json\r\n${headers}\r\n${payload}`;
  return fc.oneof(
    // Request lines.
    line.map((junk) => `${junk}\r\n\r\n`),
    fc.constantFrom(
      'GET\r\n\r\n',
      'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET /v1/models HTTP/1.1\r\n\r\n',
      'post /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET http://other.example/v1/models HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET * HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /v1/models\x00 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /v1/mo dels HTTP/1.1\r\nHost: x\r\n\r\n',
    ),
    // Header syntax.
    line.map((junk) => post(`${junk}\r\nContent-Length: ${body.length}\r\n`)),
    fc.constantFrom(
      post(`Bad Name: x\r\nContent-Length: ${body.length}\r\n`),
      post(`X-Ctl: a\x01b\r\nContent-Length: ${body.length}\r\n`),
      post(` folded: continuation\r\nContent-Length: ${body.length}\r\n`),
      post(`: no-name\r\nContent-Length: ${body.length}\r\n`),
    ),
    // Framing.
    fc.constantFrom(
      post('Content-Length: abc\r\n'),
      post('Content-Length: -1\r\n'),
      post(`Content-Length: ${body.length}\r\nContent-Length: ${body.length + 1}\r\n`),
      post(`Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n`),
      post('Transfer-Encoding: chunked\r\n', `ZZ\r\n${body}\r\n0\r\n\r\n`),
      post('Transfer-Encoding: chunked\r\n', `${body.length.toString(16)}\r\n${body}0\r\n\r\n`),
      post('Transfer-Encoding: gzip, chunked\r\n', `0\r\n\r\n`),
      post('Transfer-Encoding: identity\r\n'),
    ),
    // Oversized header block (Node's limit is 16 KiB).
    fc
      .integer({ min: 17_000, max: 80_000 })
      .map((size) => post(`X-Big: ${'a'.repeat(size)}\r\nContent-Length: 2\r\n`, '{}')),
  );
}

/**
 * AWS's `application/vnd.amazon.eventstream` binary framing, decoded: each message is a 12-byte prelude (total
 * length, headers length, prelude CRC32), typed headers, a payload and a message CRC32, all big-endian.
 */
import { crc32 } from 'node:zlib';
import { ProviderError } from '../../upstream/errors.ts';

export type HeaderValue = string | number | boolean | bigint | Uint8Array | Date;

export interface EventMessage {
  readonly headers: Readonly<Record<string, HeaderValue>>;
  readonly payload: Uint8Array;
}

const preludeLength = 12;
/** Bedrock's own limit is far lower; this only stops a corrupt length from buffering without end. */
const maxMessageLength = 16 * 1024 * 1024;

function corrupt(reason: string): ProviderError {
  return new ProviderError('internal', `bedrock sent a malformed event stream: ${reason}`);
}

/** Messages of an event-stream body, as they complete; CRCs are checked. */
export async function* readEventStream(
  body: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<EventMessage> {
  let buffer: Buffer = Buffer.alloc(0);
  for await (const chunk of body) {
    buffer = Buffer.concat([buffer, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    while (buffer.length >= preludeLength) {
      const total = buffer.readUInt32BE(0);
      if (total < preludeLength + 4 || total > maxMessageLength) throw corrupt(`message length ${total}`);
      if (buffer.length < total) break;
      yield decodeMessage(buffer.subarray(0, total));
      buffer = buffer.subarray(total);
    }
  }
  if (buffer.length > 0) throw corrupt('the stream ended inside a message');
}

export function decodeMessage(message: Buffer): EventMessage {
  const total = message.readUInt32BE(0);
  const headersLength = message.readUInt32BE(4);
  if (crc32(message.subarray(0, 8)) !== message.readUInt32BE(8)) throw corrupt('prelude checksum mismatch');
  if (crc32(message.subarray(0, total - 4)) !== message.readUInt32BE(total - 4))
    throw corrupt('message checksum mismatch');
  const headersEnd = preludeLength + headersLength;
  if (headersEnd > total - 4) throw corrupt('headers longer than the message');
  return {
    headers: decodeHeaders(message.subarray(preludeLength, headersEnd)),
    payload: message.subarray(headersEnd, total - 4),
  };
}

function decodeHeaders(bytes: Buffer): Record<string, HeaderValue> {
  const headers: Record<string, HeaderValue> = {};
  let at = 0;
  while (at < bytes.length) {
    const nameLength = bytes.readUInt8(at);
    const name = bytes.toString('utf8', at + 1, at + 1 + nameLength);
    at += 1 + nameLength;
    const type = bytes.readUInt8(at);
    at += 1;
    switch (type) {
      case 0:
      case 1:
        headers[name] = type === 0;
        break;
      case 2:
        headers[name] = bytes.readInt8(at);
        at += 1;
        break;
      case 3:
        headers[name] = bytes.readInt16BE(at);
        at += 2;
        break;
      case 4:
        headers[name] = bytes.readInt32BE(at);
        at += 4;
        break;
      case 5:
        headers[name] = bytes.readBigInt64BE(at);
        at += 8;
        break;
      case 6:
      case 7: {
        const length = bytes.readUInt16BE(at);
        const value = bytes.subarray(at + 2, at + 2 + length);
        headers[name] = type === 7 ? value.toString('utf8') : new Uint8Array(value);
        at += 2 + length;
        break;
      }
      case 8:
        headers[name] = new Date(Number(bytes.readBigInt64BE(at)));
        at += 8;
        break;
      case 9:
        headers[name] = new Uint8Array(bytes.subarray(at, at + 16));
        at += 16;
        break;
      default:
        throw corrupt(`unknown header type ${type}`);
    }
  }
  return headers;
}

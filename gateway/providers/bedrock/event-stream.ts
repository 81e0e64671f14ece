/**
 * AWS's `application/vnd.amazon.eventstream` framing, read with AWS's own codec (`@smithy/core`'s
 * EventStreamCodec, which checks both CRCs and parses the typed headers). The codec decodes one whole message, so
 * this only reassembles messages from the TCP chunks they arrive in, by the total length that opens each one.
 */
import { EventStreamCodec, type Message, type MessageHeaderValue } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { ProviderError } from '../../upstream/errors.ts';

export type HeaderValue = MessageHeaderValue['value'];

export interface EventMessage {
  readonly headers: Readonly<Record<string, HeaderValue>>;
  readonly payload: Uint8Array;
}

/** Total length, headers length, prelude CRC32; then headers, payload and the message CRC32. */
const preludeLength = 12;
const minMessageLength = preludeLength + 4;
/** Bedrock's own limit is far lower; this only stops a corrupt length from buffering without end. */
const maxMessageLength = 16 * 1024 * 1024;
const codec = new EventStreamCodec(toUtf8, fromUtf8);

function corrupt(reason: string): ProviderError {
  return new ProviderError('internal', `bedrock sent a malformed event stream: ${reason}`);
}

/** Messages of an event-stream body, as they complete. */
export async function* readEventStream(
  body: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<EventMessage> {
  let buffer: Buffer = Buffer.alloc(0);
  for await (const chunk of body) {
    buffer = Buffer.concat([buffer, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
    while (buffer.length >= preludeLength) {
      const total = buffer.readUInt32BE(0);
      if (total < minMessageLength || total > maxMessageLength) throw corrupt(`message length ${total}`);
      if (buffer.length < total) break;
      yield decodeMessage(buffer.subarray(0, total));
      buffer = buffer.subarray(total);
    }
  }
  if (buffer.length > 0) throw corrupt('the stream ended inside a message');
}

/** One whole message; the codec's own errors (a CRC mismatch, a bad header) become a ProviderError. */
function decodeMessage(bytes: Uint8Array): EventMessage {
  let message: Message;
  try {
    message = codec.decode(bytes);
  } catch (error) {
    throw corrupt(error instanceof Error ? error.message : String(error));
  }
  const headers = Object.entries(message.headers).map(([name, header]) => [name, header.value] as const);
  return { headers: Object.fromEntries(headers), payload: message.body };
}

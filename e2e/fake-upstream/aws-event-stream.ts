import { crc32 } from 'node:zlib';

/**
 * Encodes one AWS event-stream message (`application/vnd.amazon.eventstream`) with string headers, as Bedrock's
 * ConverseStream sends them: prelude (total length, headers length, CRC32), headers, payload, message CRC32.
 */
export function encodeEventMessage(
  headers: Readonly<Record<string, string>>,
  payload: Uint8Array | string,
): Buffer {
  const headerBytes = Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const nameBytes = Buffer.from(name, 'utf8');
      const valueBytes = Buffer.from(value, 'utf8');
      const header = Buffer.alloc(1 + nameBytes.length + 1 + 2 + valueBytes.length);
      header.writeUInt8(nameBytes.length, 0);
      nameBytes.copy(header, 1);
      header.writeUInt8(7, 1 + nameBytes.length);
      header.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
      valueBytes.copy(header, 4 + nameBytes.length);
      return header;
    }),
  );
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const total = 12 + headerBytes.length + body.length + 4;
  const message = Buffer.alloc(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headerBytes.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  headerBytes.copy(message, 12);
  body.copy(message, 12 + headerBytes.length);
  message.writeUInt32BE(crc32(message.subarray(0, total - 4)), total - 4);
  return message;
}

/** A Converse stream event (`:message-type: event`), its JSON payload padded with `p` as Bedrock pads it. */
export function converseEvent(eventType: string, payload: Record<string, unknown>): Buffer {
  return encodeEventMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify({
      ...payload,
      p: 'abcdefghijklmnopqrstuvwxyzABCDEF'.slice(0, 8 + (eventType.length % 8)),
    }),
  );
}

/** A modeled exception mid-stream (`:message-type: exception`), e.g. `throttlingException`. */
export function converseException(exceptionType: string, message: string): Buffer {
  return encodeEventMessage(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    JSON.stringify({ message }),
  );
}

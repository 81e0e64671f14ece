import { randomFillSync } from 'node:crypto';

const idsPerFill = 128;
const random = Buffer.allocUnsafe(16 * idsPerFill);
let next = idsPerFill;
const text = Buffer.allocUnsafe(36);
const hexDigits = Buffer.from('0123456789abcdef', 'latin1');
/** Where each of the 16 bytes goes in `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`. */
const offsets = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
for (const dash of [8, 13, 18, 23]) text[dash] = 0x2d;

/**
 * A version 4 UUID (RFC 9562) from the CSPRNG, written as one flat 36-byte string. `crypto.randomUUID()` costs
 * ~0.6 KB a call: it builds the text by concatenation, a rope V8 keeps as it is, and a spend record holds its
 * ids for seconds (every young-generation collection copies what is still held). Two ids a request.
 */
export function flatUuid(): string {
  if (next === idsPerFill) {
    randomFillSync(random);
    next = 0;
  }
  const start = 16 * next++;
  for (let index = 0; index < 16; index++) {
    let byte = random[start + index] ?? 0;
    if (index === 6) byte = (byte & 0x0f) | 0x40; // version 4
    if (index === 8) byte = (byte & 0x3f) | 0x80; // variant 10
    const at = offsets[index] ?? 0;
    text[at] = hexDigits[byte >> 4] ?? 0;
    text[at + 1] = hexDigits[byte & 0x0f] ?? 0;
  }
  return text.toString('latin1', 0, 36);
}

import { describe, expect, it } from 'vitest';
import { StreamUsageTap } from './stream-usage.ts';

const frame = (chunk: unknown) => `data: ${JSON.stringify(chunk)}\n\n`;
const delta = (content: string) => frame({ choices: [{ index: 0, delta: { content } }] });
const usageChunk = frame({
  choices: [],
  usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
});
const done = 'data: [DONE]\n\n';

/** Feeds `chunks` through a tap and returns everything the client would get. */
function through(tap: StreamUsageTap, chunks: readonly (string | Uint8Array)[]): string {
  const decoder = new TextDecoder();
  let out = '';
  for (const chunk of chunks) {
    const passed = tap.pass(chunk);
    if (passed !== undefined) out += typeof passed === 'string' ? passed : decoder.decode(passed);
  }
  return out + (tap.end() ?? '');
}

describe('usage of a stream', () => {
  it('takes the upstream usage chunk, and hides it when only the gateway asked for it', () => {
    const hiding = new StreamUsageTap(true);
    const out = through(hiding, [delta('hello'), new TextEncoder().encode(usageChunk), done]);
    expect(out).toBe(delta('hello') + done);
    expect(hiding.usage(99)).toEqual({ promptTokens: 7, completionTokens: 3, counted: false });
    const showing = new StreamUsageTap(false);
    expect(through(showing, [delta('hello'), usageChunk, done])).toBe(delta('hello') + usageChunk + done);
  });

  it('keeps every other event when one network read holds the whole stream, usage included', () => {
    const whole = delta('one') + delta(' two') + usageChunk + done;
    const tap = new StreamUsageTap(true);
    expect(through(tap, [whole])).toBe(delta('one') + delta(' two') + done);
    expect(tap.usage(1)).toEqual({ promptTokens: 7, completionTokens: 3, counted: false });
  });

  it('finds events split anywhere across reads, byte by byte', () => {
    const bytes = new TextEncoder().encode(delta('héllo') + usageChunk + done);
    const tap = new StreamUsageTap(true);
    const out = through(
      tap,
      [...bytes].map((byte) => Uint8Array.of(byte)),
    );
    expect(out).toBe(delta('héllo') + done);
    expect(tap.usage(1).counted).toBe(false);
  });

  it('counts the streamed text when the upstream says nothing', () => {
    const tap = new StreamUsageTap(true);
    through(tap, [delta('abcdefgh'), delta('ijk"lmno')]); // an escaped quote counts as two characters
    expect(tap.usage(12)).toEqual({ promptTokens: 12, completionTokens: 5, counted: true });
  });

  it('counts the text of chunks that carry "usage": null, as OpenAI sends them', () => {
    const tap = new StreamUsageTap(true);
    through(tap, [frame({ choices: [{ index: 0, delta: { content: 'abcdefgh' } }], usage: null })]);
    expect(tap.usage(1)).toEqual({ promptTokens: 1, completionTokens: 2, counted: true });
  });

  it('passes a last event without its blank line on at the end', () => {
    const tap = new StreamUsageTap(true);
    expect(through(tap, [delta('x'), 'data: [DONE]'])).toBe(delta('x') + 'data: [DONE]');
  });
});

import { describe, expect, it } from 'vitest';
import { StreamUsageTap } from './stream-usage.ts';

const frame = (chunk: unknown) => `data: ${JSON.stringify(chunk)}\n\n`;
const delta = (content: string) => frame({ choices: [{ index: 0, delta: { content } }] });
const usageChunk = frame({
  choices: [],
  usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
});

describe('usage of a stream', () => {
  it('takes the upstream usage chunk, and hides it when only the gateway asked for it', () => {
    const hiding = new StreamUsageTap(true);
    expect(hiding.see(delta('hello'))).toBe(true);
    expect(hiding.see(new TextEncoder().encode(usageChunk))).toBe(false);
    expect(hiding.see('data: [DONE]\n\n')).toBe(true);
    expect(hiding.usage(99)).toEqual({ promptTokens: 7, completionTokens: 3, counted: false });
    expect(new StreamUsageTap(false).see(usageChunk)).toBe(true);
  });

  it('counts the streamed text when the upstream says nothing', () => {
    const tap = new StreamUsageTap(true);
    tap.see(delta('abcdefgh'));
    tap.see(delta('ijk"lmno')); // an escaped quote does not end the text (it counts as two characters)
    expect(tap.usage(12)).toEqual({ promptTokens: 12, completionTokens: 5, counted: true });
  });

  it('counts the text of chunks that carry "usage": null, as OpenAI sends them', () => {
    const tap = new StreamUsageTap(true);
    tap.see(frame({ choices: [{ index: 0, delta: { content: 'abcdefgh' } }], usage: null }));
    expect(tap.usage(1)).toEqual({ promptTokens: 1, completionTokens: 2, counted: true });
  });
});

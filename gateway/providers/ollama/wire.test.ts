import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../upstream/errors.ts';
import { ollamaAnswerSchema, ollamaEmbedSchema, parseWire, unixSeconds, wireErrorMessage } from './wire.ts';

describe('parseWire', () => {
  it('accepts Ollama answers, keeping fields it does not know', () => {
    const answer = parseWire(
      ollamaAnswerSchema,
      { model: 'llama3.2', response: 'The', done: false, context: [1, 2, 3] },
      'answer',
    );
    expect(answer).toMatchObject({ response: 'The', done: false, context: [1, 2, 3] });
  });

  it('fails like an upstream error on an unexpected shape', () => {
    const attempt = () => parseWire(ollamaEmbedSchema, { embedding: [0.1] }, 'answer');
    expect(attempt).toThrow(ProviderError);
    expect(attempt).toThrow(/unexpected answer \(embeddings: /);
    try {
      attempt();
    } catch (error) {
      expect((error as ProviderError).failure).toBe('internal');
    }
  });
});

describe('wireErrorMessage', () => {
  it('reads a string or an object with a message', () => {
    expect(wireErrorMessage(undefined)).toBeUndefined();
    expect(wireErrorMessage('model crashed')).toBe('model crashed');
    expect(wireErrorMessage({ message: 'boom' })).toBe('boom');
    expect(wireErrorMessage({ code: 1 })).toBe('{"code":1}');
  });
});

describe('unixSeconds', () => {
  it.each([
    ['2023-08-04T19:22:45.499127Z', 1691176965],
    ['2023-08-04T08:52:19.385406455-07:00', 1691164339],
    ['garbage', 0],
    [undefined, 0],
  ])('%s is %d', (createdAt, seconds) => {
    expect(unixSeconds(createdAt)).toBe(seconds);
  });
});

import { describe, expect, it } from 'vitest';
import { ollamaOptions, optionRenames } from './options-table.ts';

describe('optionRenames', () => {
  it.each([
    ['temperature', 'temperature'],
    ['top_p', 'top_p'],
    ['top_k', 'top_k'],
    ['seed', 'seed'],
    ['stop', 'stop'],
    ['max_tokens', 'num_predict'],
    ['max_completion_tokens', 'num_predict'],
    ['frequency_penalty', 'frequency_penalty'],
    ['presence_penalty', 'presence_penalty'],
    ['repeat_penalty', 'repeat_penalty'],
    ['num_ctx', 'num_ctx'],
  ])('sends %s as options.%s', (from, to) => {
    expect(optionRenames[from]).toBe(to);
  });

  it('has no row for parameters Ollama cannot honour', () => {
    for (const name of ['n', 'logprobs', 'logit_bias', 'user', 'tools', 'response_format', 'stream']) {
      expect(optionRenames[name]).toBeUndefined();
    }
  });
});

describe('ollamaOptions', () => {
  const params = { model: 'ollama_chat/llama3.1' };

  it('renames OpenAI sampling parameters and leaves everything else out', () => {
    expect(
      ollamaOptions(
        { temperature: 0.2, top_p: 0.9, seed: 7, max_tokens: 64, n: 2, user: 'u1', logprobs: true },
        params,
      ),
    ).toEqual({ temperature: 0.2, top_p: 0.9, seed: 7, num_predict: 64 });
  });

  it('turns a single stop string into the list Ollama requires', () => {
    expect(ollamaOptions({ stop: '\n' }, params)).toEqual({ stop: ['\n'] });
    expect(ollamaOptions({ stop: ['a', 'b'] }, params)).toEqual({ stop: ['a', 'b'] });
  });

  it('prefers max_completion_tokens over max_tokens', () => {
    expect(ollamaOptions({ max_tokens: 10, max_completion_tokens: 20 }, params)).toEqual({ num_predict: 20 });
  });

  it('takes defaults from litellm_params, the request winning', () => {
    expect(
      ollamaOptions({ temperature: 1 }, { ...params, num_ctx: 8192, temperature: 0, max_tokens: 100 }),
    ).toEqual({ num_ctx: 8192, temperature: 1, num_predict: 100 });
  });

  it('treats null as absent', () => {
    expect(ollamaOptions({ temperature: null, stop: null }, params)).toEqual({});
  });
});

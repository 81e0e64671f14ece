import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import { embeddingList, embedRequest } from './embeddings.ts';
import { ollamaDeployment } from './test-support/deployment.ts';

const deployment = ollamaDeployment({ model: 'all-minilm' });

describe('embedRequest', () => {
  it('sends one text or a list of texts', () => {
    expect(embedRequest({ input: 'Why is the sky blue?' }, deployment)).toEqual({
      model: 'all-minilm',
      input: 'Why is the sky blue?',
    });
    expect(embedRequest({ input: ['a', 'b'], keep_alive: '1m' }, deployment)).toEqual({
      model: 'all-minilm',
      input: ['a', 'b'],
      keep_alive: '1m',
    });
  });

  it('refuses token arrays', () => {
    expect(() => embedRequest({ input: [1, 2, 3] }, deployment)).toThrow(GatewayError);
    expect(() => embedRequest({ input: [[1, 2]] }, deployment)).toThrow(/list of strings/);
  });
});

describe('embeddingList', () => {
  const answer = {
    model: 'all-minilm',
    embeddings: [
      [0.5, -0.25],
      [1, 0],
    ],
    total_duration: 14143917,
    prompt_eval_count: 8,
  };

  it("translates Ollama's vectors with usage", () => {
    expect(embeddingList(answer, {}, 'fallback')).toEqual({
      object: 'list',
      model: 'all-minilm',
      data: [
        { object: 'embedding', index: 0, embedding: [0.5, -0.25] },
        { object: 'embedding', index: 1, embedding: [1, 0] },
      ],
      usage: { prompt_tokens: 8, total_tokens: 8 },
    });
  });

  it('encodes base64 as little-endian float32, as OpenAI does', () => {
    const list = embeddingList(answer, { encoding_format: 'base64' }, 'fallback');
    const encoded = list.data[0]?.embedding;
    expect(typeof encoded).toBe('string');
    const bytes = Buffer.from(encoded as string, 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4)]).toEqual([0.5, -0.25]);
  });

  it('counts no tokens when Ollama reports none', () => {
    expect(embeddingList({ embeddings: [] }, {}, 'm')).toMatchObject({
      model: 'm',
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chatRequestSchema, isValidChatRequest } from './request-schemas.ts';

/** Values near the schema's edges: right and wrong types, empty strings and arrays, nulls. */
const anyScalar = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom('', 'gpt-4o', 'user'),
);
/** Mostly the valid value, so that bodies wrong in one field only (the interesting ones) are common. */
const mostly = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 5, arbitrary: valid },
    { weight: 1, arbitrary: anyScalar },
    { weight: 1, arbitrary: fc.array(anyScalar, { maxLength: 2 }) },
  );
const message = fc.record(
  { role: mostly(fc.constantFrom('user', 'system', '')), content: anyScalar },
  { requiredKeys: [] },
);
const chatBody = fc.record(
  {
    model: mostly(fc.constantFrom('gpt-4o', '')),
    messages: mostly(fc.array(mostly(message), { maxLength: 3 })),
    stream: mostly(fc.boolean()),
    fallbacks: mostly(fc.array(mostly(fc.string()), { maxLength: 2 })),
    max_tokens: anyScalar,
  },
  { requiredKeys: [] },
);

describe('isValidChatRequest', () => {
  it('accepts exactly what chatRequestSchema accepts', () => {
    fc.assert(
      fc.property(fc.oneof(chatBody, anyScalar, fc.array(anyScalar)), (body) => {
        expect(isValidChatRequest(body)).toBe(chatRequestSchema.safeParse(body).success);
      }),
      { numRuns: 5000, seed: 7 },
    );
  });

  it('accepts the bodies clients send', () => {
    const body = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
      ],
      stream: true,
      stream_options: { include_usage: true },
      fallbacks: ['claude-sonnet'],
    };
    expect(isValidChatRequest(body)).toBe(true);
    expect(isValidChatRequest({ ...body, messages: [] })).toBe(false);
    expect(isValidChatRequest({ ...body, stream: 'yes' })).toBe(false);
    expect(isValidChatRequest({ ...body, fallbacks: [1] })).toBe(false);
  });
});

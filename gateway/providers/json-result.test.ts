import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawJsonResult, usageOf } from './json-result.ts';

/** Strings that stress the scanner: quotes, escapes, brackets and the key's own name inside text. */
const trickyText = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'usage',
    '"usage":',
    '\\',
    '\\"',
    '{"usage":1}',
    '}]',
    '[{',
    ',"usage":{"total_tokens":9}}',
  ),
);
const leaf = fc.oneof(
  trickyText,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(trickyText, fc.constant('usage')), tie('value'), { maxKeys: 3 }),
  ),
})).value;
const answer = fc.record(
  {
    id: trickyText,
    choices: fc.array(fc.record({ message: fc.record({ content: trickyText }), usage: value }), {
      maxLength: 2,
    }),
    usage: fc.oneof(
      value,
      fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat(), total_tokens: fc.nat() }),
    ),
    extra: value,
  },
  { requiredKeys: [] },
);

describe('rawJsonResult', () => {
  it('finds the same top-level usage as parsing the whole text, compact or indented', () => {
    fc.assert(
      fc.property(answer, fc.constantFrom(undefined, 2), (object, indent) => {
        const raw = JSON.stringify(object, null, indent);
        const result = rawJsonResult(raw);
        const parsed = JSON.parse(raw) as { usage?: unknown };
        expect(usageOf(result)).toEqual(parsed.usage);
        expect(result.raw).toBe(raw);
        expect(result.body).toEqual(parsed);
      }),
      { numRuns: 2000 },
    );
  });

  it('parses the body only when it is read', () => {
    const raw = '{"id":"x","usage":{"total_tokens":3}}';
    const result = rawJsonResult(raw);
    expect(Object.getOwnPropertyDescriptor(result, 'body')).toBeUndefined();
    expect(usageOf(result)).toEqual({ total_tokens: 3 });
    expect(result.body).toBe(result.body);
  });

  it('has no usage when only a nested object or a string holds the word', () => {
    const raw = '{"choices":[{"usage":{"total_tokens":5}}],"note":"\\"usage\\":{\\"total_tokens\\":7}"}';
    expect(usageOf(rawJsonResult(raw))).toBeUndefined();
  });

  it('fails as JSON.parse does on text that is not one JSON object', () => {
    for (const raw of [
      '<html>bad gateway</html>',
      '{"usage":{"total_tokens":3}',
      '{"a":"open}',
      '{} {}',
      '',
    ]) {
      expect(() => rawJsonResult(raw), raw).toThrow(SyntaxError);
    }
  });
});

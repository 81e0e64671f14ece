import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import { commonFields, formatOf, includeUsage } from './common-fields.ts';
import { ollamaDeployment } from './test-support/deployment.ts';

describe('commonFields', () => {
  it('always says whether to stream, since Ollama streams by default', () => {
    expect(commonFields({}, ollamaDeployment())).toEqual({ model: 'llama3.1', stream: false });
    expect(commonFields({ stream: true }, ollamaDeployment())).toEqual({ model: 'llama3.1', stream: true });
  });

  it('carries options, format and keep_alive when there are some', () => {
    expect(
      commonFields(
        { temperature: 0, response_format: { type: 'json_object' } },
        ollamaDeployment({ params: { keep_alive: '10m' } }),
      ),
    ).toEqual({
      model: 'llama3.1',
      stream: false,
      format: 'json',
      options: { temperature: 0 },
      keep_alive: '10m',
    });
  });

  it("prefers the request's keep_alive to the deployment's", () => {
    expect(
      commonFields({ keep_alive: -1 }, ollamaDeployment({ params: { keep_alive: '10m' } })).keep_alive,
    ).toBe(-1);
  });
});

describe('formatOf', () => {
  const schema = { type: 'object', properties: { age: { type: 'integer' } }, required: ['age'] };

  it.each([
    [undefined, undefined],
    [{ type: 'text' }, undefined],
    [{ type: 'json_object' }, 'json'],
    [{ type: 'json_schema', json_schema: { name: 'person', schema, strict: true } }, schema],
  ])('%j becomes %j', (responseFormat, format) => {
    expect(formatOf(responseFormat)).toEqual(format);
  });

  it('refuses a json_schema without a schema, and unknown types', () => {
    expect(() => formatOf({ type: 'json_schema', json_schema: { name: 'x' } })).toThrow(GatewayError);
    expect(() => formatOf({ type: 'grammar' })).toThrow(/not supported/);
  });
});

describe('includeUsage', () => {
  it('reads stream_options.include_usage', () => {
    expect(includeUsage({ stream_options: { include_usage: true } })).toBe(true);
    expect(includeUsage({ stream_options: {} })).toBe(false);
    expect(includeUsage({})).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../errors.ts';
import { classifyStatus, parseRetryAfter, ProviderError, toClientError } from './errors.ts';

describe('classifying upstream failures', () => {
  it.each([
    [400, 'Invalid value for temperature', undefined, 'bad_request'],
    [400, "This model's maximum context length is 8192 tokens", 'context_length_exceeded', 'context_window'],
    [400, 'prompt is too long: 210000 tokens > 200000 maximum', 'invalid_request_error', 'context_window'],
    [
      400,
      'The response was filtered due to the prompt triggering content management policy',
      'content_filter',
      'content_policy',
    ],
    [401, 'bad key', undefined, 'auth'],
    [403, 'forbidden', undefined, 'auth'],
    [404, 'no such model', undefined, 'not_found'],
    [408, 'timeout', undefined, 'timeout'],
    [429, 'slow down', undefined, 'rate_limit'],
    [500, 'boom', undefined, 'internal'],
    [529, 'Overloaded', 'overloaded_error', 'internal'],
  ] as const)('%i %s', (status, message, code, expected) => {
    expect(classifyStatus(status, message, code)).toBe(expected);
  });

  it('reads Retry-After in seconds, as a date, and retry-after-ms', () => {
    expect(parseRetryAfter({ 'retry-after': '3' })).toBe(3_000);
    expect(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '3' })).toBe(250);
    expect(parseRetryAfter({ 'retry-after': new Date(10_000).toUTCString() }, 4_000)).toBe(6_000);
    expect(parseRetryAfter({})).toBeUndefined();
  });

  it('maps to the status the client sees', () => {
    expect(toClientError(new ProviderError('internal', 'x', { status: 500 })).status).toBe(502);
    expect(toClientError(new ProviderError('internal', 'x')).status).toBe(502);
    expect(toClientError(new ProviderError('internal', 'x', { status: 503 })).status).toBe(503);
    expect(toClientError(new ProviderError('timeout', 'x', { status: 504 })).status).toBe(504);
    expect(
      toClientError(new ProviderError('rate_limit', 'x', { status: 429, retryAfterMs: 1_500 })).headers[
        'retry-after'
      ],
    ).toBe('2');
    expect(toClientError(new ProviderError('auth', 'x', { status: 401 })).type).toBe('authentication_error');
  });

  it('never passes on anything that looks like a key', () => {
    expect(scrubSecrets('Incorrect API key provided: sk-proj-abc123def456. Find yours at ...')).toBe(
      'Incorrect API key provided: sk-***. Find yours at ...',
    );
    expect(new ProviderError('auth', 'bad key sk-ant-api03-xyzxyzxyz').message).toBe('bad key sk-***');
  });
});

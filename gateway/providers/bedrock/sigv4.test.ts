import { describe, expect, it } from 'vitest';
import { checkSigV4 } from '../../../e2e/fake-upstream/aws-sigv4-check.ts';
import { signRequest } from './sigv4.ts';

/** The credentials and clock of AWS's SigV4 test suite (aws-sig-v4-test-suite). */
const suite = {
  region: 'us-east-1',
  service: 'service',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  now: new Date('2015-08-30T12:36:00Z'),
};
const prefix =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=';

describe("signRequest (AWS's signer) against the AWS SigV4 test suite", () => {
  it.each([
    [
      'get-vanilla',
      'GET',
      'https://example.amazonaws.com/',
      '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    ],
    [
      'get-vanilla-query-order-key-case',
      'GET',
      'https://example.amazonaws.com/?Param2=value2&Param1=value1',
      'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    ],
    [
      'post-vanilla',
      'POST',
      'https://example.amazonaws.com/',
      '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    ],
  ])('%s', async (_name, method, url, signature) => {
    const signed = await signRequest({ ...suite, method, url: new URL(url), headers: {}, body: '' });
    expect(signed).toEqual({ 'x-amz-date': '20150830T123600Z', authorization: prefix + signature });
  });

  it('signs the session token and the content type when given', async () => {
    const signed = await signRequest({
      ...suite,
      credentials: { ...suite.credentials, sessionToken: 'session-token' },
      method: 'POST',
      url: new URL('https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse'),
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(signed['x-amz-security-token']).toBe('session-token');
    expect(signed.authorization).toContain(
      'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,',
    );
  });

  it('double-encodes the path as sent, as every service but S3 wants, which an independent check accepts', async () => {
    const url = new URL(
      'https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse',
    );
    const headers = { 'content-type': 'application/json' };
    const request = (signed: Record<string, string>) => ({
      method: 'POST',
      path: url.pathname,
      headers: { ...headers, ...signed, host: url.host },
      body: '{}',
    });
    const secrets = new Map([[suite.credentials.accessKeyId, suite.credentials.secretAccessKey]]);
    const scope = { region: 'us-east-1', service: 'bedrock' };
    const signed = await signRequest({ ...suite, ...scope, method: 'POST', url, headers, body: '{}' });
    expect(checkSigV4(request(signed), secrets, scope)).toBeUndefined();
    const tampered = { ...request(signed), path: url.pathname.replace('%3A', ':') };
    expect(checkSigV4(tampered, secrets, scope)?.type).toBe('InvalidSignatureException');
  });
});

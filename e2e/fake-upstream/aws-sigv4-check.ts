import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Checks an `AWS4-HMAC-SHA256` Authorization header the way AWS does, independently of the gateway's signer:
 * rebuilds the canonical request from what arrived (path doubly encoded, sorted query, the signed headers' values)
 * and compares signatures. Answers undefined when it holds, else the AWS error type and message.
 */
export function checkSigV4(
  request: { method: string; path: string; headers: IncomingHttpHeaders; body: string },
  secrets: ReadonlyMap<string, string>,
  expected: { region: string; service: string },
): { type: string; message: string } | undefined {
  const header = first(request.headers.authorization);
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      header,
    );
  if (match === null)
    return {
      type: 'IncompleteSignatureException',
      message: `Authorization header requires 'Credential' parameter.`,
    };
  const [, keyId = '', day = '', region = '', service = '', signedHeaders = '', signature = ''] = match;
  const secret = secrets.get(keyId);
  if (secret === undefined)
    return {
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  if (region !== expected.region || service !== expected.service)
    return {
      type: 'InvalidSignatureException',
      message: `Credential should be scoped to a valid region and service (${expected.region}/${expected.service}).`,
    };
  const date = first(request.headers['x-amz-date']);
  if (!date.startsWith(day))
    return { type: 'InvalidSignatureException', message: 'Date in Credential scope does not match.' };
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date'))
    return { type: 'InvalidSignatureException', message: "'Host' and 'X-Amz-Date' must be signed." };
  const [rawPath = '/', rawQuery = ''] = request.path.split('?');
  const canonicalPath = rawPath
    .split('/')
    .map((segment) => encode(segment))
    .join('/');
  const query = [...new URLSearchParams(rawQuery).entries()]
    .map(([key, value]) => `${encode(key)}=${encode(value)}`)
    .sort()
    .join('&');
  const canonicalHeaders = names
    .map((name) => `${name}:${first(request.headers[name]).trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const hash = (data: string) => createHash('sha256').update(data).digest('hex');
  const canonical = [
    request.method,
    canonicalPath,
    query,
    canonicalHeaders,
    signedHeaders,
    hash(request.body),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${date}\n${scope}\n${hash(canonical)}`;
  const mac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const key = mac(mac(mac(mac(`AWS4${secret}`, day), region), service), 'aws4_request');
  if (mac(key, toSign).toString('hex') !== signature)
    return {
      type: 'InvalidSignatureException',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    };
  return undefined;
}

function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function first(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

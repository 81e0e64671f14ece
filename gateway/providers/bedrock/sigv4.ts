/**
 * AWS Signature Version 4 for request headers (`Authorization: AWS4-HMAC-SHA256 ...`), written against AWS's
 * published description and checked with its test suite's vectors. Only what Bedrock needs: header signing of a
 * request with a JSON body.
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface SignInput {
  readonly method: string;
  /** The URL as it is sent: its path already percent-encoded once (`%3A` for the `:` of a model id). */
  readonly url: URL;
  /** Headers to sign besides `host` and `x-amz-date` (e.g. `content-type`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  readonly now: Date;
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 encoding as SigV4 wants it: unreserved characters kept, everything else `%XX` in upper case. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Each segment of the path as sent, encoded again: every service but S3 signs the doubly encoded path, so the
 * `%3A` of a Bedrock model id is signed as `%253A`.
 */
export function canonicalUri(pathname: string): string {
  if (pathname === '') return '/';
  return pathname.split('/').map(uriEncode).join('/');
}

export function canonicalQuery(search: URLSearchParams): string {
  return [...search.entries()]
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** `20150830T123600Z`. */
export function amzDate(now: Date): string {
  return now.toISOString().replace(/[:-]|\.\d{3}/g, '');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

export interface Signature {
  /** Headers to send as they are: `authorization`, `x-amz-date`, and `x-amz-security-token` with a session. */
  readonly headers: Record<string, string>;
  readonly canonicalRequest: string;
  readonly stringToSign: string;
}

export function signRequest(input: SignInput): Signature {
  const date = amzDate(input.now);
  const added: Record<string, string> = { 'x-amz-date': date };
  if (input.credentials.sessionToken !== undefined)
    added['x-amz-security-token'] = input.credentials.sessionToken;
  const signed = new Map<string, string>();
  for (const [name, value] of Object.entries({ ...input.headers, ...added, host: input.url.host }))
    signed.set(name.toLowerCase(), value.trim().replace(/\s+/g, ' '));
  const names = [...signed.keys()].sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(input.url.pathname),
    canonicalQuery(input.url.searchParams),
    names.map((name) => `${name}:${signed.get(name) ?? ''}\n`).join(''),
    signedHeaders,
    sha256Hex(input.body),
  ].join('\n');
  const day = date.slice(0, 8);
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac(
    'sha256',
    signingKey(input.credentials.secretAccessKey, day, input.region, input.service),
  )
    .update(stringToSign, 'utf8')
    .digest('hex');
  return {
    headers: {
      ...added,
      authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    },
    canonicalRequest,
    stringToSign,
  };
}

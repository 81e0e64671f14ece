/**
 * AWS Signature Version 4 header signing (`Authorization: AWS4-HMAC-SHA256 ...`) through AWS's own signer,
 * `@smithy/signature-v4`, the one the AWS SDK for JavaScript uses: canonicalisation is where signers go wrong, so
 * it is left to the code AWS maintains.
 */
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';

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

/** Repeated query keys become lists, the shape the signer sorts and encodes. */
function queryOf(search: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of search) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

/**
 * The headers to send beside the given ones: `authorization`, `x-amz-date`, and `x-amz-security-token` with a
 * session. The path is signed doubly encoded (the signer's default, what every service but S3 wants), so the
 * `%3A` of a model id is signed as `%253A`.
 */
export async function signRequest(input: SignInput): Promise<Record<string, string>> {
  const { accessKeyId, secretAccessKey, sessionToken } = input.credentials;
  const signer = new SignatureV4({
    service: input.service,
    region: input.region,
    credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) },
    sha256: Hash.bind(null, 'sha256'),
    // `x-amz-content-sha256` is for S3 and Glacier; Bedrock signs without it, as AWS's test suite does.
    applyChecksum: false,
  });
  const given = { ...input.headers, host: input.url.host };
  const signed = await signer.sign(
    {
      method: input.method.toUpperCase(),
      protocol: input.url.protocol,
      hostname: input.url.hostname,
      ...(input.url.port === '' ? {} : { port: Number(input.url.port) }),
      path: input.url.pathname,
      query: queryOf(input.url.searchParams),
      headers: given,
      body: input.body,
    },
    { signingDate: input.now },
  );
  return Object.fromEntries(Object.entries(signed.headers).filter(([name]) => !Object.hasOwn(given, name)));
}

import { ProviderError } from '../../upstream/errors.ts';
import type { UpstreamHttp } from '../../upstream/http.ts';
import { asRecord, parseJson } from '../json.ts';
import type { GoogleCredentials } from './credentials.ts';
import { signJwtRs256 } from './jwt.ts';

export const cloudPlatformScope = 'https://www.googleapis.com/auth/cloud-platform';
const jwtBearerGrant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Refresh this long before expiry, so no call starts with a token about to lapse. */
export const refreshMarginMs = 5 * 60_000;
const assertionLifetimeS = 3600;

export interface AccessToken {
  readonly token: string;
  readonly expiresAt: number;
}

export interface TokenSourceOptions {
  readonly http: UpstreamHttp;
  /** `GCE_METADATA_HOST` (google-auth's variable), for the metadata server when no credentials are given. */
  readonly metadataHost: string;
  readonly now?: () => number;
}

/** Gets access tokens for one identity; `token()` answers from the cache until the refresh margin. */
export interface TokenSource {
  token(): Promise<string>;
}

/** A refresh is shared by concurrent calls, so it has its own deadline rather than one caller's signal. */
const tokenTimeoutMs = 30_000;

/**
 * Access tokens for a service account (a signed JWT exchanged at its `token_uri`), an authorized user (its
 * refresh token), or, with no credentials, the GCE/GKE metadata server (workload identity on GKE). Concurrent
 * callers share one refresh.
 */
export function createTokenSource(
  credentials: GoogleCredentials | undefined,
  options: TokenSourceOptions,
): TokenSource {
  const now = options.now ?? Date.now;
  let cached: AccessToken | undefined;
  let pending: Promise<AccessToken> | undefined;
  const fetchToken = (signal: AbortSignal): Promise<AccessToken> => {
    if (credentials === undefined) return metadataToken(options, now, signal);
    return exchange(credentials, options.http, now, signal);
  };
  return {
    async token() {
      if (cached !== undefined && cached.expiresAt - refreshMarginMs > now()) return cached.token;
      pending ??= fetchToken(AbortSignal.timeout(tokenTimeoutMs)).finally(() => {
        pending = undefined;
      });
      cached = await pending;
      return cached.token;
    },
  };
}

async function exchange(
  credentials: GoogleCredentials,
  http: UpstreamHttp,
  now: () => number,
  signal: AbortSignal,
): Promise<AccessToken> {
  const form = new URLSearchParams();
  if (credentials.type === 'service_account') {
    const iat = Math.floor(now() / 1000);
    const claims = {
      iss: credentials.clientEmail,
      scope: cloudPlatformScope,
      aud: credentials.tokenUri,
      iat,
      exp: iat + assertionLifetimeS,
    };
    form.set('grant_type', jwtBearerGrant);
    form.set('assertion', signJwtRs256(claims, credentials.privateKey, credentials.privateKeyId));
  } else {
    form.set('grant_type', 'refresh_token');
    form.set('client_id', credentials.clientId);
    form.set('client_secret', credentials.clientSecret);
    form.set('refresh_token', credentials.refreshToken);
  }
  const started = now();
  const response = await http.request({
    url: credentials.tokenUri,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    signal,
    tls: { verify: true, caFile: undefined },
    idleTimeoutMs: tokenTimeoutMs,
  });
  return tokenFrom(response.status, await response.body.text(), started, new URL(credentials.tokenUri).host);
}

async function metadataToken(
  options: TokenSourceOptions,
  now: () => number,
  signal: AbortSignal,
): Promise<AccessToken> {
  const started = now();
  const response = await options.http.request({
    url: `http://${options.metadataHost}/computeMetadata/v1/instance/service-accounts/default/token`,
    method: 'GET',
    headers: { 'metadata-flavor': 'Google' },
    signal,
    tls: { verify: true, caFile: undefined },
    idleTimeoutMs: tokenTimeoutMs,
  });
  return tokenFrom(response.status, await response.body.text(), started, options.metadataHost);
}

/** `{"access_token","expires_in","token_type"}`, or the endpoint's `{"error","error_description"}` as an auth failure. */
function tokenFrom(status: number, text: string, started: number, host: string): AccessToken {
  const body = asRecord(parseJson(text));
  const token = body?.access_token;
  const expiresIn = body?.expires_in;
  if (status < 400 && typeof token === 'string' && typeof expiresIn === 'number')
    return { token, expiresAt: started + expiresIn * 1000 };
  const reason = [body?.error, body?.error_description].filter((part) => typeof part === 'string').join(': ');
  const message = `cannot get a Google access token from ${host} (${status})${reason === '' ? '' : `: ${reason}`}`;
  // A refused credential is the deployment's auth failure; a token endpoint down or throttled is a server one.
  const refused = status >= 400 && status < 500 && status !== 429;
  throw new ProviderError(refused ? 'auth' : 'internal', message, { status: refused ? 401 : 502 });
}

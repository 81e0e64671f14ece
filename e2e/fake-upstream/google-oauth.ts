import { createVerify, type KeyObject } from 'node:crypto';
import { sendJson, type Protocol } from './server.ts';

export interface GoogleOAuthOptions {
  /** The service account's public key: assertions must be signed by its private key. */
  readonly publicKey: KeyObject | string;
  readonly clientEmail: string;
  /** Lifetime of the tokens it issues (Google's is 3599 s). */
  readonly expiresInS?: number;
}

export interface GoogleOAuth {
  /** The token endpoint (`POST /token`) and the metadata server's token path (`GET /computeMetadata/...`). */
  readonly protocol: Protocol;
  /** Tokens issued so far, in order, with where they came from. */
  readonly issued: { token: string; via: 'jwt-bearer' | 'metadata' }[];
  /** Whether a bearer token was issued here and has not expired. */
  readonly accepts: (token: string) => boolean;
}

const metadataPath = '/computeMetadata/v1/instance/service-accounts/default/token';

/**
 * Google's OAuth 2.0 token endpoint for service accounts (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
 * the assertion a JWT signed RS256, verified here against the account's public key, with `iss`, `aud`, `scope`,
 * `iat`, `exp` checked), and the GCE metadata server's token (header `Metadata-Flavor: Google` required). Errors
 * are Google's `{"error","error_description"}`.
 */
export function googleOAuth(options: GoogleOAuthOptions): GoogleOAuth {
  const issued: GoogleOAuth['issued'] = [];
  const expiries = new Map<string, number>();
  const expiresIn = options.expiresInS ?? 3599;
  const issue = (via: 'jwt-bearer' | 'metadata') => {
    const token = `ya29.fake-${via}-${String(issued.length + 1)}`;
    issued.push({ token, via });
    expiries.set(token, Date.now() + expiresIn * 1000);
    return { access_token: token, expires_in: expiresIn, token_type: 'Bearer' };
  };
  const protocol: Protocol = {
    matches: (method, path) =>
      (method === 'POST' && path === '/token') || (method === 'GET' && path === metadataPath),
    answer: ({ request, response }) => {
      if (request.method === 'GET') {
        if (request.headers['metadata-flavor'] !== 'Google') {
          response
            .writeHead(403, { 'content-type': 'text/html' })
            .end('Missing Metadata-Flavor:Google header.');
          return Promise.resolve();
        }
        sendJson(response, 200, issue('metadata'));
        return Promise.resolve();
      }
      const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
      if (request.headers['content-type'] !== 'application/x-www-form-urlencoded') {
        sendJson(response, 400, { error: 'invalid_request', error_description: 'Bad Request' });
        return Promise.resolve();
      }
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        sendJson(response, 400, {
          error: 'unsupported_grant_type',
          error_description: 'Invalid grant_type.',
        });
        return Promise.resolve();
      }
      const problem = checkAssertion(
        form.get('assertion') ?? '',
        options,
        `${hostOf(request.headers.host)}/token`,
      );
      if (problem !== undefined) {
        sendJson(response, 400, { error: 'invalid_grant', error_description: problem });
        return Promise.resolve();
      }
      sendJson(response, 200, issue('jwt-bearer'));
      return Promise.resolve();
    },
    sendError: (response, status, message) => {
      sendJson(response, status, { error: 'internal_failure', error_description: message });
    },
  };
  return {
    protocol,
    issued,
    accepts: (token) => (expiries.get(token) ?? 0) > Date.now(),
  };
}

function hostOf(value: string | undefined): string {
  return `http://${value ?? ''}`;
}

function checkAssertion(jwt: string, options: GoogleOAuthOptions, audience: string): string | undefined {
  const [header = '', claims = '', signature = ''] = jwt.split('.');
  let parsedHeader: Record<string, unknown>;
  let parsedClaims: Record<string, unknown>;
  try {
    parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
    parsedClaims = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.';
  }
  if (parsedHeader.alg !== 'RS256') return 'Invalid JWT: unsupported signing algorithm.';
  const valid = createVerify('RSA-SHA256')
    .update(`${header}.${claims}`)
    .verify(options.publicKey, Buffer.from(signature, 'base64url'));
  if (!valid) return 'Invalid JWT Signature.';
  if (parsedClaims.iss !== options.clientEmail) return 'Invalid JWT: unknown issuer.';
  if (parsedClaims.aud !== audience) return `Invalid JWT: aud must be ${audience}.`;
  if (parsedClaims.scope !== 'https://www.googleapis.com/auth/cloud-platform') return 'Invalid OAuth scope.';
  const now = Math.floor(Date.now() / 1000);
  const { iat, exp } = parsedClaims;
  if (typeof iat !== 'number' || typeof exp !== 'number' || exp <= now || iat > now + 60 || exp - iat > 3600)
    return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.';
  return undefined;
}

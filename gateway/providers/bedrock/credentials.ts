import { readFileSync } from 'node:fs';
import { ProviderError } from '../../upstream/errors.ts';
import type { UpstreamHttp } from '../../upstream/http.ts';
import { envValue, type Env } from '../env.ts';
import type { Deployment } from '../types.ts';
import { credential } from '../upstream-call.ts';
import type { AwsCredentials } from './sigv4.ts';

/** LiteLLM's default when neither `aws_region_name` nor the environment names a region. */
export const defaultAwsRegion = 'us-west-2';
/** Assumed-role credentials are renewed this long before they expire. */
const refreshMarginMs = 5 * 60_000;

function param(deployment: Deployment, name: string): string | undefined {
  const value = (deployment.params as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function awsRegion(deployment: Deployment, env: Env): string {
  return (
    param(deployment, 'aws_region_name') ??
    envValue(env, ['AWS_REGION_NAME', 'AWS_REGION', 'AWS_DEFAULT_REGION']) ??
    defaultAwsRegion
  );
}

/** A web identity (an OIDC token) to exchange for a role's credentials: IRSA on EKS, or LiteLLM's params. */
interface WebIdentity {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly token: () => string;
}

/**
 * Where a deployment's AWS credentials come from, in LiteLLM's order: `aws_access_key_id` /
 * `aws_secret_access_key` / `aws_session_token` in litellm_params; `aws_role_name` with `aws_web_identity_token`;
 * `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`; `AWS_ROLE_ARN` with
 * `AWS_WEB_IDENTITY_TOKEN_FILE` (IRSA). Static keys are read at every call, so rotated files are seen.
 */
export function credentialSource(
  deployment: Deployment,
  env: Env,
): { kind: 'static'; credentials: AwsCredentials } | { kind: 'web-identity'; identity: WebIdentity } {
  const accessKeyId = param(deployment, 'aws_access_key_id');
  const secretAccessKey = credential(deployment, 'aws_secret_access_key');
  if (accessKeyId !== undefined && secretAccessKey !== undefined)
    return {
      kind: 'static',
      credentials: {
        accessKeyId,
        secretAccessKey,
        sessionToken: credential(deployment, 'aws_session_token'),
      },
    };
  const roleName = param(deployment, 'aws_role_name');
  const webToken = credential(deployment, 'aws_web_identity_token');
  if (roleName !== undefined && webToken !== undefined)
    return {
      kind: 'web-identity',
      identity: {
        roleArn: roleName,
        sessionName: param(deployment, 'aws_session_name') ?? 'switchyard',
        token: () => webToken,
      },
    };
  const envKey = envValue(env, ['AWS_ACCESS_KEY_ID']);
  const envSecret = envValue(env, ['AWS_SECRET_ACCESS_KEY']);
  if (envKey !== undefined && envSecret !== undefined)
    return {
      kind: 'static',
      credentials: {
        accessKeyId: envKey,
        secretAccessKey: envSecret,
        sessionToken: envValue(env, ['AWS_SESSION_TOKEN']),
      },
    };
  const roleArn = envValue(env, ['AWS_ROLE_ARN']);
  const tokenFile = envValue(env, ['AWS_WEB_IDENTITY_TOKEN_FILE']);
  if (roleArn !== undefined && tokenFile !== undefined)
    return {
      kind: 'web-identity',
      identity: {
        roleArn,
        sessionName: envValue(env, ['AWS_ROLE_SESSION_NAME']) ?? 'switchyard',
        // EKS rotates the projected token file: it is read at every exchange.
        token: () => readFileSync(tokenFile, 'utf8').trim(),
      },
    };
  throw new ProviderError(
    'auth',
    'bedrock needs AWS credentials: aws_access_key_id and aws_secret_access_key in litellm_params, ' +
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a web identity (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE)',
    { status: 401 },
  );
}

interface CachedRole {
  readonly credentials: AwsCredentials;
  readonly expiresAt: number;
}

function xmlValue(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

/**
 * Assumed-role credentials for web identities, from STS `AssumeRoleWithWebIdentity` (an unsigned call: the OIDC
 * token is the proof), cached per role and session until shortly before they expire.
 */
export function createRoleCache(now: () => number = Date.now) {
  const cache = new Map<string, CachedRole>();
  const pending = new Map<string, Promise<CachedRole>>();
  return async function assume(
    identity: WebIdentity,
    region: string,
    http: UpstreamHttp,
    env: Env,
  ): Promise<AwsCredentials> {
    const endpoint = envValue(env, ['AWS_ENDPOINT_URL_STS']) ?? `https://sts.${region}.amazonaws.com`;
    const key = `${endpoint}|${identity.roleArn}|${identity.sessionName}`;
    const cached = cache.get(key);
    if (cached !== undefined && cached.expiresAt - refreshMarginMs > now()) return cached.credentials;
    let inFlight = pending.get(key);
    if (inFlight === undefined) {
      inFlight = exchange(identity, endpoint, http).finally(() => pending.delete(key));
      pending.set(key, inFlight);
    }
    const fresh = await inFlight;
    cache.set(key, fresh);
    return fresh.credentials;
  };
}

async function exchange(identity: WebIdentity, endpoint: string, http: UpstreamHttp): Promise<CachedRole> {
  const form = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: identity.roleArn,
    RoleSessionName: identity.sessionName,
    WebIdentityToken: identity.token(),
  });
  const response = await http.request({
    url: endpoint.endsWith('/') ? endpoint : `${endpoint}/`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    signal: AbortSignal.timeout(30_000),
    tls: { verify: true, caFile: undefined },
    idleTimeoutMs: 30_000,
  });
  const xml = await response.body.text();
  const accessKeyId = xmlValue(xml, 'AccessKeyId');
  const secretAccessKey = xmlValue(xml, 'SecretAccessKey');
  const sessionToken = xmlValue(xml, 'SessionToken');
  const expiration = Date.parse(xmlValue(xml, 'Expiration') ?? '');
  if (
    response.status >= 400 ||
    accessKeyId === undefined ||
    secretAccessKey === undefined ||
    Number.isNaN(expiration)
  ) {
    const detail = [xmlValue(xml, 'Code'), xmlValue(xml, 'Message')]
      .filter((part) => part !== undefined)
      .join(': ');
    throw new ProviderError(
      'auth',
      `cannot assume ${identity.roleArn} with a web identity (${response.status})${detail === '' ? '' : `: ${detail}`}`,
      {
        status: 401,
      },
    );
  }
  return { credentials: { accessKeyId, secretAccessKey, sessionToken }, expiresAt: expiration };
}

import { createHash } from 'node:crypto';
import { ProviderError } from '../../upstream/errors.ts';
import { envValue, type Env } from '../env.ts';
import type { Deployment } from '../types.ts';
import { readCredentials, type GoogleCredentials } from './credentials.ts';

/** Where and as whom a Vertex AI deployment calls. */
export interface VertexSettings {
  readonly project: string;
  readonly location: string;
  /** Undefined: the metadata server's identity (GCE, GKE workload identity). */
  readonly credentials: GoogleCredentials | undefined;
  /** Identifies the identity for the token cache, without holding the secret. */
  readonly identity: string;
}

export const defaultVertexLocation = 'us-central1';

function param(deployment: Deployment, names: readonly string[]): unknown {
  const params = deployment.params as Record<string, unknown>;
  for (const name of names) {
    const value = params[name];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}

/**
 * LiteLLM's order: `vertex_project`/`vertex_ai_project`, then `VERTEXAI_PROJECT` (then the project of the
 * credentials); `vertex_location`, then `VERTEXAI_LOCATION`, then us-central1; `vertex_credentials`, then
 * `VERTEXAI_CREDENTIALS`, then `GOOGLE_APPLICATION_CREDENTIALS` (a path), else the metadata server.
 */
export function vertexSettings(deployment: Deployment, env: Env): VertexSettings {
  const source =
    param(deployment, ['vertex_credentials', 'vertex_ai_credentials']) ??
    envValue(env, ['VERTEXAI_CREDENTIALS', 'VERTEX_CREDENTIALS', 'GOOGLE_APPLICATION_CREDENTIALS']);
  const parsed = source === undefined ? undefined : cachedCredentials(source);
  const credentials = parsed?.credentials;
  const project =
    asText(param(deployment, ['vertex_project', 'vertex_ai_project'])) ??
    envValue(env, ['VERTEXAI_PROJECT', 'VERTEX_PROJECT', 'GOOGLE_CLOUD_PROJECT']) ??
    credentials?.projectId;
  if (project === undefined)
    throw new ProviderError(
      'bad_request',
      'vertex_ai needs litellm_params.vertex_project (or VERTEXAI_PROJECT, or a project_id in the credentials)',
      { status: 400 },
    );
  const location =
    asText(param(deployment, ['vertex_location', 'vertex_ai_location'])) ??
    envValue(env, ['VERTEXAI_LOCATION', 'VERTEX_LOCATION']) ??
    defaultVertexLocation;
  return { project, location, credentials, identity: parsed?.identity ?? 'metadata' };
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A key file is re-read this often (a mounted Secret may rotate); a JSON value is parsed once. */
const rereadAfterMs = 5_000;
const parsedCredentials = new Map<
  unknown,
  { credentials: GoogleCredentials; identity: string; readAt: number }
>();

/** Credentials of a `vertex_credentials` value, without reading and parsing (and hashing) it at every call. */
function cachedCredentials(source: unknown): { credentials: GoogleCredentials; identity: string } {
  const isPath = typeof source === 'string' && !source.trim().startsWith('{');
  const cached = parsedCredentials.get(source);
  if (cached !== undefined && (!isPath || Date.now() - cached.readAt < rereadAfterMs)) return cached;
  let credentials: GoogleCredentials;
  try {
    credentials = readCredentials(source);
  } catch (error) {
    // A Secret being swapped can be briefly missing: the last good key serves meanwhile.
    if (cached !== undefined) return cached;
    throw error;
  }
  const entry = { credentials, identity: identityOf(credentials), readAt: Date.now() };
  // Values come from the config, so the map stays small; the bound only guards against surprises.
  if (parsedCredentials.size > 1_000) parsedCredentials.clear();
  parsedCredentials.set(source, entry);
  return entry;
}

function identityOf(credentials: GoogleCredentials): string {
  const secret = credentials.type === 'service_account' ? credentials.privateKey : credentials.refreshToken;
  const name = credentials.type === 'service_account' ? credentials.clientEmail : credentials.clientId;
  // The key is hashed in, so a rotated key gets a new token rather than the old identity's.
  return `${credentials.type}:${name}:${credentials.tokenUri}:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
}

/** `https://{location}-aiplatform.googleapis.com` (`aiplatform.googleapis.com` for `global`), or `api_base`. */
export function vertexOrigin(location: string, apiBase: string | undefined): string {
  if (apiBase !== undefined) return apiBase.endsWith('/') ? apiBase.slice(0, -1) : apiBase;
  return location === 'global'
    ? 'https://aiplatform.googleapis.com'
    : `https://${location}-aiplatform.googleapis.com`;
}

/** `{origin}/v1/projects/{p}/locations/{l}/publishers/{publisher}/models/{model}:{method}`. */
export function vertexModelUrl(
  settings: Pick<VertexSettings, 'project' | 'location'>,
  apiBase: string | undefined,
  publisher: string,
  model: string,
  method: string,
): string {
  // `@` stays as it is: Anthropic model ids on Vertex carry their version after it (`claude-sonnet-4-5@20250929`).
  const id = encodeURIComponent(model).replaceAll('%40', '@');
  return (
    `${vertexOrigin(settings.location, apiBase)}/v1/projects/${encodeURIComponent(settings.project)}` +
    `/locations/${encodeURIComponent(settings.location)}/publishers/${publisher}/models/${id}:${method}`
  );
}

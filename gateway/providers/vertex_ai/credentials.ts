import { readFileSync } from 'node:fs';
import { ProviderError } from '../../upstream/errors.ts';
import { asRecord } from '../upstream-call.ts';

/** A service account key file (`"type": "service_account"`), the fields this gateway uses. */
export interface ServiceAccount {
  readonly type: 'service_account';
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId: string | undefined;
  readonly tokenUri: string;
  readonly projectId: string | undefined;
}

/** `gcloud auth application-default login` credentials (`"type": "authorized_user"`). */
export interface AuthorizedUser {
  readonly type: 'authorized_user';
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  readonly tokenUri: string;
  readonly projectId: string | undefined;
}

export type GoogleCredentials = ServiceAccount | AuthorizedUser;

const defaultTokenUri = 'https://oauth2.googleapis.com/token';

function invalid(reason: string): ProviderError {
  // Never the value itself: it holds a private key.
  return new ProviderError('auth', `vertex_credentials ${reason}`, { status: 401 });
}

function text(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Reads `vertex_credentials` as LiteLLM takes it: the JSON itself (an object, or a string such as an
 * `os.environ/` value), or the path of the key file.
 */
export function readCredentials(value: unknown): GoogleCredentials {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    const source = value.trim().startsWith('{') ? value : readKeyFile(value);
    try {
      parsed = JSON.parse(source);
    } catch {
      throw invalid('is not valid JSON');
    }
  }
  const record = asRecord(parsed);
  if (record === undefined) throw invalid('must be a service account JSON object or the path of one');
  const tokenUri = text(record, 'token_uri') ?? defaultTokenUri;
  const projectId = text(record, 'project_id') ?? text(record, 'quota_project_id');
  if (record.type === 'authorized_user') {
    const [clientId, clientSecret, refreshToken] = ['client_id', 'client_secret', 'refresh_token'].map(
      (key) => text(record, key),
    );
    if (clientId === undefined || clientSecret === undefined || refreshToken === undefined)
      throw invalid('of type authorized_user needs client_id, client_secret and refresh_token');
    return { type: 'authorized_user', clientId, clientSecret, refreshToken, tokenUri, projectId };
  }
  if (record.type !== undefined && record.type !== 'service_account')
    throw invalid(
      `of type ${JSON.stringify(record.type)} is not supported (service_account, authorized_user)`,
    );
  const clientEmail = text(record, 'client_email');
  const privateKey = text(record, 'private_key');
  if (clientEmail === undefined || privateKey === undefined)
    throw invalid('needs client_email and private_key');
  return {
    type: 'service_account',
    clientEmail,
    privateKey,
    privateKeyId: text(record, 'private_key_id'),
    tokenUri,
    projectId,
  };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw invalid(`file ${path} cannot be read (${code})`);
  }
}

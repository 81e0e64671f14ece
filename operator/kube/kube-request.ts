import { fetch } from 'undici';
import type { Dispatcher } from 'undici';
import { kubeApiError } from './api-error.ts';
import type { AuthenticatedRequest, KubeConnection } from './kube-connection.ts';

export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Default application/json; a patch type for PATCH. */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

/**
 * A plain JSON request to the apiserver, authenticated exactly as client-node's Watch is (same
 * credentials and TLS dispatcher). All the operator's requests go this way: client-node's typed clients
 * deserialize built-in kinds into model classes with Date timestamps while watch events stay plain JSON
 * (an informer's cache would hold both shapes), they type MicroTime fields as Date but send a Date with
 * three fractional digits, which the apiserver rejects, and they load client-node's whole generated API.
 */
export async function kubeRequest<T>(connection: KubeConnection, request: KubeRequest): Promise<T> {
  const cluster = connection.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(cluster.server + request.path);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  const auth = new Credentials();
  await connection.applySecurityAuthentication(auth);
  const headers = auth.headers;
  headers.accept = 'application/json';
  if (request.body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
  const response = await fetch(url, {
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    ...(auth.dispatcher ? { dispatcher: auth.dispatcher } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw kubeApiError(response.status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** What applySecurityAuthentication fills in: headers (a token) and the TLS dispatcher. */
class Credentials implements AuthenticatedRequest {
  readonly headers: Record<string, string> = {};
  dispatcher: Dispatcher | undefined;

  setHeaderParam(key: string, value: string): void {
    this.headers[key] = value;
  }

  setDispatcher(dispatcher: Dispatcher): void {
    this.dispatcher = dispatcher;
  }
}

export function getJson<T>(
  kubeConfig: KubeConnection,
  path: string,
  query?: Readonly<Record<string, string | undefined>>,
): Promise<T> {
  return kubeRequest<T>(kubeConfig, { method: 'GET', path, ...(query ? { query } : {}) });
}

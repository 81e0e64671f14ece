import type { Agent } from 'node:http';
import type { Dispatcher } from 'undici';
import { kubeApiError } from './api-error.ts';
import { readText, send } from './http-send.ts';
import type { Sent } from './http-send.ts';
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
 * A plain JSON request to the apiserver, authenticated as the watches are (same credentials and
 * keep-alive connections, kube-watch.ts). All the operator's requests go this way: client-node's typed clients
 * deserialize built-in kinds into model classes with Date timestamps while watch events stay plain JSON
 * (an informer's cache would hold both shapes), they type MicroTime fields as Date but send a Date with
 * three fractional digits, which the apiserver rejects, and they load client-node's whole generated API.
 */
export async function kubeRequest<T>(connection: KubeConnection, request: KubeRequest): Promise<T> {
  const response = await sendAuthenticated(connection, request);
  const text = await readText(response.body);
  if (response.status < 200 || response.status > 299) throw kubeApiError(response.status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The request sent with the connection's credentials; the body is the caller's to read (a watch streams it). */
export async function sendAuthenticated(
  connection: KubeConnection,
  request: KubeRequest & { readonly idleTimeoutMs?: number },
): Promise<Sent> {
  const cluster = connection.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(cluster.server + request.path);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  const auth = new Credentials(request.query?.watch === 'true');
  await connection.applySecurityAuthentication(auth);
  const headers = auth.headers;
  headers.accept = 'application/json';
  if (request.body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
  return send(url, {
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    ...(auth.agent ? { agent: auth.agent } : {}),
    ...(auth.dispatcher ? { dispatcher: auth.dispatcher } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
    ...(request.idleTimeoutMs !== undefined ? { idleTimeoutMs: request.idleTimeoutMs } : {}),
  });
}

/** What applySecurityAuthentication fills in: headers (a token) and the TLS agent (or client-node's dispatcher). */
class Credentials implements AuthenticatedRequest {
  readonly headers: Record<string, string> = {};
  readonly watch: boolean;
  agent: Agent | undefined;
  dispatcher: Dispatcher | undefined;

  constructor(watch: boolean) {
    this.watch = watch;
  }

  setAgent(agent: Agent): void {
    this.agent = agent;
  }

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

import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { fetch } from 'undici';
import { kubeApiError } from './api-error.ts';

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
 * credentials and TLS dispatcher). Used where the typed clients get in the way: they deserialize
 * built-in kinds into model classes with Date timestamps while watch events stay plain JSON (an
 * informer's cache would hold both shapes), and they type MicroTime fields as Date but send a Date
 * with three fractional digits, which the apiserver rejects.
 */
export async function kubeRequest<T>(kubeConfig: KubeConfig, request: KubeRequest): Promise<T> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(cluster.server + request.path);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  const context = new RequestContext(url.toString(), HttpMethod[request.method]);
  await kubeConfig.applySecurityAuthentication(context);
  const headers = context.getHeaders();
  headers.accept = 'application/json';
  if (request.body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
  const dispatcher = context.getDispatcher();
  const response = await fetch(url, {
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    ...(dispatcher ? { dispatcher } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw kubeApiError(response.status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

export function getJson<T>(
  kubeConfig: KubeConfig,
  path: string,
  query?: Readonly<Record<string, string | undefined>>,
): Promise<T> {
  return kubeRequest<T>(kubeConfig, { method: 'GET', path, ...(query ? { query } : {}) });
}
